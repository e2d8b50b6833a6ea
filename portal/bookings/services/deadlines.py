"""Filing deadlines that follow the calendar (issue 23 part 3): when the working-day calendar changes, the open
requests whose stored deadline the change may move are recomputed in the same transaction, each moved one is
audited, and its holders on both sides are told.

Subscribed to portal.calendar's `calendar_changed` (the calendar imports no feature above it). Hand-over and
payment due dates belong to the evaluations and follow the same signal there.
"""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...calendar.services import calendar_changed, deadline_for
from ...clock import to_china
from ...extensions import db
from ..models import SeatRequest
from ..rules import Status
from .common import notify_both_sides, label

# Requests with a stored filing deadline that still matters: filed and not finished.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.PARTLY_ACCEPTED)
DEADLINE_FIELDS = ("latest_filing_date", "deadline_rule", "deadline_calendar")


def recompute_deadlines(sender, first, last, version, reason="", **_) -> int:
    """Recompute the stored deadlines of open requests whose counted days [deadline, evaluation] meet the
    changed dates first..last; returns how many moved. A date before the stored deadline cannot move it."""
    requests = db.session.scalars(
        select(SeatRequest).where(SeatRequest.status.in_(OPEN_STATUSES), SeatRequest.latest_filing_date.is_not(None),
                                  SeatRequest.evaluation_date >= first,
                                  SeatRequest.latest_filing_date <= last)
        .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center),
                 joinedload(SeatRequest.guest_center))
        .order_by(SeatRequest.id)).all()
    moved = 0
    for req in requests:
        deadline = deadline_for(req.evaluation_date)
        old = req.latest_filing_date
        req.deadline_version = version
        if (deadline.latest_filing_date, deadline.rule_text(), deadline.calendar_text()) == (
                old, req.deadline_rule, req.deadline_calendar):
            continue
        before = audit.snapshot(req, DEADLINE_FIELDS)
        req.latest_filing_date = deadline.latest_filing_date
        req.deadline_rule = deadline.rule_text()
        req.deadline_calendar = deadline.calendar_text()
        if old == deadline.latest_filing_date:
            continue   # only the wording of the calendar used (e.g. 调休 now announced): nobody has to act
        moved += 1
        text = f"工作日日历调整，最迟提交日期由 {old:%Y-%m-%d} 改为 {deadline.latest_filing_date:%Y-%m-%d}"
        filed = to_china(req.submitted_at).date() if req.submitted_at else None
        if filed and filed > deadline.latest_filing_date:
            text += f"（本申请 {filed:%Y-%m-%d} 提交，晚于调整后的期限；已受理的照常有效，未受理的请客场与主场协商）"
        audit.record("deadline", "seat_request", req, label=label(req, req.section, req.guest_center),
                     region_id=req.main_center.region_id, before=before,
                     after=audit.snapshot(req, DEADLINE_FIELDS) | {"version": version}, summary=text)
        notify_both_sides(req, req.section, text)
    db.session.flush()
    return moved


calendar_changed.connect(recompute_deadlines)
