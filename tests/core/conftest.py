from ..messaging.conftest import wired  # noqa: F401
