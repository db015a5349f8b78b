"""Every write of the compliance app: the business profile, the brand and campaigns registered
from it, campaign assignments (tnoptions orders), toll-free verifications, line-type lookups,
and each number's ``messaging_status``, which only this package sets.

Calls to Bandwidth happen before the transaction that records their answer, never inside it.
"""

from .account import (
    platform_brand_missing,
    platform_brand_refresh,
    tnoptions_webhook_account,
    toll_free_signing_secrets,
)
from .common import (
    PROFILE_FIELDS,
    TOLL_FREE_USE_CASES,
    USE_CASES,
    VERTICALS,
    NumberNotReady,
    RecipientNotTextable,
    profile_missing,
)
from .profile import profile_update
from .reconcile import reconcile_one, tenants_with_unassigned_numbers, to_reconcile
from .registration import (
    approved_campaign,
    assignment_reconcile,
    brand_refresh,
    brand_revet,
    brand_submit,
    brand_vet,
    campaign_assign_numbers,
    campaign_create,
    campaign_defaults,
    campaign_refresh,
    campaign_revet,
    number_status_changed,
    tnoptions_notification_record,
)
from .status import (
    line_types_awaited,
    line_types_bulk_collect,
    line_types_bulk_start,
    line_types_cached,
    line_types_known,
    line_types_lookup,
    messaging_status_refresh,
    number_refused_by_carrier,
    send_check,
)
from .toll_free import (
    toll_free_notification_record,
    toll_free_verification_refresh,
    toll_free_verification_resubmit,
    toll_free_verification_submit,
)

__all__ = [
    "PROFILE_FIELDS",
    "TOLL_FREE_USE_CASES",
    "USE_CASES",
    "VERTICALS",
    "NumberNotReady",
    "RecipientNotTextable",
    "approved_campaign",
    "assignment_reconcile",
    "brand_refresh",
    "brand_revet",
    "brand_submit",
    "brand_vet",
    "campaign_assign_numbers",
    "campaign_create",
    "campaign_defaults",
    "campaign_refresh",
    "campaign_revet",
    "line_types_awaited",
    "line_types_bulk_collect",
    "line_types_bulk_start",
    "line_types_cached",
    "line_types_known",
    "line_types_lookup",
    "messaging_status_refresh",
    "number_refused_by_carrier",
    "number_status_changed",
    "platform_brand_missing",
    "platform_brand_refresh",
    "profile_missing",
    "profile_update",
    "reconcile_one",
    "send_check",
    "tenants_with_unassigned_numbers",
    "tnoptions_notification_record",
    "tnoptions_webhook_account",
    "to_reconcile",
    "toll_free_notification_record",
    "toll_free_signing_secrets",
    "toll_free_verification_refresh",
    "toll_free_verification_resubmit",
    "toll_free_verification_submit",
]
