"""Parley's English date formats: one 24-hour style everywhere (Dec 1, 2026, 19:34)."""

DATETIME_FORMAT = "M j, Y, H:i"
DATE_FORMAT = "M j, Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "M j, H:i"
SHORT_DATE_FORMAT = "M j"
