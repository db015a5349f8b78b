"""The shared ``line`` fixture leaves the emulator and Parley in agreement."""

from numbers.routing import route_for

import pytest


@pytest.mark.django_db(transaction=True)
def test_line_is_routable_and_in_service(line, other_line, bandwidth):
    state = bandwidth.emulator.state
    assert state.number_in_service(line.e164) is not None
    route = route_for(line.e164)
    assert route is not None and route.tenant_id == line.tenant.id
    assert route_for(other_line.e164).tenant_id == other_line.tenant.id
    assert state.messaging_application_for_number(line.e164).id == (
        line.provisioning.messaging_application_id
    )
