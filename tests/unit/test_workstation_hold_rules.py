"""Workstation holds and local use: overlap, China-time ranges, weekly repetition, what may be recorded."""
from datetime import UTC, date, datetime, time

import pytest

from portal.workstations import rules

T = date(2026, 12, 2)      # a Wednesday


def at(hour, minute=0, day=2):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("a, b, clash", [
    ((at(1), at(5)), (at(3), at(7)), True),       # partly
    ((at(1), at(5)), (at(2), at(3)), True),       # inside
    ((at(1), at(5)), (at(5), at(7)), False),      # back to back
    ((at(5), at(7)), (at(1), at(5)), False),
    ((at(1), at(5)), (at(6), at(7)), False),
    ((at(1), at(5)), (at(1), at(5)), True),       # the same range
])
def test_half_open_ranges_overlap_only_when_they_share_time(a, b, clash):
    assert rules.overlaps(*a, *b) is clash
    assert rules.overlaps(*b, *a) is clash


def test_a_hold_range_is_china_wall_clock_stored_as_utc():
    # 08:30-12:00 China time on 12-02 is 00:30-04:00 UTC; just after midnight China time is the UTC day before.
    assert rules.hold_range(T, time(8, 30), time(12)) == (at(0, 30), at(4))
    assert rules.hold_range(T, time(0, 30), time(7)) == (datetime(2026, 12, 1, 16, 30, tzinfo=UTC),
                                                     datetime(2026, 12, 1, 23, tzinfo=UTC))


@pytest.mark.parametrize("first, last, weekday, expected", [
    (T, T, None, [T]),
    (T, date(2026, 12, 4), None, [T, date(2026, 12, 3), date(2026, 12, 4)]),
    # Every Tuesday from a Wednesday to four weeks later: the first Tuesday is 12-08, the last date counts.
    (T, date(2026, 12, 29), 1, [date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22), date(2026, 12, 29)]),
    (T, date(2026, 12, 7), 1, []),                 # no Tuesday in range
    (T, T, 2, [T]),                                # the first day is the weekday
])
def test_occurrences_expand_a_range_or_a_weekly_repetition(first, last, weekday, expected):
    assert rules.occurrences(first, last, weekday) == expected


@pytest.mark.parametrize("first, last, start, end, weekday, seats, message", [
    (T, T, time(8), time(12), None, 2, None),
    (T, None, time(8), time(12), None, 2, None),                        # one day
    (None, None, time(8), time(12), None, 2, "请填写日期和起止时间。"),
    (date(2026, 12, 1), T, time(8), time(12), None, 2, "开始日期不能早于今天。"),
    (T, date(2026, 12, 1), time(8), time(12), None, 2, "结束日期不能早于开始日期。"),
    (T, T, time(12), time(8), None, 2, "结束时间应晚于开始时间。"),
    (T, T, time(8), time(8), None, 2, "结束时间应晚于开始时间。"),
    (T, T, time(8), time(12), None, 0, "工位数至少为 1。"),
    (T, date(2026, 12, 7), time(8), time(12), 1, 2, "所选日期范围内没有周二。"),
    (T, date(2027, 12, 30), time(8), time(12), 1, 2, "日期范围最长 366 天。"),
    (T, date(2027, 6, 30), time(8), time(12), None, 2, "一次最多登记 120 个日期"),
    (T, date(2027, 6, 30), time(8), time(12), 1, 2, None),             # weekly for seven months is fine
    (date(2028, 2, 1), date(2028, 2, 1), time(8), time(12), None, 2, "最多登记 400 天以内的使用。"),
])
def test_what_a_local_use_may_be(first, last, start, end, weekday, seats, message):
    problems = rules.local_use_problems(first, last, start, end, weekday, seats, today=T)
    if message is None:
        assert problems == []
    else:
        assert any(p.startswith(message) for p in problems), problems


def test_a_clash_names_the_workstation_the_time_and_the_use_in_china_time():
    text = rules.clash_text("CC-A01", at(1), at(5), "维护“更换显示器”")
    assert text == "工位 CC-A01 在 2026-12-02 09:00—13:00 已被维护“更换显示器”占用"
