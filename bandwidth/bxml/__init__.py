"""BXML documents (being split by concern)."""

from bandwidth.bxml.verbs import *  # noqa: F403
from bandwidth.bxml.verbs import __all__ as __all__
