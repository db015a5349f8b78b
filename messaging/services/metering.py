"""What a message counts for in usage: SMS segments, or one MMS per recipient."""

from __future__ import annotations

from usage.models import Metric
from usage.services import usage_record

from ..models import Media, Message


def message_usage_record(*, message: Message, media_count: int | None = None) -> None:
    """Called once per message, in the transaction that sees it accepted by Bandwidth (outbound)
    or stored (inbound). ``media_count``: when the caller knows it, no query asks."""
    outbound = message.direction == Message.Direction.OUT
    if media_count is None:
        media_count = Media.objects.filter(message_id=message.pk).count()
    mms = message.recipient_count > 1 or media_count > 0
    recipients = max(1, message.recipient_count) if outbound else 1
    if mms:
        metric = Metric.MMS_OUT if outbound else Metric.MMS_IN
        quantity = recipients
    else:
        metric = Metric.SMS_OUT_SEGMENTS if outbound else Metric.SMS_IN_SEGMENTS
        quantity = max(1, message.segment_count) * recipients
    usage_record(tenant=message.tenant, metric=metric, quantity=quantity)
