"""The working-day calendar: official holidays and make-up days, overrides, unknown years, deadlines."""
import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.calendar.rules import (
    DayKind,
    Override,
    WorkCalendar,
    YearSource,
    filing_deadline,
    month_weeks,
    parse_iso_date,
)
from portal.calendar.services import LIBRARY_YEARS, build_calendar

D = date.fromisoformat
CAL = build_calendar()


def test_the_library_knows_2004_to_2026_and_not_2027():
    assert {2004, 2025, 2026} <= LIBRARY_YEARS
    assert 2027 not in LIBRARY_YEARS and 2003 not in LIBRARY_YEARS


@pytest.mark.parametrize("day, working, kind, name", [
    # National Day 2026: 1-7 October off, Sunday 20 September and Saturday 10 October worked in lieu
    ("2026-09-20", True, DayKind.MAKEUP_WORKDAY, "国庆节"),
    ("2026-09-30", True, DayKind.WORKDAY, ""),
    ("2026-10-01", False, DayKind.HOLIDAY, "国庆节"),
    ("2026-10-03", False, DayKind.HOLIDAY, "国庆节"),   # a Saturday inside the holiday
    ("2026-10-07", False, DayKind.HOLIDAY, "国庆节"),
    ("2026-10-08", True, DayKind.WORKDAY, ""),
    ("2026-10-10", True, DayKind.MAKEUP_WORKDAY, "国庆节"),
    ("2026-10-11", False, DayKind.WEEKEND, ""),
    # Spring Festival 2026: 15-23 February off, Saturdays 14 and 28 February worked
    ("2026-02-14", True, DayKind.MAKEUP_WORKDAY, "春节"),
    ("2026-02-16", False, DayKind.HOLIDAY, "春节"),
    ("2026-02-23", False, DayKind.HOLIDAY, "春节"),
    ("2026-02-24", True, DayKind.WORKDAY, ""),
    ("2026-02-28", True, DayKind.MAKEUP_WORKDAY, "春节"),
    # Year end: New Year's Day 2026 (1-3 January off, Sunday 4 January worked)
    ("2025-12-31", True, DayKind.WORKDAY, ""),
    ("2026-01-01", False, DayKind.HOLIDAY, "元旦"),
    ("2026-01-02", False, DayKind.HOLIDAY, "元旦"),
    ("2026-01-04", True, DayKind.MAKEUP_WORKDAY, "元旦"),
    # 2027 is unknown to the library: its statutory holidays (放假办法) are off, weekends off, the rest worked
    ("2027-01-01", False, DayKind.HOLIDAY, "元旦"),
    ("2027-01-02", False, DayKind.WEEKEND, ""),
    ("2027-01-04", True, DayKind.WORKDAY, ""),
])
def test_official_days(day, working, kind, name):
    info = CAL.describe(D(day))
    assert CAL.is_working_day(D(day)) is working
    assert (info.working, info.kind, info.name) == (working, kind, name)


@pytest.mark.parametrize("year, source", [(2026, YearSource.LIBRARY), (2004, YearSource.LIBRARY),
                                          (2027, YearSource.STATUTORY), (2099, YearSource.STATUTORY),
                                          (2003, YearSource.ESTIMATED)])
def test_sources(year, source):
    assert CAL.source(year) is source
    assert CAL.is_estimated(date(year, 5, 5)) is (not source.final)


def test_an_announced_year_is_no_longer_estimated():
    cal = build_calendar(announced_years=[2027])
    assert cal.source(2027) is YearSource.ANNOUNCED
    assert not cal.is_estimated(date(2027, 1, 1))


@pytest.mark.parametrize("override, day, working, kind", [
    (Override(D("2027-01-01"), False, "通知", "元旦"), "2027-01-01", False, DayKind.HOLIDAY),
    (Override(D("2027-02-06"), True, "通知", "春节"), "2027-02-06", True, DayKind.MAKEUP_WORKDAY),
    # An override wins over the library, both ways
    (Override(D("2026-10-10"), False, "更正"), "2026-10-10", False, DayKind.HOLIDAY),
    (Override(D("2026-10-05"), True, "更正"), "2026-10-05", True, DayKind.WORKDAY),
])
def test_overrides_win(override, day, working, kind):
    cal = build_calendar([override])
    info = cal.describe(D(day))
    assert cal.is_working_day(D(day)) is working
    assert info.kind is kind and info.overridden


@pytest.mark.parametrize("evaluation, counts_day, expected, evaluation_working", [
    # SPEC: an evaluation on Thursday morning needs the request by the previous Monday
    ("2026-12-03", False, "2026-11-30", True),
    ("2026-12-03", True, "2026-12-01", True),
    # A Saturday evaluation: not a working day, counting it changes nothing
    ("2026-12-05", False, "2026-12-02", False),
    ("2026-12-05", True, "2026-12-02", False),
    # Around National Day 2026: the make-up Saturday 10 October counts
    ("2026-10-12", False, "2026-10-08", True),
    ("2026-10-15", False, "2026-10-12", True),
    ("2026-10-08", False, "2026-09-28", True),
    ("2026-10-09", False, "2026-09-29", True),
    # After Spring Festival 2026: back over the whole holiday to the make-up Saturday 14 February
    ("2026-02-24", False, "2026-02-12", True),
    ("2026-02-25", False, "2026-02-13", True),
    # Across the year end: Sunday 4 January 2026 is worked, 1-3 January are not
    ("2026-01-05", False, "2025-12-30", True),
    ("2026-01-06", False, "2025-12-31", True),
    # Into 2027 (not announced): 元旦 is a statutory holiday, so the deadline goes back over it
    ("2027-01-05", False, "2026-12-30", True),
])
def test_filing_deadlines(evaluation, counts_day, expected, evaluation_working):
    deadline = filing_deadline(CAL, D(evaluation), 3, counts_day)
    assert deadline.latest_filing_date == D(expected)
    assert deadline.evaluation_is_working_day is evaluation_working


def test_a_deadline_in_an_unknown_year_says_it_is_estimated_and_which_calendar_it_used():
    deadline = filing_deadline(CAL, D("2027-01-05"))
    assert deadline.estimated and deadline.estimated_years == (2027,)
    assert dict(deadline.sources) == {2026: YearSource.LIBRARY, 2027: YearSource.STATUTORY}
    assert "2027 年：法定节假日已按放假办法计入，调休安排尚未公布" in deadline.calendar_text()
    assert "2027 年已计入法定节假日，调休安排尚未公布" in deadline.rule_text()
    old = filing_deadline(CAL, D("2003-06-10"))
    assert old.estimated_years == (2003,) and "2003 年：尚未公布节假日安排，暂按周末推算" in old.calendar_text()
    known = filing_deadline(CAL, D("2026-12-03"))
    assert not known.estimated and known.calendar_text() == "2026 年：国务院办公厅节假日安排（内置日历）"


def test_entering_2027_new_year_moves_the_deadline():
    cal = build_calendar([Override(D("2027-01-01"), False, "国务院办公厅关于2027年部分节假日安排的通知", "元旦")],
                         announced_years=[2027])
    deadline = filing_deadline(cal, D("2027-01-05"))
    assert deadline.latest_filing_date == D("2026-12-30")
    assert not deadline.estimated


@pytest.mark.parametrize("lead", [1, 2, 5, 10])
def test_the_lead_is_a_setting(lead):
    deadline = filing_deadline(CAL, D("2026-12-03"), lead)
    assert CAL.working_days_between(deadline.latest_filing_date, D("2026-12-03")) == lead
    with pytest.raises(ValueError):
        filing_deadline(CAL, D("2026-12-03"), 0)


@pytest.mark.parametrize("start, n, expected", [
    ("2026-09-30", 1, "2026-10-08"),    # over National Day
    ("2026-10-09", 1, "2026-10-10"),    # onto the make-up Saturday
    ("2026-10-10", -1, "2026-10-09"),
    ("2026-10-08", -1, "2026-09-30"),
    ("2026-12-31", 1, "2027-01-04"),    # into 2027: over 元旦 (statutory) and the weekend
    ("2026-10-01", 0, "2026-10-01"),    # n == 0 leaves a holiday as it is
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-14", 1, "2026-02-24"),
])
def test_add_working_days(start, n, expected):
    assert CAL.add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize("start, end, expected", [
    ("2026-09-30", "2026-10-08", 1),
    ("2026-10-08", "2026-09-30", -1),
    ("2026-10-01", "2026-10-01", 0),
    ("2026-11-30", "2026-12-03", 3),
    ("2026-10-01", "2026-10-07", 0),
])
def test_working_days_between(start, end, expected):
    assert CAL.working_days_between(D(start), D(end)) == expected


def test_a_calendar_without_working_days_is_refused_not_looped():
    class AllOff(dict):
        def get(self, day, default=None):
            return Override(day, False, "坏数据")

    cal = WorkCalendar(overrides=AllOff())
    with pytest.raises(ValueError):
        cal.add_working_days(D("2026-01-01"), 1)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-03", date(2026, 12, 3)), ("", None), (None, None), ("2026-13-01", None), ("2026-2-3", None),
    ("20261203", None), ("1999-12-31", None), ("2100-01-01", None), ("２０２６-１２-０３", None),
    ("2026-02-29", None), ("2028-02-29", date(2028, 2, 29)), ("2026-W49-4", None), ("2026-12-0３", None),
])
def test_parse_iso_date(text, expected):
    assert parse_iso_date(text) == expected


def test_month_weeks_start_on_monday():
    weeks = month_weeks(2026, 2)   # 1 February 2026 is a Sunday
    assert weeks[0][:6] == [None] * 6 and weeks[0][6] == date(2026, 2, 1)
    assert all(len(week) == 7 for week in weeks)
    days = [d for week in weeks for d in week if d]
    assert days == [date(2026, 2, 1) + timedelta(n) for n in range(28)]
    assert month_weeks(2026, 12)[-1][3] == date(2026, 12, 31)


# --- properties ---------------------------------------------------------------------------------------------

days = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
override_sets = st.lists(st.builds(lambda d, w: Override(d, w, "通知"),
                                   st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 6, 1)), st.booleans()),
                         max_size=30)


@settings(max_examples=300, deadline=None)
@given(day=days, n=st.integers(min_value=-60, max_value=60), overrides=override_sets)
def test_adding_then_subtracting_returns_a_working_day(day, n, overrides):
    cal = build_calendar(overrides)
    target = cal.add_working_days(day, n)
    if n:
        assert cal.is_working_day(target)
        assert (target > day) is (n > 0)
    assert cal.working_days_between(day, target) == n
    if cal.is_working_day(day):
        assert cal.add_working_days(target, -n) == day


@settings(max_examples=200, deadline=None)
@given(day=days, n=st.integers(min_value=0, max_value=40))
def test_adding_is_monotonic(day, n):
    assert CAL.add_working_days(day, n + 1) > CAL.add_working_days(day, n)


@settings(max_examples=200, deadline=None)
@given(day=days, lead=st.integers(min_value=1, max_value=10), counts=st.booleans())
def test_the_deadline_is_a_working_day_before_the_evaluation(day, lead, counts):
    deadline = filing_deadline(CAL, day, lead, counts)
    assert deadline.latest_filing_date < day or (lead == 1 and counts and CAL.is_working_day(day))
    assert CAL.is_working_day(deadline.latest_filing_date)
    # Working days from the deadline (inclusive) to the evaluation (exclusive), plus the evaluation day when
    # it is counted, make exactly the lead.
    before = CAL.working_days_between(deadline.latest_filing_date - timedelta(1), day - timedelta(1))
    assert before + (1 if counts and CAL.is_working_day(day) else 0) == lead


# --- the calendar's version (what a stored deadline records) -------------------------------------------------

def test_the_version_is_short_stable_and_moves_with_every_change():
    from portal.calendar.rules import calendar_version

    base = calendar_version(build_calendar())
    assert re.fullmatch(r"[0-9a-f]{12}", base) and calendar_version(build_calendar()) == base
    off = Override(D("2027-02-09"), False, "通知", "春节")
    one = calendar_version(build_calendar([off]))
    assert one != base
    assert calendar_version(build_calendar([Override(D("2027-02-09"), False, "另一份通知", "另一个名字")])) == one
    assert calendar_version(build_calendar([Override(D("2027-02-09"), True, "通知")])) not in (base, one)
    assert calendar_version(build_calendar([off], announced_years=[2027])) not in (base, one)
    two = [off, Override(D("2027-02-20"), True, "通知")]
    assert calendar_version(build_calendar(two)) == calendar_version(build_calendar(list(reversed(two))))
