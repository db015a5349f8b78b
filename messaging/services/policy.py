"""The tenant's messaging settings."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from tenants.errors import ParleyError
from tenants.models import Tenant

from ..models import (
    MessagingPolicy,
)

logger = logging.getLogger("parley.messaging")


@transaction.atomic
def messaging_policy_get(*, tenant: Tenant) -> MessagingPolicy:
    policy = MessagingPolicy.objects.for_tenant(tenant).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return MessagingPolicy.objects.create(tenant=tenant)
    except IntegrityError:
        return MessagingPolicy.objects.for_tenant(tenant).get()


@transaction.atomic
def messaging_policy_update(*, tenant: Tenant, **values: Any) -> MessagingPolicy:
    policy = messaging_policy_get(tenant=tenant)
    allowed = {
        "help_text",
        "opt_out_text",
        "opt_in_text",
        "daily_segment_cap",
        "local_segments_per_second",
        "toll_free_segments_per_second",
        "tenant_segments_per_second",
    }
    for name, value in values.items():
        if name not in allowed:
            raise ParleyError(f"{name} is not a messaging setting.", field=name)
        setattr(policy, name, value)
    policy.save()
    return policy
