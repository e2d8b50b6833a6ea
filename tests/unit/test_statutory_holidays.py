"""Statutory holidays of 《全国年节及纪念日放假办法》 (2025 revision) for any year, and the deadlines they give.

The oracle for 2025 and 2026 is typed here from the State Council's notices of those years (国办发明电〔2024〕12号
and the 2026 notice), independently of both libraries, and counted by a loop of its own.
"""
from datetime import date, timedelta

import chinese_calendar
import pytest

from portal.calendar.rules import (
    DayKind,
    YearSource,
    festival_dates,
    filing_deadline,
    statutory_holidays,
)
from portal.calendar.services import build_calendar

D = date.fromisoformat
CAL = build_calendar()


def days(first: str, last: str | None = None) -> list[date]:
    start, end = D(first), D(last or first)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# --- the statute, year by year ------------------------------------------------------------------------------

STATUTORY = {
    2025: {"元旦": ["2025-01-01"], "春节": ["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"],
           "清明节": ["2025-04-04"], "劳动节": ["2025-05-01", "2025-05-02"], "端午节": ["2025-05-31"],
           "中秋节": ["2025-10-06"], "国庆节": ["2025-10-01", "2025-10-02", "2025-10-03"]},
    2026: {"元旦": ["2026-01-01"], "春节": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19"],
           "清明节": ["2026-04-05"], "劳动节": ["2026-05-01", "2026-05-02"], "端午节": ["2026-06-19"],
           "中秋节": ["2026-09-25"], "国庆节": ["2026-10-01", "2026-10-02", "2026-10-03"]},
    # 2027: 除夕 is 腊月廿九 (the 12th lunar month has 29 days), 2027-02-05; 正月初一 is 2027-02-06
    2027: {"元旦": ["2027-01-01"], "春节": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],
           "清明节": ["2027-04-05"], "劳动节": ["2027-05-01", "2027-05-02"], "端午节": ["2027-06-09"],
           "中秋节": ["2027-09-15"], "国庆节": ["2027-10-01", "2027-10-02", "2027-10-03"]},
    # 2028: 中秋节 falls on 10月3日, inside 国庆节: one day with both names
    2028: {"元旦": ["2028-01-01"], "春节": ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"],
           "清明节": ["2028-04-04"], "劳动节": ["2028-05-01", "2028-05-02"], "端午节": ["2028-05-28"],
           "中秋节": ["2028-10-03"], "国庆节": ["2028-10-01", "2028-10-02", "2028-10-03"]},
    # 2030: 除夕 is 腊月三十, 2030-02-02
    2030: {"元旦": ["2030-01-01"], "春节": ["2030-02-02", "2030-02-03", "2030-02-04", "2030-02-05"],
           "清明节": ["2030-04-05"], "劳动节": ["2030-05-01", "2030-05-02"], "端午节": ["2030-06-05"],
           "中秋节": ["2030-09-12"], "国庆节": ["2030-10-01", "2030-10-02", "2030-10-03"]},
}


@pytest.mark.parametrize("year", sorted(STATUTORY))
def test_statutory_holidays_of_a_year(year):
    expected: dict[date, set[str]] = {}
    for name, dates in STATUTORY[year].items():
        for text in dates:
            expected.setdefault(D(text), set()).add(name)
    got = statutory_holidays(year)
    assert set(got) == set(expected)
    for day, names in expected.items():
        assert set(got[day].split("、")) == names, day


def test_a_day_two_festivals_share_carries_both_names_once():
    assert statutory_holidays(2028)[D("2028-10-03")] == "中秋节、国庆节"
    assert len(statutory_holidays(2028)) == 12 and len(statutory_holidays(2027)) == 13


@pytest.mark.parametrize("year, eve, first", [(2025, "2025-01-28", "2025-01-29"), (2026, "2026-02-16", "2026-02-17"),
                                              (2027, "2027-02-05", "2027-02-06"), (2030, "2030-02-02", "2030-02-03")])
def test_new_years_eve_is_the_day_before_the_first_of_the_first_month(year, eve, first):
    festivals = festival_dates(year)
    assert (festivals.new_years_eve, festivals.spring_festival) == (D(eve), D(first))


@pytest.mark.parametrize("year", range(2025, 2101))
def test_every_year_has_the_statutes_thirteen_days(year):
    got = statutory_holidays(year)
    names = [name for value in got.values() for name in value.split("、")]
    assert {name: names.count(name) for name in set(names)} == {
        "元旦": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}
    spring = sorted(d for d, n in got.items() if "春节" in n)
    assert spring == [spring[0] + timedelta(n) for n in range(4)]
    assert all(d.year == year for d in got)
    qingming = next(d for d, n in got.items() if n == "清明节")
    assert qingming.month == 4 and qingming.day in (4, 5, 6)


@pytest.mark.parametrize("year", [2000, 2024, 2101])
def test_no_statutory_days_where_the_revision_does_not_govern_or_the_tables_end(year):
    assert statutory_holidays(year) == {}


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_holiday_in_the_official_calendar(year):
    for day, name in statutory_holidays(year).items():
        assert not chinese_calendar.is_workday(day), (day, name)
        assert day in chinese_calendar.holidays


def test_an_unannounced_year_counts_its_statutory_days_off_and_weekends_only():
    assert CAL.source(2027) is YearSource.STATUTORY
    info = CAL.describe(D("2027-02-05"))
    assert (info.kind, info.name, info.statutory, info.working) == (DayKind.HOLIDAY, "春节", True, False)
    assert CAL.describe(D("2027-02-09")).kind is DayKind.WORKDAY   # 正月初四: the notice may add it, the law does not
    assert CAL.describe(D("2027-02-13")).kind is DayKind.WEEKEND
    # A library year is decided by the library alone: 2026-02-15 (腊月廿八) is off only because the notice says so
    assert not CAL.describe(D("2026-02-16")).statutory


def test_the_note_says_what_is_certain_and_what_is_not_yet_announced():
    note = YearSource.STATUTORY.note(2027)
    assert "法定节假日" in note and "已按《全国年节及纪念日放假办法》计入" in note and "调休安排" in note
    assert "尚未公布" in note
    assert YearSource.LIBRARY.note(2026) == "" and YearSource.ANNOUNCED.note(2027) == ""
    assert filing_deadline(CAL, D("2027-03-03")).notes == (note,)


def test_no_2027_deadline_is_a_statutory_holiday_or_a_weekend():
    holidays_2027 = statutory_holidays(2027)
    for day in days("2027-01-01", "2027-12-31"):
        latest = filing_deadline(CAL, day).latest_filing_date
        assert latest not in holidays_2027 and CAL.is_working_day(latest), day
        if latest.year == 2027:
            assert latest.weekday() < 5, day


# --- the official schedules of 2025 and 2026, typed from their notices ------------------------------------

OFFICIAL_OFF = [
    *days("2025-01-01"), *days("2025-01-28", "2025-02-04"), *days("2025-04-04", "2025-04-06"),
    *days("2025-05-01", "2025-05-05"), *days("2025-05-31", "2025-06-02"), *days("2025-10-01", "2025-10-08"),
    *days("2026-01-01", "2026-01-03"), *days("2026-02-15", "2026-02-23"), *days("2026-04-04", "2026-04-06"),
    *days("2026-05-01", "2026-05-05"), *days("2026-06-19", "2026-06-21"), *days("2026-09-25", "2026-09-27"),
    *days("2026-10-01", "2026-10-07"),
]
OFFICIAL_WORK = [D(d) for d in ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                                "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                                "2026-10-10")]


def official_working(day: date) -> bool:
    assert date(2024, 12, 1) <= day <= date(2026, 12, 31)   # December 2024 has no special day
    if day in OFFICIAL_WORK:
        return True
    return day not in OFFICIAL_OFF and day.weekday() < 5


def official_deadline(evaluation: date, lead: int = 3) -> date:
    day, left = evaluation, lead
    while left:
        day -= timedelta(1)
        if official_working(day):
            left -= 1
    return day


def test_the_typed_schedule_is_the_libraries():
    for day in days("2025-01-01", "2026-12-31"):
        assert official_working(day) is chinese_calendar.is_workday(day), day


# (evaluation date, latest filing date), evaluation day not counted, 3 working days — counted by hand
ORACLE = [
    # 2025 元旦 (1 day, no 调休)
    ("2025-01-03", "2024-12-30"), ("2025-01-06", "2024-12-31"),
    # 2025 春节: 1月28日至2月4日 off, 1月26日（周日）、2月8日（周六）上班
    ("2025-01-27", "2025-01-23"), ("2025-01-28", "2025-01-24"), ("2025-01-29", "2025-01-24"),
    ("2025-02-05", "2025-01-24"), ("2025-02-06", "2025-01-26"), ("2025-02-07", "2025-01-27"),
    ("2025-02-10", "2025-02-06"), ("2025-02-11", "2025-02-07"),
    # 2025 清明节: 4月4日至6日
    ("2025-04-07", "2025-04-01"), ("2025-04-08", "2025-04-02"),
    # 2025 劳动节: 5月1日至5日 off, 4月27日（周日）上班
    ("2025-04-29", "2025-04-25"), ("2025-04-30", "2025-04-27"), ("2025-05-06", "2025-04-28"),
    ("2025-05-07", "2025-04-29"),
    # 2025 端午节: 5月31日至6月2日
    ("2025-06-03", "2025-05-28"), ("2025-06-04", "2025-05-29"),
    # 2025 国庆节、中秋节: 10月1日至8日 off, 9月28日（周日）、10月11日（周六）上班
    ("2025-09-30", "2025-09-26"), ("2025-10-01", "2025-09-28"), ("2025-10-09", "2025-09-28"),
    ("2025-10-10", "2025-09-29"), ("2025-10-13", "2025-10-09"), ("2025-10-14", "2025-10-10"),
    # 2026 元旦: 1月1日至3日 off, 1月4日（周日）上班
    ("2026-01-02", "2025-12-29"), ("2026-01-05", "2025-12-30"), ("2026-01-06", "2025-12-31"),
    # 2026 春节: 2月15日至23日 off, 2月14日（周六）、2月28日（周六）上班
    ("2026-02-16", "2026-02-12"), ("2026-02-24", "2026-02-12"), ("2026-02-25", "2026-02-13"),
    ("2026-02-26", "2026-02-14"), ("2026-02-27", "2026-02-24"), ("2026-03-02", "2026-02-26"),
    # 2026 清明节: 4月4日至6日
    ("2026-04-07", "2026-04-01"), ("2026-04-08", "2026-04-02"),
    # 2026 劳动节: 5月1日至5日 off, 5月9日（周六）上班
    ("2026-05-06", "2026-04-28"), ("2026-05-08", "2026-04-30"), ("2026-05-11", "2026-05-07"),
    # 2026 端午节: 6月19日至21日
    ("2026-06-22", "2026-06-16"), ("2026-06-23", "2026-06-17"),
    # 2026 中秋节: 9月25日至27日; 国庆节: 10月1日至7日 off, 9月20日（周日）、10月10日（周六）上班
    ("2026-09-22", "2026-09-18"), ("2026-09-23", "2026-09-20"), ("2026-09-28", "2026-09-22"),
    ("2026-10-08", "2026-09-28"), ("2026-10-12", "2026-10-08"),
    # the last days of 2026
    ("2026-12-31", "2026-12-28"),
]


@pytest.mark.parametrize("evaluation, latest", ORACLE)
def test_the_typed_oracle(evaluation, latest):
    assert official_deadline(D(evaluation)) == D(latest)
    assert filing_deadline(CAL, D(evaluation)).latest_filing_date == D(latest)


def test_every_date_of_2025_and_2026_gives_the_official_answer():
    for day in days("2025-01-01", "2026-12-31"):
        assert filing_deadline(CAL, day).latest_filing_date == official_deadline(day), day


@pytest.mark.parametrize("year", range(2026, 2100))
def test_the_texts_a_request_stores_fit_their_columns(year):
    """deadline_rule is VARCHAR(100) and deadline_calendar VARCHAR(200): PostgreSQL refuses longer text."""
    for day in days(f"{year}-01-01", f"{year}-01-20"):
        for lead in (3, 20):
            deadline = filing_deadline(CAL, day, lead)
            assert len(deadline.rule_text()) <= 100 and len(deadline.calendar_text()) <= 200, day
