"""Saving call routes (compiled and cached for the BXML replies) and the blocklist."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from numbers.models import PhoneNumber
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from tenants import services as tenant_services
from tenants.errors import (
    ParleyError,
)
from tenants.models import OutboundChannel, Tenant

from .. import routes, selectors
from ..models import CallRoute

logger = logging.getLogger(__name__)


MAX_GREETING_BYTES = 5 * 1024 * 1024


GREETING_TYPES = ("audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav", "audio/wave")


def compiled_routes_forget(*, phone_number_ids: Iterable[int]) -> None:
    """Drops the compiled routes of these numbers now and again after commit."""
    keys = [selectors.compiled_key(pk) for pk in phone_number_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def _forget_compiled(phone_number_id: int) -> None:
    compiled_routes_forget(phone_number_ids=[phone_number_id])


def on_routes_forgotten(sender: Any, phone_number_ids: Iterable[int], **kwargs: Any) -> None:
    """Receiver of numbers.routing.routes_forgotten, which is itself sent again after commit."""
    cache.delete_many([selectors.compiled_key(pk) for pk in phone_number_ids])


@transaction.atomic
def call_route_save(
    *,
    tenant: Tenant,
    phone_number: PhoneNumber,
    config: Any,
    greeting_audio: UploadedFile | None = None,
) -> CallRoute:
    """Validate a route document and store it for the number; the cached BXML data is rebuilt."""
    routable = phone_number.status in PhoneNumber.ROUTABLE_STATUSES
    if phone_number.tenant_id != tenant.pk or not routable:
        raise ParleyError("This number is not one of your active numbers.", field="number")
    clean = routes.validate_config(config, region=tenant.default_region)
    tenant_services.outbound_destinations_check(
        tenant=tenant, channel=OutboundChannel.CALLS, targets=routes.dial_targets(clean)
    )
    if greeting_audio is not None:
        if greeting_audio.size is None or greeting_audio.size > MAX_GREETING_BYTES:
            raise ParleyError("The greeting file must be at most 5 MB.", field="greeting_audio")
        if (greeting_audio.content_type or "") not in GREETING_TYPES:
            raise ParleyError("The greeting must be an MP3 or WAV file.", field="greeting_audio")
    route = selectors.call_route_for_number(tenant=tenant, phone_number=phone_number)
    has_audio = greeting_audio is not None or (route is not None and bool(route.greeting_audio))
    if clean["greeting"]["kind"] == "audio" and not has_audio:
        raise ParleyError(
            "Upload an audio file for the greeting.", field="greeting.audio", code="invalid_route"
        )
    if route is None:
        route = CallRoute(tenant=tenant, phone_number=phone_number)
    route.config = clean
    if greeting_audio is not None:
        route.greeting_audio.save(greeting_audio.name or "greeting", greeting_audio, save=False)
    route.save()
    _forget_compiled(phone_number.pk)
    return route


def forget_compiled_route(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver: any change to a route, a number or a tenant drops the cached route."""
    if isinstance(instance, CallRoute):
        _forget_compiled(instance.phone_number_id)
    elif isinstance(instance, PhoneNumber):
        _forget_compiled(instance.pk)
    elif isinstance(instance, Tenant):
        for pk in selectors.voice_number_list(tenant=instance).values_list("pk", flat=True):
            _forget_compiled(pk)
