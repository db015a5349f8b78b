"""What numbers tell the apps above them (compliance, porting, integrations), which it must not
import."""

from __future__ import annotations

from django.dispatch import Signal

number_status_changed = Signal()
"""Sent with ``phone_number``, ``old_status`` and ``new_status`` inside the transaction that saved
the change (an order or disconnect completing, a port finishing). Receivers that talk to Bandwidth
do so with ``transaction.on_commit``."""
