"""Typed parsing of Bandwidth webhook bodies (being split by concern)."""

from bandwidth.callbacks.voice import *  # noqa: F403
from bandwidth.callbacks.voice import __all__ as __all__
