"""schemathesis against the live schema, over every operation, with two tenants' data: no 5xx
and no response that breaks the schema (every built-in check, as ``--checks all``).

Each operation is its own test; Hypothesis makes ``CONTRACT_MAX_EXAMPLES`` cases of it (positive
and negative), sent in process through the WSGI application, authenticated as the first tenant
while the second tenant's rows sit beside its own. Set ``CONTRACT_MAX_EXAMPLES`` higher for a
longer hunt.
"""

from __future__ import annotations

import os
from datetime import timedelta
from numbers.models import NumberOrder
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from messaging import services as messaging_services
from tenants import services as tenant_services
from usage.models import Metric
from usage.services import usage_record
from voice.models import Call, Recording, Voicemail

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))


def _plant(line: Any, customer: str) -> None:
    """A tenant's everyday rows: a thread in and out, an opt-out, calls, a voicemail, an order,
    usage."""
    tenant = line.tenant
    messaging_services.message_send(
        tenant=tenant, from_number=line.e164, to=[customer], text="Your table is ready"
    )
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550177", source="api")
    now = timezone.now()
    call = Call.objects.create(
        tenant=tenant,
        phone_number=line.number,
        our_number=line.e164,
        other_party=customer,
        direction=Call.Direction.INBOUND,
        status=Call.Status.COMPLETED,
        bandwidth_call_id=f"c-{tenant.slug}",
        started_at=now - timedelta(minutes=2),
        ended_at=now,
        duration=61,
        steps=["rang", "voicemail"],
    )
    recording = Recording.objects.create(
        tenant=tenant, call=call, bandwidth_recording_id=f"r-{tenant.slug}"
    )
    Voicemail.objects.create(tenant=tenant, call=call, recording=recording)
    NumberOrder.objects.create(
        tenant=tenant,
        kind=NumberOrder.Kind.ORDER,
        customer_order_id=f"po-{tenant.slug}",
        numbers=[line.e164],
        completed_numbers=[line.e164],
        status=NumberOrder.Status.COMPLETE,
    )
    usage_record(tenant=tenant, metric=Metric.SMS_OUT_SEGMENTS, quantity=3)


# The schema as the application serves it (no database needed to build it).
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def contract_token(line, other_line, db) -> str:
    _plant(line, "+19195550123")
    _plant(other_line, "+19195550124")
    _, token = tenant_services.api_token_create(
        tenant=line.tenant, name="contract", scopes=tenant_services.ALL_SCOPES
    )
    return token


@schemathesis.check
def refusals_name_their_field(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request refused for a business rule (an unknown number, a cursor this API
    did not make, a date range too long) is a 400 in the one error shape, with a reason."""
    if response.status_code != 400:
        return None
    error = response.json()["error"]
    assert error["code"] and error["message"], response.text
    return True


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 37


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_keeps_the_contract(operation: Any, mode: Any, contract_token: str) -> None:
    headers = {"Authorization": f"Bearer {contract_token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        # Every built-in check, except that schema-valid data may still meet a business rule
        # (checked by refusals_name_their_field instead of positive_data_acceptance).
        case.call_and_validate(
            headers=headers,
            excluded_checks=[positive_data_acceptance] if mode is GenerationMode.POSITIVE else [],
            additional_checks=[refusals_name_their_field],
        )

    run()
