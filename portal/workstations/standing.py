"""The standing secondary venues' record (常态化跨省副场工作记录, issue 24 item 4): for each standing venue, the
cross-province work it hosted month by month, the joint tests (联调联试) it took part in, and whether its
required cross-province workstations are there now.

Workstations sits below partners, bookings and evaluations and imports none of them: each registers here, at
import time, the function that reads its part of the record for all the standing venues at once (one grouped
query, however many venues and months), the way projects/holds.py asks the features above it.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from . import rules


@dataclass(frozen=True)
class HostedCount:
    """What a hosted-work source reports: one venue's inbound cross-province work in one month."""

    center_id: int
    month: date              # the first day of the month
    evaluations: int
    seats: int
    experts: int


@dataclass(frozen=True)
class JointTestTaken:
    """A step of joint testing a venue took part in, as the record shows it."""

    center_id: int
    event_id: int
    event_date: date
    province_id: int
    province: str            # the partner province tested with
    status: str              # its Chinese label (计划联调, 联调测试中, …)
    badge: str               # the CSS badge of that status
    result: str | None


# (center ids, first day, last day) -> the inbound cross-province work of those centers, per month.
hosted_sources: list[Callable[[list[int], date, date], Iterable[HostedCount]]] = []
# (center ids) -> the joint-testing steps those centers took part in, newest first.
joint_test_sources: list[Callable[[list[int]], Iterable[JointTestTaken]]] = []


@dataclass(frozen=True)
class StandingRecord:
    """One standing venue's record: its compliance row and state now, its months, their total, its joint tests."""

    row: object                          # the compliance row (id, name, alias, standing_required, actual, available)
    compliance: rules.Compliance
    months: list[rules.HostedMonth]
    total: rules.HostedMonth
    joint_tests: list[JointTestTaken]


def standing_records(compliance, today: date, joint_tests: Iterable[JointTestTaken] | None = None
                     ) -> list[StandingRecord]:
    """The record of every standing venue of `compliance` (standing_secondary_compliance()'s rows): the last
    12 months to `today` and the joint tests taken part in. `joint_tests` when the caller has read them already
    (the partners page reads them with its own overview), else from the registered sources."""
    ids = [row.id for row, _ in compliance]
    months = rules.record_months(today)
    counted: dict[int, dict[date, tuple[int, int, int]]] = {center_id: {} for center_id in ids}
    if ids:
        for source in hosted_sources:
            for c in source(ids, months[0], rules.month_last_day(months[-1])):
                if c.center_id not in counted:      # a source may answer for more centers than asked
                    continue
                before = counted[c.center_id].get(c.month, (0, 0, 0))
                counted[c.center_id][c.month] = (before[0] + c.evaluations, before[1] + c.seats,
                                                 before[2] + c.experts)
    if joint_tests is None:
        joint_tests = [taken for source in joint_test_sources for taken in source(ids)] if ids else []
    taken_by_center: dict[int, list[JointTestTaken]] = {center_id: [] for center_id in ids}
    for taken in joint_tests:
        if taken.center_id in taken_by_center:
            taken_by_center[taken.center_id].append(taken)
    records = []
    for row, state in compliance:
        rows = rules.hosted_months(months, counted[row.id])
        records.append(StandingRecord(row, state, rows, rules.hosted_total(rows), taken_by_center[row.id]))
    return records
