"""The deadlines board (期限提醒): filing drafts, hand-overs, receipts and payments, with working-day dates;
and the after-evaluation due dates themselves: counted from the day the end instruction was given, with the
calendar version they used, and counted again when the calendar changes (`calendar_changed`) unless met.

Whose items are listed is decided by `access.due_reach` and passed in as a value (`DueReach`).
"""
from datetime import date, datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ...audit import services as audit
from ...auth.recipients import center_staff_ids
from ...bookings.models import SeatRequest
from ...bookings.rules import Status as RequestStatus
from ...calendar.rules import calendar_version
from ...calendar.services import calendar_changed, deadline_for, load_calendar
from ...clock import to_china
from ...extensions import db
from ...notifications.services import notify
from ...orgs.models import TradingCenter
from ...projects.models import Section
from ..access import DueReach, DueView
from .. import rules
from ..models import CommitteeMember, Evaluation, EvaluationVenue, MemberStatus
from .common import region_of
from ..rules import DueItem, DueKind


# --- the due dates (资料移交和劳务费支付期限) ------------------------------------------------------------------

def due_after_end(ended_at: datetime) -> tuple[date, str]:
    """Hand-over and payment are due 3 working days after the day (China time) the end instruction was given;
    with the calendar version the date was counted by."""
    calendar = load_calendar()
    return calendar.add_working_days(to_china(ended_at).date(), rules.AFTER_DAYS), calendar_version(calendar)


def set_due_dates(evaluation: Evaluation) -> date:
    """At the end instruction: the payment due date and every guest venue's hand-over due date."""
    due, version = due_after_end(evaluation.ended_at)
    evaluation.payment_due, evaluation.due_calendar_version = due, version
    for venue in evaluation.venues:
        if not venue.is_main:
            venue.handover_due = due
    return due


def _external_unpaid(evaluation_id):
    """An external guest venue (外省客场) of the evaluation whose experts' payment is not recorded yet."""
    return ((EvaluationVenue.evaluation_id == evaluation_id) & EvaluationVenue.is_main.is_(False)
            & EvaluationVenue.paid_at.is_(None)
            & EvaluationVenue.center_id.in_(select(TradingCenter.id).where(TradingCenter.region_id.is_(None))))


def _payment_open(evaluation_id: int) -> bool:
    return db.session.scalar(select(exists().where(
        CommitteeMember.evaluation_id == evaluation_id, CommitteeMember.status == MemberStatus.SEATED,
        CommitteeMember.paid_at.is_(None)) | exists().where(_external_unpaid(evaluation_id))))


def recount_due_dates(first: date, last: date, version: str) -> int:
    """After a calendar change of the days `first`..`last`: count the open due dates again (a paid evaluation's
    payment and a received hand-over are met and stay), audit and tell the holders of a date that moved.
    Returns how many evaluations had a date moved."""
    candidates = db.session.scalars(
        select(Evaluation).where(Evaluation.ended_at.is_not(None), Evaluation.payment_due.is_not(None),
                                 or_(Evaluation.payment_due >= first,
                                     Evaluation.id.in_(select(EvaluationVenue.evaluation_id).where(
                                         EvaluationVenue.handover_due >= first))))
        .options(joinedload(Evaluation.section).joinedload(Section.project), joinedload(Evaluation.main_center),
                 selectinload(Evaluation.venues).joinedload(EvaluationVenue.center))).all()
    moved = 0
    for evaluation in candidates:
        if to_china(evaluation.ended_at).date() > last:
            continue   # counted from a day after every changed day: nothing can move
        due, _ = due_after_end(evaluation.ended_at)
        changes = []
        if evaluation.payment_due != due and _payment_open(evaluation.id):
            changes.append(("payment", evaluation.payment_due))
            evaluation.payment_due = due
        venues = [v for v in evaluation.venues if not v.is_main and v.handover_due is not None
                  and v.received_at is None and v.handover_due != due]
        for venue in venues:
            changes.append(("handover", venue.handover_due))
            venue.handover_due = due
        evaluation.due_calendar_version = version
        if not changes:
            continue
        moved += 1
        old = changes[0][1]
        what = "、".join(dict.fromkeys({"payment": "劳务费支付", "handover": "资料移交"}[k] for k, _ in changes))
        audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation),
                     before={"due": old.isoformat()}, after={"due": due.isoformat(), "calendar": version},
                     summary=f"工作日历调整，{what}期限由 {old:%Y-%m-%d} 改为 {due:%Y-%m-%d}")
        holders = center_staff_ids(evaluation.main_center_id, *[v.center_id for v in venues])
        if any(k == "payment" for k, _ in changes):
            holders.append(evaluation.section.project.owner_id)
        notify(list(dict.fromkeys(holders)),
               f"{evaluation.section.name}：工作日历调整，{what}期限由 {old:%m月%d日} 改为 {due:%m月%d日}。",
               f"/evaluations/{evaluation.id}", skip=audit.current_actor_id())
    db.session.flush()
    return moved


@calendar_changed.connect
def _on_calendar_changed(sender, first: date, last: date, reason: str, version: str, **_):
    """The calendar changed inside this transaction: the open due dates follow it."""
    recount_due_dates(first, last, version)


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
    """Payment: ended evaluations with seated members, or an external guest venue, not yet paid."""
    # Driven by the evaluations (by payment date, through its index), each asking its own members and venues
    # (through theirs): not a join that reads every committee member of every evaluation.
    open_member = (CommitteeMember.evaluation_id == Evaluation.id) & (CommitteeMember.status == MemberStatus.SEATED) \
        & CommitteeMember.paid_at.is_(None)
    open_external = _external_unpaid(Evaluation.id)
    count = select(func.count(CommitteeMember.id)).where(open_member).correlate(Evaluation).scalar_subquery()
    external = select(func.count(EvaluationVenue.id)).where(open_external).correlate(Evaluation).scalar_subquery()
    unpaid = (select(Evaluation, Section, count, external)
              .join(Section, Evaluation.section_id == Section.id)
              .where(Evaluation.payment_due.is_not(None),
                     or_(exists().where(open_member), exists().where(open_external))))
    if reach.view is DueView.OWN:
        unpaid = unpaid.where(Evaluation.owner_clause(reach.owner_id))
    elif reach.view is DueView.CENTER:
        unpaid = unpaid.where(Evaluation.main_center_id == reach.center_id)
    else:
        unpaid = unpaid.where(Evaluation.payment_due < today).where(_overseen(reach, Evaluation))
    return [DueItem(DueKind.PAYMENT, evaluation.payment_due, section.name, f"/evaluations/{evaluation.id}#fees",
                    who="招标人/代理机构", detail=_unpaid_text(n, m))
            for evaluation, section, n, m in db.session.execute(unpaid.order_by(Evaluation.payment_due).limit(limit))]


def _unpaid_text(members: int, external: int) -> str:
    parts = [f"{members} 名专家"] if members else []
    if external:
        parts.append(f"{external} 个外省客场的专家")
    return "、".join(parts) + "的劳务费及就餐费未登记支付"
