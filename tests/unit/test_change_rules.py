"""Change requests (场地变更): what may be filed, and when the guest center's agreement is needed."""
from datetime import date, time

import pytest

from portal.bookings.rules import Status, Timing, change_is_late, change_problems

TODAY = date(2026, 12, 2)
OLD = Timing(date(2026, 12, 16), time(9), 240, 2)


@pytest.mark.parametrize("status, new, message", [
    (Status.ACCEPTED, Timing(date(2026, 12, 16), time(11), 240, 2), None),
    (Status.PARTLY_ACCEPTED, Timing(date(2026, 12, 16), time(9), 240, 1), None),       # fewer seats
    (Status.ACCEPTED, Timing(date(2026, 12, 3), time(9), 240, 2), None),               # late: agreement decides
    (Status.ACCEPTED, Timing(TODAY, time(9), 240, 2), None),                           # today is not the past
    (Status.SUBMITTED, Timing(date(2026, 12, 16), time(11), 240, 2), "只有已接受的预订可以申请场地变更"),
    (Status.CANCELLED, Timing(date(2026, 12, 16), time(11), 240, 2), "只有已接受的预订可以申请场地变更"),
    (Status.ACCEPTED, OLD, "无需变更"),
    (Status.ACCEPTED, Timing(date(2026, 12, 1), time(9), 240, 2), "不能早于今天"),
    (Status.ACCEPTED, Timing(date(2026, 12, 16), time(9), 780, 2), "评标时长应在"),
    (Status.ACCEPTED, Timing(date(2026, 12, 16), time(9), 240, 0), "客场机位数应在 1 至 50 个之间"),
    (Status.ACCEPTED, Timing(date(2026, 12, 16), time(9), 240, 51), "客场机位数应在 1 至 50 个之间"),
])
def test_what_a_change_request_may_be(status, new, message):
    problems = change_problems(status, OLD, new, TODAY)
    if message is None:
        assert problems == []
    else:
        assert any(message in p for p in problems), problems


@pytest.mark.parametrize("today, latest, late", [
    (date(2026, 12, 2), date(2026, 12, 2), False),     # the last day to file is still in time
    (date(2026, 12, 3), date(2026, 12, 2), True),
    (date(2026, 11, 30), date(2026, 12, 2), False),
])
def test_a_change_later_than_a_new_request_could_be_filed_needs_agreement(today, latest, late):
    assert change_is_late(today, latest) is late
