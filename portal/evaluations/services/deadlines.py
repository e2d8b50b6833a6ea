"""The deadlines board (期限提醒): filing drafts, hand-overs, receipts and payments, with working-day dates.

Whose items are listed is decided by `access.due_reach` and passed in as a value (`DueReach`).
"""
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ...bookings.models import SeatRequest
from ...bookings.rules import Status as RequestStatus
from ...calendar.services import deadline_for
from ...extensions import db
from ...orgs.models import TradingCenter
from ...projects.models import Section
from ..access import DueReach, DueView
from ..models import CommitteeMember, Evaluation, EvaluationVenue, MemberStatus
from ..rules import DueItem, DueKind


def due_items(reach: DueReach, today: date, limit: int = 200) -> list[DueItem]:
    """What is due within `reach`: its own open items for staff and agents, overdue ones for overseers."""
    if reach.view is DueView.NONE:
        return []
    items = _filing(reach, today, limit) + _handover(reach, today, limit) + _payment(reach, today, limit)
    items.sort(key=lambda i: (not i.overdue(today), i.due, i.title))
    return items


def _overseen(reach: DueReach, model):
    """The overseer's part of `model`: every region for the province, else the one region (none without)."""
    if reach.view is DueView.ALL_OVERDUE:
        return model.id.is_not(None)
    return model.region_clause(reach.region_id) if reach.region_id else model.id.is_(None)


def _filing(reach: DueReach, today: date, limit: int) -> list[DueItem]:
    """Draft requests of the main side; the deadline is 3 working days before the evaluation."""
    if reach.overdue_only:
        return []   # an overseer sees overdue hand-overs and payments; a late draft is simply never filed
    drafts = select(SeatRequest).where(SeatRequest.status == RequestStatus.DRAFT,
                                       SeatRequest.evaluation_date >= today).options(
        joinedload(SeatRequest.section), joinedload(SeatRequest.guest_center))
    if reach.view is DueView.OWN:
        drafts = drafts.where(SeatRequest.owner_clause(reach.owner_id))
    else:
        drafts = drafts.where(SeatRequest.main_center_id == reach.center_id)
    items = []
    for req in db.session.scalars(drafts.order_by(SeatRequest.evaluation_date).limit(limit)):
        deadline = deadline_for(req.evaluation_date)
        items.append(DueItem(DueKind.FILING, deadline.latest_filing_date,
                             f"{req.section.name} → {req.guest_center.name}", f"/bookings/{req.id}", who="主场",
                             detail=f"评标日期 {req.evaluation_date:%Y-%m-%d}；{deadline.rule_text()}"))
    return items


def _handover(reach: DueReach, today: date, limit: int) -> list[DueItem]:
    """Hand-over and receipt: guest venues of ended evaluations not yet received."""
    if reach.view is DueView.OWN:
        return []
    venues = (select(EvaluationVenue, Evaluation, Section, TradingCenter)
              .join(Evaluation, EvaluationVenue.evaluation_id == Evaluation.id)
              .join(Section, Evaluation.section_id == Section.id)
              .join(TradingCenter, EvaluationVenue.center_id == TradingCenter.id)
              .where(EvaluationVenue.is_main.is_(False), EvaluationVenue.handover_due.is_not(None),
                     EvaluationVenue.received_at.is_(None)))
    if reach.view is DueView.CENTER:
        venues = venues.where(or_(EvaluationVenue.center_id == reach.center_id,
                                  Evaluation.main_center_id == reach.center_id))
    else:
        venues = venues.where(EvaluationVenue.handover_due < today).where(_overseen(reach, Evaluation))
    items = []
    for venue, evaluation, section, center in db.session.execute(
            venues.order_by(EvaluationVenue.handover_due).limit(limit)):
        link = f"/evaluations/{evaluation.id}#handover"
        guest = f"客场（{center.short_name or center.name}）"
        if venue.handed_over_at is None:
            items.append(DueItem(DueKind.HANDOVER, venue.handover_due, section.name, link, who=guest,
                                 detail="见证记录、专家考核记录、音视频资料移交主场"))
        else:
            items.append(DueItem(DueKind.RECEIPT, venue.handover_due, section.name, link, who="主场",
                                 detail=f"{guest}已移交，待主场确认接收"))
    return items


def _payment(reach: DueReach, today: date, limit: int) -> list[DueItem]:
    """Payment: ended evaluations with seated members not yet paid."""
    unpaid = (select(Evaluation, Section, func.count(CommitteeMember.id))
              .join(Section, Evaluation.section_id == Section.id)
              .join(CommitteeMember, CommitteeMember.evaluation_id == Evaluation.id)
              .where(Evaluation.payment_due.is_not(None), CommitteeMember.status == MemberStatus.SEATED,
                     CommitteeMember.paid_at.is_(None))
              .group_by(Evaluation.id, Section.id))
    if reach.view is DueView.OWN:
        unpaid = unpaid.where(Evaluation.owner_clause(reach.owner_id))
    elif reach.view is DueView.CENTER:
        unpaid = unpaid.where(Evaluation.main_center_id == reach.center_id)
    else:
        unpaid = unpaid.where(Evaluation.payment_due < today).where(_overseen(reach, Evaluation))
    return [DueItem(DueKind.PAYMENT, evaluation.payment_due, section.name, f"/evaluations/{evaluation.id}#fees",
                    who="招标人/代理机构", detail=f"{n} 名专家的劳务费及就餐费未登记支付")
            for evaluation, section, n in db.session.execute(unpaid.order_by(Evaluation.payment_due).limit(limit))]
