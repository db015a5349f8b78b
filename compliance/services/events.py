"""The compliance events for the tenant's webhook endpoints, written to the outbox in the
transaction of the change they report, and only when a state really moved."""

from __future__ import annotations

from numbers.models import PhoneNumber

from integrations.services import event_record, event_time

from ..models import Brand, Campaign, TollFreeVerification


def number_messaging_status_changed(row: PhoneNumber) -> None:
    event_record(
        tenant_id=row.tenant_id,
        type="number.messaging_status_changed",
        data={
            "number_id": row.pk,
            "number": row.number,
            "messaging_status": row.messaging_status,
            "reason": row.messaging_status_reason,
            "action": row.messaging_status_action,
        },
    )


def brand_status_changed(brand: Brand, previous: str | None) -> None:
    if brand.status == previous:
        return
    event_record(
        tenant_id=brand.tenant_id,
        type="brand.status_changed",
        data={
            "brand_id": brand.bandwidth_brand_id,
            "status": brand.status,
            "previous_status": previous,
            "detail": brand.status_detail,
        },
    )


def campaign_status_changed(
    campaign: Campaign, previous: str | None, previous_carriers: dict[str, str] | None
) -> None:
    """Also when one carrier's verdict moved while the overall status did not."""
    if campaign.status == previous and campaign.carrier_statuses == previous_carriers:
        return
    event_record(
        tenant_id=campaign.tenant_id,
        type="campaign.status_changed",
        data={
            "campaign_id": campaign.pk,
            "bandwidth_campaign_id": campaign.bandwidth_campaign_id,
            "status": campaign.status,
            "previous_status": previous,
            "carrier_statuses": dict(campaign.carrier_statuses),
        },
    )


def toll_free_verification_status_changed(
    verification: TollFreeVerification, previous: str | None
) -> None:
    if verification.status == previous:
        return
    event_record(
        tenant_id=verification.tenant_id,
        type="toll_free_verification.status_changed",
        data={
            "verification_id": verification.pk,
            "numbers": list(verification.numbers),
            "status": verification.status,
            "previous_status": previous,
            "denial_code": verification.denial_code,
            "denial_reason": verification.denial_reason,
            "resubmit_allowed": verification.can_resubmit,
            "resubmit_deadline": event_time(verification.resubmit_deadline),
        },
    )
