"""Business hours, read one way for calls (voice routes) and texts (the after-hours reply)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import hours
from core.errors import ParleyError

WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NY = "America/New_York"


def test_open_and_closed_in_the_time_zone():
    monday_0500_ny = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    monday_1000_ny = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert not hours.is_open(WEEKDAYS, NY, monday_0500_ny)
    assert hours.is_open(WEEKDAYS, NY, monday_1000_ny)
    assert hours.is_open({}, NY, monday_0500_ny), "no hours: always open"


def test_next_opening_names_the_closed_period():
    friday_1800_ny = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    saturday_noon_ny = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    opening = hours.next_opening(WEEKDAYS, NY, friday_1800_ny)
    assert opening is not None and opening.isoformat() == "2026-11-30T09:00:00-05:00"
    assert hours.next_opening(WEEKDAYS, NY, saturday_noon_ny) == opening
    assert hours.next_opening({"mon": []}, NY, friday_1800_ny) is None


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"someday": []}, "hours"),
        ({"mon": [["9", "17:00"]]}, "hours.mon"),
        ({"mon": [["18:00", "09:00"]]}, "hours.mon"),
        ({"mon": "09:00-17:00"}, "hours.mon"),
        ("always", "hours"),
    ],
)
def test_bad_hours_name_the_day(value, field):
    with pytest.raises(ParleyError) as caught:
        hours.clean_hours(value)
    assert caught.value.field == field
