"""The standing secondary venues' record (issue 24 items 4 and 5): its months, their rows and total, how the
record is put together from its sources, and the Hubei plan's name beside a center."""
from datetime import date
from types import SimpleNamespace

import pytest

from portal.partners.rules import listed_name
from portal.workstations import rules, standing
from portal.workstations.rules import HostedMonth


@pytest.mark.parametrize("today, count, first, last", [
    (date(2026, 12, 2), 12, date(2026, 1, 1), date(2026, 12, 1)),      # a calendar year
    (date(2026, 11, 30), 12, date(2025, 12, 1), date(2026, 11, 1)),    # across the new year
    (date(2026, 1, 31), 12, date(2025, 2, 1), date(2026, 1, 1)),
    (date(2026, 3, 15), 1, date(2026, 3, 1), date(2026, 3, 1)),        # just today's month
    (date(2024, 2, 29), 3, date(2023, 12, 1), date(2024, 2, 1)),
])
def test_the_record_covers_the_months_ending_with_todays(today, count, first, last):
    months = rules.record_months(today, count)
    assert (len(months), months[0], months[-1]) == (count, first, last)
    assert months == sorted(months) and all(m.day == 1 for m in months)


@pytest.mark.parametrize("month, last", [
    (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)), (date(2024, 2, 1), date(2024, 2, 29)),
    (date(2026, 4, 1), date(2026, 4, 30)), (date(2026, 12, 1), date(2026, 12, 31)),
])
def test_a_months_last_day(month, last):
    assert rules.month_last_day(month) == last


OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


@pytest.mark.parametrize("counted, rows, total", [
    ({}, [HostedMonth(OCT), HostedMonth(NOV), HostedMonth(DEC)], (0, 0, 0)),                 # a quiet quarter
    ({NOV: (2, 5, 4)}, [HostedMonth(OCT), HostedMonth(NOV, 2, 5, 4), HostedMonth(DEC)], (2, 5, 4)),
    ({OCT: (1, 1, 1), DEC: (3, 9, 8)}, [HostedMonth(OCT, 1, 1, 1), HostedMonth(NOV), HostedMonth(DEC, 3, 9, 8)],
     (4, 10, 9)),
    ({date(2025, 1, 1): (7, 7, 7)}, [HostedMonth(OCT), HostedMonth(NOV), HostedMonth(DEC)], (0, 0, 0)),  # outside
])
def test_every_month_has_a_row_and_the_total_sums_them(counted, rows, total):
    made = rules.hosted_months([OCT, NOV, DEC], counted)
    assert made == rows
    summed = rules.hosted_total(made)
    assert (summed.evaluations, summed.seats, summed.experts) == total


def test_the_total_of_no_months_is_zero():
    assert rules.hosted_total([]) == HostedMonth(date.min)


@pytest.mark.parametrize("name, alias, shown", [
    ("吉林市公共资源交易中心", "吉林市公共资源交易服务中心", "吉林市公共资源交易中心（湖北文件称“吉林市公共资源交易服务中心”）"),
    ("长春市公共资源交易中心", None, "长春市公共资源交易中心"),
    ("长春市公共资源交易中心", "", "长春市公共资源交易中心"),
    ("长春市公共资源交易中心", "  ", "长春市公共资源交易中心"),
    ("长春市公共资源交易中心", "长春市公共资源交易中心", "长春市公共资源交易中心"),   # the same name says nothing
])
def test_a_center_is_listed_with_the_name_the_hubei_plan_gives_it(name, alias, shown):
    assert listed_name(name, alias) == shown


def _taken(center_id, day, event_id):
    return standing.JointTestTaken(center_id, event_id, day, 6, "辽宁省", "测试通过", "badge-ok", None)


def test_the_record_is_put_together_from_the_registered_sources(monkeypatch):
    """Each source is asked once for every venue; its figures land on their venue and month; a venue that
    hosted nothing has twelve rows of zeros; joint tests of other centers are left out."""
    asked = []

    def hosted(ids, first, last):
        asked.append(("hosted", tuple(ids), first, last))
        return [standing.HostedCount(1, NOV, 2, 5, 4), standing.HostedCount(1, DEC, 1, 1, 1),
                standing.HostedCount(9, DEC, 8, 8, 8)]

    def joint(ids):
        asked.append(("joint", tuple(ids)))
        return [_taken(1, date(2026, 11, 20), 3), _taken(7, date(2026, 11, 1), 2)]

    monkeypatch.setattr(standing, "hosted_sources", [hosted])
    monkeypatch.setattr(standing, "joint_test_sources", [joint])
    compliance = [(SimpleNamespace(id=1, name="吉林市"), rules.standing_compliance(10, 12)),
                  (SimpleNamespace(id=2, name="四平市"), rules.standing_compliance(10, 3))]
    records = standing.standing_records(compliance, date(2026, 12, 2))
    assert asked == [("hosted", (1, 2), date(2026, 1, 1), date(2026, 12, 31)), ("joint", (1, 2))]
    first, second = records
    assert [(m.month, m.evaluations) for m in first.months if m.evaluations] == [(NOV, 2), (DEC, 1)]
    assert (first.total.evaluations, first.total.seats, first.total.experts) == (3, 6, 5)
    assert [t.event_id for t in first.joint_tests] == [3] and first.compliance.complies
    assert len(second.months) == 12 and second.total.evaluations == 0 and second.joint_tests == []
    assert second.compliance.shortfall == 7


def test_joint_tests_read_by_the_caller_are_used_instead_of_the_sources(monkeypatch):
    monkeypatch.setattr(standing, "hosted_sources", [])
    monkeypatch.setattr(standing, "joint_test_sources", [lambda ids: pytest.fail("asked the sources")])
    compliance = [(SimpleNamespace(id=1, name="吉林市"), rules.standing_compliance(10, 0))]
    record, = standing.standing_records(compliance, date(2026, 12, 2), joint_tests=[_taken(1, date(2026, 5, 1), 4)])
    assert [t.event_id for t in record.joint_tests] == [4]


def test_no_standing_venue_asks_no_source(monkeypatch):
    monkeypatch.setattr(standing, "hosted_sources", [lambda *a: pytest.fail("asked")])
    monkeypatch.setattr(standing, "joint_test_sources", [lambda *a: pytest.fail("asked")])
    assert standing.standing_records([], date(2026, 12, 2)) == []
