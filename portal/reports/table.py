"""The province's table of a month (who filed, who is late, totals, month over month, year to date) and the
reminders to the regions that have not filed."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import g
from sqlalchemy import select

from ..audit.services import record
from ..clock import china_today, local_midnight_utc
from ..extensions import db
from ..notifications.models import Notification
from ..notifications.services import notify
from ..orgs.models import Region
from . import access, rules
from .counting import FILED, Row, due_day, filer_ids, home_regions, load_rows, report_link
from .models import MonthlyReport


@dataclass
class Table:
    month: date
    rows: list[Row]
    total: dict
    previous: dict                 # region id -> previous month's row values
    year: dict                     # region id -> year-to-date values
    year_total: dict
    previous_total: dict
    today: date
    due: date
    year_shares: dict = field(default_factory=dict)   # region id -> remote share January..month
    year_share_total: Decimal | None = None

    @property
    def submitted(self) -> list[Row]:
        return [r for r in self.rows if r.submitted]

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if not r.submitted]

    def is_late(self, row: Row) -> bool:
        """Late: first submitted after the due date, or not submitted (never, or returned and not yet
        resubmitted) when the due date has passed (the due date itself is on time)."""
        if row.report is not None and row.report.late:
            return True
        return not row.submitted and self.today > self.due

    def month_share(self, row: Row) -> Decimal | None:
        return rules.share_over([row.values])

    @property
    def month_share_total(self) -> Decimal | None:
        return rules.share_over([row.values for row in self.rows])

    @property
    def late(self) -> list[Row]:
        return [r for r in self.rows if self.is_late(r)]


def province_table(month: date, today: date | None = None, regions: list[Region] | None = None) -> Table:
    """The month's table with the previous month and January..month, loaded together."""
    today = today or china_today()
    regions = regions or home_regions()
    previous = rules.previous_month(month)
    year_months = [date(month.year, m, 1) for m in range(1, month.month + 1)]
    loaded = load_rows(year_months + [previous], regions)
    rows = loaded[month]
    previous_values = {row.region.id: row.values for row in loaded[previous]}
    year, year_shares, every_month = {}, {}, []
    for region_index, region in enumerate(regions):
        months_of_region = [loaded[m][region_index].values for m in year_months]
        year[region.id] = rules.totals(months_of_region)
        year_shares[region.id] = rules.share_over(months_of_region)
        every_month += months_of_region
    return Table(month=month, rows=rows, total=rules.totals([r.values for r in rows]),
                 previous=previous_values, previous_total=rules.totals(list(previous_values.values())),
                 year=year, year_total=rules.totals(list(year.values())), today=today,
                 due=rules.due_date(month, due_day()), year_shares=year_shares,
                 year_share_total=rules.share_over(every_month))


def _filing_state(month: date) -> list[tuple[Region, bool]]:
    """Every reporting unit in the attachment's order, and whether it has filed `month`'s report: one query,
    read once per request (the banner and the workbench's card of late regions both ask)."""
    memo = g.setdefault("_filing_state", {})
    if month not in memo:
        filed = (select(MonthlyReport.id).where(MonthlyReport.region_id == Region.id, MonthlyReport.month == month,
                                                MonthlyReport.status.in_(FILED)).exists())
        memo[month] = [(region, bool(done)) for region, done in
                       db.session.execute(select(Region, filed).order_by(Region.sort_order))]
    return memo[month]


def submitted_region_ids(month: date) -> set[int]:
    """The regions that have filed `month`'s report."""
    return {region.id for region, done in _filing_state(month) if done}


def reporting_regions(month: date) -> list[Region]:
    """The reporting units in the attachment's order (as home_regions)."""
    return [region for region, _ in _filing_state(month)]


def pending_for(user, today: date | None = None) -> dict | None:
    """The report a filer still owes (for the banner): last month's, from the 1st on, until submitted."""
    today = today or china_today()
    region_ids = access.filed_region_ids(user)
    if region_ids is False:
        return None
    month = rules.reporting_month(today)
    submitted = submitted_region_ids(month)
    if region_ids is None:
        missing = sum(1 for region in reporting_regions(month) if region.id not in submitted)
        return {"month": month, "missing": missing, "days_left": rules.days_left(month, today, due_day()),
                "province": True} if missing else None
    if region_ids[0] in submitted:
        return None
    return {"month": month, "missing": 1, "days_left": rules.days_left(month, today, due_day()), "province": False}


REMINDER_MARK = "尚未报送"


def remind(month: date, today: date | None = None, only_region_ids=None) -> int:
    """Notify the filers of every region that has not submitted `month` (once per person and day)."""
    today = today or china_today()
    link_base = f"/reports/monthly/{rules.month_key(month)}"
    submitted = set(db.session.scalars(select(MonthlyReport.region_id).where(
        MonthlyReport.month == month, MonthlyReport.status.in_(FILED))))
    regions = [r for r in home_regions() if r.id not in submitted
               and (only_region_ids is None or r.id in only_region_ids)]
    already = set(db.session.scalars(select(Notification.user_id).where(
        Notification.link.like(link_base + "%"), Notification.text.contains(REMINDER_MARK),
        Notification.created_at >= local_midnight_utc(today))))
    left = rules.days_left(month, today, due_day())
    when = (f"请于 {rules.due_text(month, due_day())}报送" if left >= 0
            else f"已逾期 {-left} 天，请尽快报送")
    sent = 0
    for region in regions:
        ids = [uid for uid in filer_ids(region) if uid not in already]
        sent += notify(ids, f"{region.name}{REMINDER_MARK}{rules.month_label(month)}远程异地评标月调度情况表，{when}。",
                       report_link(month, region))
        already.update(ids)
    if sent:
        record("remind", "monthly_report", None, label=f"{rules.month_label(month)}月调度情况表",
               summary=f"催报 {len(regions)} 个地区，通知 {sent} 人")
    return sent
