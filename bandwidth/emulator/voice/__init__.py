"""Voice v2 of the emulator (being split by concern)."""

from bandwidth.emulator.voice.store import VoiceStore, routes, wav_bytes

__all__ = ["VoiceStore", "routes", "wav_bytes"]
