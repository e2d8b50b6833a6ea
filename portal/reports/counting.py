"""The monthly report's rows: the remote columns counted from the month's guest seats, each region's row live
(a draft over the counted figures) or frozen (the submitted version), and the province's months of rows."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..auth import recipients
from ..bookings.models import SeatRequest
from ..bookings.rules import Status as SeatStatus
from ..evaluations.models import EvaluationVenue
from ..extensions import db
from ..orgs.models import Province, Region, TradingCenter
from ..projects.models import Section
from ..workstations import standing
from . import rules
from .models import MonthlyReport, ReportVersion
from .rules import CELL, CELLS, COMPUTED, ENTERED, GuestUse, Status

FILED = (Status.SUBMITTED, Status.APPROVED)


def due_day() -> int:
    return int(current_app.config.get("MONTHLY_REPORT_DUE_DAY", rules.DEFAULT_DUE_DAY))


def str_of(region: Region, month: date) -> str:
    return f"{region.name} {rules.month_label(month)}月调度情况表"


def report_link(month: date, region: Region | None = None) -> str:
    base = f"/reports/monthly/{rules.month_key(month)}"
    return f"{base}/{region.code}" if region is not None else base


def filer_ids(region: Region) -> list[int]:
    """Who files a region's report: its prefecture admins; the provincial center's row, the province."""
    return recipients.prefecture_admin_ids(region.id) or recipients.province_admin_ids()


# Requests whose guest venue was (or is to be) used: accepted in whole or part, or completed.
USED = (SeatStatus.ACCEPTED, SeatStatus.PARTLY_ACCEPTED, SeatStatus.COMPLETED)


def home_regions() -> list[Region]:
    """The reporting units in the attachment's order."""
    return list(db.session.scalars(select(Region).order_by(Region.sort_order)))


def region_by_code(code: str) -> Region | None:
    if not code or len(code) > 20:
        return None
    return db.session.scalars(select(Region).where(Region.code == code)).first()


def _counted(first: date, last: date):
    """The guest-seat requests a report counts: used (accepted, partly accepted, completed) with seats, for an
    evaluation dated first..last."""
    return and_(SeatRequest.status.in_(USED), SeatRequest.evaluation_date >= first,
                SeatRequest.evaluation_date <= last, SeatRequest.seats_accepted > 0)


def guest_uses(first: date, last: date, region_ids=None) -> list[tuple[date, GuestUse]]:
    """Every guest venue used by a remote evaluation dated first..last, with the evaluation's date.

    One query: the accepted guest-seat requests, their section, both centers' regions, the other
    province's name, and the experts the committee placed at that venue (or, before the committee is
    fixed, the seats accepted).
    """
    main_center, guest_center = aliased(TradingCenter), aliased(TradingCenter)
    main_region, guest_region = aliased(Region), aliased(Region)
    main_province = aliased(Province)
    stmt = (
        select(SeatRequest.evaluation_date, SeatRequest.section_id, Section.project_id,
               main_center.region_id, main_region.name, main_region.sort_order, guest_center.region_id, guest_region.name,
               guest_region.sort_order, Province.name, Province.sort_order,
               func.coalesce(Section.budget_wan, Section.estimated_price_wan), Section.winning_bid_wan,
               func.coalesce(EvaluationVenue.experts_needed, SeatRequest.seats_accepted),
               main_province.name, main_province.sort_order)
        .join(Section, Section.id == SeatRequest.section_id)
        .join(main_center, main_center.id == SeatRequest.main_center_id)
        .outerjoin(main_region, main_region.id == main_center.region_id)
        .join(main_province, main_province.id == main_center.province_id)
        .join(guest_center, guest_center.id == SeatRequest.guest_center_id)
        .outerjoin(guest_region, guest_region.id == guest_center.region_id)
        .join(Province, Province.id == guest_center.province_id)
        .outerjoin(EvaluationVenue, EvaluationVenue.seat_request_id == SeatRequest.id)
        .where(_counted(first, last))
    )
    if region_ids is not None:   # only what these regions' rows count, on either side
        ids = list(region_ids)
        stmt = stmt.where(or_(main_center.region_id.in_(ids), guest_center.region_id.in_(ids)))
    out = []
    for (day, section_id, project_id, main_region_id, main_name, main_order, guest_region_id, guest_name, guest_order,
         province_name, province_order, budget, winning, experts, main_province_name, main_province_order) \
            in db.session.connection().execute(stmt):
        # (Core rows, without the ORM's per-row work; no autoflush: callers count after their changes flushed.)
        in_province = guest_region_id is not None
        # A main venue of another province (inbound work, 跨省副场) is named by its province, listed first.
        main_place, main_order = ((rules.place_label(main_name), main_order or 0) if main_region_id is not None
                                  else (main_province_name, main_province_order - 1000))
        out.append((day, GuestUse(
            section_id=section_id, project_id=project_id, main_region_id=main_region_id,
            main_place=main_place, main_order=main_order,
            guest_region_id=guest_region_id,
            guest_place=rules.place_label(guest_name) if in_province else province_name,
            place_order=(1000 + guest_order if in_province else province_order),   # provinces first
            budget=budget, winning=winning, experts=experts or 0)))
    return out


def hosted_by_month(center_ids: list[int], first: date, last: date) -> list[standing.HostedCount]:
    """The cross-province work the centers hosted as guest venue (客场), per month of the evaluation date
    first..last: inbound cross-province requests used with seats (as a report counts them), their seats, and
    the experts the committee placed at the venue (or, before the committee is fixed, the seats accepted).
    One grouped query, along the (guest center, status, date) index."""
    year, month = extract("year", SeatRequest.evaluation_date), extract("month", SeatRequest.evaluation_date)
    stmt = (select(SeatRequest.guest_center_id, year, month, func.count(SeatRequest.id),
                   func.sum(SeatRequest.seats_accepted),
                   func.sum(func.coalesce(EvaluationVenue.experts_needed, SeatRequest.seats_accepted)))
            .outerjoin(EvaluationVenue, EvaluationVenue.seat_request_id == SeatRequest.id)
            .where(SeatRequest.guest_center_id.in_(center_ids), SeatRequest.cross_province.is_(True),
                   _counted(first, last))
            .group_by(SeatRequest.guest_center_id, year, month))
    return [standing.HostedCount(center_id, date(int(y), int(m), 1), evaluations, seats or 0, experts or 0)
            for center_id, y, m, evaluations, seats, experts in db.session.execute(stmt)]


standing.hosted_sources.append(hosted_by_month)


def counted(month: date, region_id: int | None = None):
    """(main side by region, secondary side by region) for the month."""
    return rules.tally([use for _, use in guest_uses(month, rules.month_end(month),
                                                     None if region_id is None else [region_id])])


@dataclass
class Row:
    """One region's row of the month as shown and exported."""

    region: Region
    report: MonthlyReport | None
    values: dict                                   # cell key -> final value (int, Decimal, text or None)
    computed: dict = field(default_factory=dict)   # counted cell key -> counted value
    reasons: dict = field(default_factory=dict)    # corrected cell key -> reason
    sources: dict = field(default_factory=dict)    # "main"/"sec" -> [section ids]
    winning_missing: dict = field(default_factory=dict)   # "main"/"sec" -> sections without a winning bid
    frozen: bool = False                           # figures of the submitted version, not live

    @property
    def status(self) -> Status | None:
        return self.report.status if self.report else None

    @property
    def submitted(self) -> bool:
        return self.status is not None and self.status.filed

    def corrected(self, key: str) -> bool:
        return key in self.reasons


def _sources(side) -> list[int]:
    return sorted(side.sections) if side else []


def live_row(region: Region, report: MonthlyReport | None, main, secondary) -> Row:
    """Entered figures from the draft, counted figures from the records, corrections on top."""
    main_side, sec_side = main.get(region.id), secondary.get(region.id)
    computed = rules.computed_values(main_side, sec_side)
    values = {c.key: None for c in ENTERED} | dict(computed)
    reasons = {}
    if report is not None:
        for key, column in MonthlyReport.ENTERED_COLUMNS.items():
            values[key] = getattr(report, column)
        for correction in report.corrections:
            cell = CELL.get(correction.cell)
            if cell is not None:
                values[cell.key] = rules.from_text(cell, correction.value)
                reasons[cell.key] = correction.reason
    return Row(region=region, report=report, values=values, computed=computed, reasons=reasons,
               sources={"main": _sources(main_side), "sec": _sources(sec_side)},
               winning_missing={"main": main_side.winning_missing if main_side else 0,
                                "sec": sec_side.winning_missing if sec_side else 0})


def frozen_row(region: Region, report: MonthlyReport, version: ReportVersion) -> Row:
    figures = version.figures
    return Row(region=region, report=report, frozen=True,
               values={c.key: rules.from_text(c, figures["values"].get(c.key)) for c in CELLS},
               computed={c.key: rules.from_text(c, figures["computed"].get(c.key)) for c in COMPUTED},
               reasons=dict(figures.get("reasons", {})), sources=figures.get("sources", {"main": [], "sec": []}),
               winning_missing=figures.get("winning_missing", {}))


def freeze(row: Row) -> dict:
    """A row as JSON for a version: every value as text (rules.to_text), so it reads back exactly."""
    return {"values": {c.key: rules.to_text(c, row.values.get(c.key)) for c in CELLS},
            "computed": {c.key: rules.to_text(c, row.computed.get(c.key)) for c in COMPUTED},
            "reasons": dict(row.reasons), "sources": row.sources, "winning_missing": row.winning_missing}


def latest_versions(report_ids) -> dict[int, ReportVersion]:
    """The newest version of each report (one query)."""
    ids = list(report_ids)
    if not ids:
        return {}
    newest = (select(ReportVersion.report_id, func.max(ReportVersion.number).label("number"))
              .where(ReportVersion.report_id.in_(ids)).group_by(ReportVersion.report_id).subquery())
    versions = db.session.scalars(select(ReportVersion).join(newest, and_(
        ReportVersion.report_id == newest.c.report_id, ReportVersion.number == newest.c.number)))
    return {v.report_id: v for v in versions}


def load_rows(months: list[date], regions: list[Region], *, live_only: bool = False) -> dict[date, list[Row]]:
    """Each region's row for each month: the submitted version when submitted, else live (the draft's
    entered values and corrections over the figures counted now). Four queries whatever the span:
    reports, their corrections, the latest versions, and the guest uses of the months counted live."""
    months = sorted(set(months))
    one = regions[0].id if len(regions) == 1 else None
    stmt = select(MonthlyReport).where(MonthlyReport.month.in_(months)).options(
        selectinload(MonthlyReport.corrections))
    if one is not None:
        stmt = stmt.where(MonthlyReport.region_id == one)
    reports = {(r.region_id, r.month): r for r in db.session.scalars(stmt)}
    versions = {} if live_only else latest_versions(
        r.id for r in reports.values() if r.status.filed)

    def frozen(region, month):
        report = reports.get((region.id, month))
        return report is not None and report.id in versions

    live_months = [m for m in months if not all(frozen(r, m) for r in regions)]
    # Counted only for the regions shown live (a submitted row shows its frozen figures).
    live_regions = {r.id for m in live_months for r in regions if not frozen(r, m)}
    uses_by_month = defaultdict(list)
    if live_months:
        for day, use in guest_uses(live_months[0], rules.month_end(live_months[-1]), sorted(live_regions)):
            uses_by_month[date(day.year, day.month, 1)].append(use)
    out = {}
    for month in months:
        main, secondary = rules.tally(uses_by_month.get(month, [])) if month in live_months else ({}, {})
        out[month] = [frozen_row(region, reports[(region.id, month)], versions[reports[(region.id, month)].id])
                      if frozen(region, month) else live_row(region, reports.get((region.id, month)), main, secondary)
                      for region in regions]
    return out


def region_row(region: Region, month: date, *, live: bool = False) -> Row:
    return load_rows([month], [region], live_only=live)[month][0]


def used_requests(section_ids: list[int], month: date):
    """The guest-seat requests of these sections that the month's figures counted."""
    return (select(SeatRequest).where(SeatRequest.section_id.in_(section_ids),
                                      _counted(month, rules.month_end(month)))
            .order_by(SeatRequest.section_id, SeatRequest.id))
