"""Inbound media, fetched from the tenant's own Bandwidth media path."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from bandwidth.client import media_id_from_url
from carrier.clients import client_for_tenant

from ..models import (
    Media,
)
from .sending import MEDIA_TYPES

logger = logging.getLogger("parley.messaging")


def media_fetch(*, media_id: int) -> str:
    """Copies inbound MMS media into Django storage, only from this account's media path on the
    configured messaging host, with credentials and size and type limits."""
    item = Media.objects.select_related("message", "tenant").get(pk=media_id)
    if item.status != Media.Status.PENDING:
        return item.status
    client = client_for_tenant(item.tenant)
    bandwidth_media_id = media_id_from_url(
        item.source_url,
        messaging_base_url=settings.BANDWIDTH_MESSAGING_BASE_URL,
        account_id=client.credentials.account_id,
    )
    if bandwidth_media_id is None:
        Media.objects.filter(pk=media_id).update(
            status=Media.Status.FAILED, error="Refused: not on the Bandwidth media path."
        )
        logger.warning("media %s refused: %s is outside the media path", media_id, item.source_url)
        return Media.Status.FAILED
    max_bytes = int(settings.MESSAGING_MAX_INBOUND_MEDIA_BYTES)
    # Bandwidth's errors propagate: the task's retry policy retries or calls media_fetch_failed.
    content, content_type = client.messaging.download_media(bandwidth_media_id, max_bytes=max_bytes)
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in MEDIA_TYPES and content_type != "application/octet-stream":
        Media.objects.filter(pk=media_id).update(
            status=Media.Status.FAILED, error=f"Refused type {content_type}."
        )
        return Media.Status.FAILED
    name = bandwidth_media_id.rsplit("/", 1)[-1] or "media"
    with transaction.atomic():
        locked = Media.objects.select_for_update().get(pk=media_id)
        if locked.status != Media.Status.PENDING:
            return locked.status
        locked.file.save(name, ContentFile(content), save=False)
        locked.content_type = content_type
        locked.size = len(content)
        locked.status = Media.Status.STORED
        locked.save()
    return Media.Status.STORED


@transaction.atomic
def media_fetch_failed(*, media_id: int, reason: str) -> None:
    """Bandwidth refused the media, or kept failing past the retry horizon: keep the reason."""
    Media.objects.filter(pk=media_id, status=Media.Status.PENDING).update(
        status=Media.Status.FAILED, error=reason[:300]
    )
