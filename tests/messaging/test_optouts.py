"""STOP, START and HELP from a handset through the emulator, and what they block."""

from __future__ import annotations

import pytest

from messaging import services
from messaging.models import Contact, Message, OptOut
from tenants.errors import ParleyError

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195550123"


def _replies(bandwidth) -> list[str]:
    return [m.text for m in emulator_messages(bandwidth)]


@pytest.mark.parametrize("word", ["STOP", "  stop ", "Unsubscribe", "OPTOUT", "quit"])
def test_stop_words_opt_out_and_confirm_once(line, celery_worker, bandwidth, text_in, word):
    text_in(CUSTOMER, line.e164, word)
    wait_until(lambda: len(_replies(bandwidth)) == 1)
    policy = services.messaging_policy_get(tenant=line.tenant)
    assert _replies(bandwidth) == [policy.opt_out_text]
    contact = Contact.objects.get(tenant=line.tenant, number=CUSTOMER)
    assert contact.opted_out
    event = OptOut.objects.get()
    assert (event.action, event.source, event.keyword) == (
        "opt_out",
        "keyword",
        word.strip().upper(),
    )
    with pytest.raises(ParleyError) as refused:
        services.message_send(tenant=line.tenant, from_number=line.e164, to=[CUSTOMER], text="Hi")
    assert refused.value.code == "opted_out"
    assert CUSTOMER in refused.value.message and "opted out" in refused.value.message


def test_stop_inside_a_sentence_is_just_a_message(line, celery_worker, bandwidth, text_in):
    text_in(CUSTOMER, line.e164, "please don't stop")
    wait_until(lambda: Message.objects.filter(direction="in").exists())
    assert not Contact.objects.get(number=CUSTOMER).opted_out
    assert _replies(bandwidth) == []


def test_start_opts_back_in_and_help_answers(line, celery_worker, bandwidth, text_in):
    text_in(CUSTOMER, line.e164, "STOP")
    wait_until(lambda: len(_replies(bandwidth)) == 1)
    text_in(CUSTOMER, line.e164, "start")
    wait_until(lambda: len(_replies(bandwidth)) == 2)
    assert not Contact.objects.get(number=CUSTOMER).opted_out
    services.messaging_policy_update(tenant=line.tenant, help_text="Acme help: call 555-0100.")
    text_in(CUSTOMER, line.e164, " Help ")
    wait_until(lambda: len(_replies(bandwidth)) == 3)
    assert "Acme help: call 555-0100." in _replies(bandwidth)
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=[CUSTOMER], text="Welcome back"
    ).message
    wait_until(lambda: Message.objects.get(pk=message.pk).status == "delivered")
    actions = list(OptOut.objects.order_by("created_at").values_list("action", flat=True))
    assert actions == ["opt_out", "opt_in"]


def test_opt_out_blocks_a_message_already_queued(line, bandwidth):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=[CUSTOMER], text="Queued"
    ).message
    services.contact_opt_out(tenant=line.tenant, number=CUSTOMER, source="agent")
    assert services.message_dispatch(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and "opted out" in message.error_description
    assert emulator_messages(bandwidth) == []


def test_opt_out_is_per_tenant(line, other_line, bandwidth):
    services.contact_opt_out(tenant=line.tenant, number=CUSTOMER, source="api")
    other = services.message_send(
        tenant=other_line.tenant, from_number=other_line.e164, to=[CUSTOMER], text="Fine"
    )
    assert other.created
