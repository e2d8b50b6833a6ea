"""Time guards of the evaluation day, around midnight China time, whatever the server's zone (here UTC)."""
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.clock import CHINA
from portal.evaluations import timing
from portal.evaluations.timing import TimingSettings

DAY = date(2026, 12, 9)                       # a Wednesday
START = datetime(2026, 12, 9, 9, 0, tzinfo=CHINA)
OPENING_DAY = date(2026, 12, 8)               # the working day before


def china(*args):
    return datetime(*args, tzinfo=CHINA)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("now, open_", [
    (china(2026, 12, 7, 23, 59), False),
    (utc(2026, 12, 7, 15, 59), False),        # 23:59 on the 7th in China
    (utc(2026, 12, 7, 16, 0), True),          # 00:00 on the 8th in China, still the 7th in UTC
    (china(2026, 12, 8, 0, 0), True),
    (china(2026, 12, 9, 8, 30), True),
])
def test_the_draw_opens_at_midnight_of_the_working_day_before(now, open_):
    opens = timing.draw_opens_at(START, OPENING_DAY, TimingSettings())
    assert opens == china(2026, 12, 8, 0, 0)
    problem = timing.draw_problem(now, opens, DAY)
    assert (problem is None) is open_
    if problem:
        assert "2026-12-08 00:00" in problem


def test_the_draw_may_open_a_number_of_hours_before_the_start():
    opens = timing.draw_opens_at(START, OPENING_DAY, TimingSettings(draw_open_hours=2))
    assert opens == china(2026, 12, 9, 7, 0)
    assert timing.draw_problem(china(2026, 12, 9, 6, 59), opens, DAY)
    assert timing.draw_problem(china(2026, 12, 9, 7, 0), opens, DAY) is None


@pytest.mark.parametrize("now, allowed, says", [
    (utc(2026, 12, 8, 15, 59), False, "只能在评标当日（2026-12-09）"),   # 23:59 on the 8th in China
    (utc(2026, 12, 8, 16, 0), True, None),                               # 00:00 on the 9th in China
    (china(2026, 12, 9, 23, 59), True, None),
    (utc(2026, 12, 9, 16, 0), False, "已过"),                             # 00:00 on the 10th in China
    (china(2026, 12, 2, 10, 0), False, "请于当日再操作"),                  # a week early
])
def test_sign_in_signatures_and_the_end_only_on_the_evaluation_day(now, allowed, says):
    problem = timing.on_the_day_problem("签到", now, DAY)
    assert (problem is None) is allowed
    if says:
        assert says in problem and problem.startswith(("签到", "评标日期"))


@pytest.mark.parametrize("occurred, allowed", [
    (china(2026, 12, 9, 10, 0), True),
    (china(2026, 12, 9, 10, 1), True),        # this very minute
    (china(2026, 12, 9, 10, 2), False),
    (china(2026, 12, 16, 10, 0), False),
])
def test_an_incident_is_never_in_the_future(occurred, allowed):
    now = china(2026, 12, 9, 10, 1, 30)
    assert (timing.incident_time_problem(occurred, now) is None) is allowed


@pytest.mark.parametrize("day, publicity, allowed", [
    (date(2026, 12, 9), 3, False),             # the evaluation day itself
    (date(2026, 12, 11), 3, False),            # the publicity period still runs
    (date(2026, 12, 12), 3, True),             # evaluation day + 3 days
    (date(2026, 12, 13), 5, False),
    (date(2026, 12, 14), 5, True),
    (date(2026, 12, 21), 3, False),            # after today
])
def test_the_winner_after_the_publicity_period(day, publicity, allowed):
    problem = timing.winner_date_problem(day, DAY, today=date(2026, 12, 20), publicity_days=publicity)
    assert (problem is None) is allowed
    if problem and day <= date(2026, 12, 20):
        assert "第五十四条" in problem and str(DAY + timedelta(days=publicity)) in problem
