"""The emulator's BXML interpreter (being split by concern)."""

from bandwidth.emulator.bxml_interpreter.interpreter import *  # noqa: F403
