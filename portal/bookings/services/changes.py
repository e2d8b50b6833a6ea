"""Change requests (场地变更) of an accepted booking: the main side asks for a new date, time or seat count; the
guest center accepts (assigning workstations for the new time) or rejects.

The original booking keeps its workstations until the change is accepted. Accepting releases the old holds and
takes the new ones in the same transaction: the database refuses any overlap at every step, between the old and
the new time of the same booking too (the old are released first, so a workstation may be kept). A change into
the filing window (later than a new request could be filed) needs the guest center's agreement, recorded on the
change. Every step is an audit entry of the request, so the request's timeline shows the whole history.
"""
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...calendar.services import deadline_for
from ...extensions import db
from ...models_base import utcnow
from ...orgs.models import TradingCenter
from ...projects.models import Section
from ...clock import china_today
from .. import rules
from ..models import ChangeStatus, SeatChange, SeatRequest
from ..rules import Status, Timing
from . import wire
from .answering import book, check_workstations
from .common import AUDIT_FIELDS, BookingError, label, lock, notify_both_sides, refuse_if_seats_in_use, release
from .filing import GuestAsk, align_section, check_experts, check_filing, check_guests, other_live_seats


def pending(req: SeatRequest) -> SeatChange | None:
    """The request's open change request, if any."""
    return db.session.scalars(select(SeatChange).where(SeatChange.request_id == req.id,
                                                       SeatChange.status == ChangeStatus.PENDING)).first()


def waiting_for(clause) -> list[tuple[SeatChange, SeatRequest]]:
    """Open change requests of the requests `clause` selects (the inbox: those the account answers)."""
    return list(db.session.execute(
        select(SeatChange, SeatRequest).join(SeatRequest, SeatChange.request_id == SeatRequest.id)
        .where(SeatChange.status == ChangeStatus.PENDING, clause)
        .order_by(SeatChange.evaluation_date, SeatChange.id).limit(50)).all())


def history(req: SeatRequest) -> list[SeatChange]:
    """Every change request of the booking, newest first."""
    return list(db.session.scalars(select(SeatChange).where(SeatChange.request_id == req.id)
                                   .order_by(SeatChange.id.desc())))


def _timing_text(day: date, start, minutes: int, seats: int) -> str:
    return f"{day:%Y-%m-%d} {start:%H:%M} 起 {minutes // 60} 小时{'' if minutes % 60 == 0 else f'{minutes % 60} 分'}，{seats} 个机位"


def old_text(change: SeatChange) -> str:
    return _timing_text(change.old_evaluation_date, change.old_start_time, change.old_duration_minutes,
                        change.old_seats)


def new_text(change: SeatChange) -> str:
    return _timing_text(change.evaluation_date, change.start_time, change.duration_minutes, change.seats_requested)


def _record(req: SeatRequest, action: str, text: str, before: dict | None = None) -> None:
    """An audit entry of the request (its timeline), and both sides told."""
    section = db.session.get(Section, req.section_id)
    guest = db.session.get(TradingCenter, req.guest_center_id)
    main = db.session.get(TradingCenter, req.main_center_id)
    db.session.flush()
    audit.record(action, "seat_request", req, label=label(req, section, guest),
                 region_id=main.region_id if main.region_id is not None else guest.region_id,
                 before=before, after=audit.snapshot(req, AUDIT_FIELDS), summary=text)
    notify_both_sides(req, section, text)
    wire.tell_partner(req, action)


def request_change(req: SeatRequest, version: int | None, data: dict, today: date | None = None) -> SeatChange:
    """File a change request for an accepted booking (the main side); the booking stays as it is meanwhile."""
    today = today or china_today()
    lock(req, version)
    old = Timing(req.evaluation_date, req.start_time, req.duration_minutes, req.seats_requested)
    new = Timing(data["evaluation_date"], data["start_time"], data["duration_minutes"], data["seats_requested"])
    reason = (data.get("reason") or "").strip()
    problems = rules.change_problems(req.status, old, new, today)
    if not reason:
        problems.append("请填写变更原因。")
    if problems:
        raise BookingError(problems[0], field="reason" if problems[0] == "请填写变更原因。" else "evaluation_date")
    refuse_if_seats_in_use(req, "申请场地变更")
    section = db.session.get(Section, req.section_id)
    moves = (new.evaluation_date, new.start_time) != (old.evaluation_date, old.start_time)
    others = db.session.scalars(select(SeatRequest.id).where(
        SeatRequest.section_id == req.section_id, SeatRequest.id != req.id,
        SeatRequest.status.in_(rules.ACTIVE_STATUSES))).all()
    if moves and others:
        # One evaluation date for the section and all its live requests: moving one guest venue alone would
        # split it. Moving several bookings together is not offered yet.
        raise BookingError("该标段还有其他进行中的客场机位申请，评标日期和开始时间须一致，不能只变更其中一个预订的"
                           "日期或时间；可变更机位数或时长，改期请与各客场协商后分别取消并重新申请。",
                           field="evaluation_date")
    specialties = tuple(link.specialty_id for link in req.specialty_links)
    asks = [GuestAsk(req.guest_center_id, new.seats, specialties)]
    centers = check_guests(section, new.evaluation_date, asks)
    check_filing(new.evaluation_date, req.committee_size, (new.seats, *other_live_seats(req.section_id, req.id)),
                 today, deadline_too=False)
    check_experts(section, new.evaluation_date, asks, centers)
    deadline = deadline_for(new.evaluation_date)
    late = rules.change_is_late(today, deadline.latest_filing_date)
    starts, ends = rules.evaluation_range(new.evaluation_date, new.start_time, new.duration_minutes)
    change = SeatChange(request_id=req.id, status=ChangeStatus.PENDING, old_evaluation_date=old.evaluation_date,
                        old_start_time=old.start_time, old_duration_minutes=old.duration_minutes,
                        old_seats=old.seats, evaluation_date=new.evaluation_date, start_time=new.start_time,
                        duration_minutes=new.duration_minutes, starts_at=starts, ends_at=ends,
                        seats_requested=new.seats, reason=reason[:500], late=late,
                        latest_filing_date=deadline.latest_filing_date, requested_by_id=audit.current_actor_id())
    db.session.add(change)
    try:
        db.session.flush()
    except IntegrityError:   # the partial unique index: one open change per booking
        raise BookingError("该预订已有待客场确认的场地变更，请等待答复或先撤回。", field="evaluation_date") from None
    text = f"申请场地变更 {change.number}：由 {old_text(change)} 改为 {new_text(change)}；原因：{reason}"
    if late:
        text += (f"（已晚于新日期的申请期限 {deadline.latest_filing_date:%Y-%m-%d}，须客场同意；"
                 "客场接受前原预订仍然有效）")
    else:
        text += "（客场接受前原预订仍然有效）"
    _record(req, "change_request", text)
    return change


def _open_change(req: SeatRequest, version: int | None, change_id: int | None) -> SeatChange:
    lock(req, version)
    change = pending(req)
    if change is None or (change_id is not None and change.id != change_id):
        raise BookingError("该场地变更已被处理或撤回，页面已过期，请刷新后再操作。")
    db.session.refresh(change)
    return change


def accept_change(req: SeatRequest, version: int | None, change_id: int | None, workstation_ids: list[int],
                  agreed_late: bool = False, note: str = "") -> SeatChange:
    """The guest center accepts a change with workstations for the new time (fewer than asked: partly).

    The swap is one transaction: the old bookings and holds are released, the request takes its new time and
    the new workstations are held; any refusal rolls all of it back and the original stays valid."""
    change = _open_change(req, version, change_id)
    ids = sorted(set(int(i) for i in workstation_ids))
    if not ids:
        raise BookingError("请至少选择一个工位；不能提供工位的，请拒绝变更并说明原因。", field="workstation_ids")
    if len(ids) > change.seats_requested:
        raise BookingError(f"变更后申请 {change.seats_requested} 个机位，不能分配 {len(ids)} 个工位。",
                           field="workstation_ids")
    if change.late and not agreed_late:
        raise BookingError(f"变更后的评标日期已晚于申请期限（最晚应在 {change.latest_filing_date:%Y-%m-%d} 前申请），"
                           "须客场同意方可接受：请勾选“同意在申请期限内变更”，或拒绝变更。", field="agreed_late")
    refuse_if_seats_in_use(req, "接受场地变更")
    before = audit.snapshot(req, AUDIT_FIELDS)
    release(req, f"场地变更 {change.number}：改为 {new_text(change)}")
    req.evaluation_date, req.start_time = change.evaluation_date, change.start_time
    req.duration_minutes, req.seats_requested = change.duration_minutes, change.seats_requested
    req.starts_at, req.ends_at = change.starts_at, change.ends_at
    check_workstations(req, ids)
    book(req, ids)
    # The section follows its only live request's new date and start (audited there): one current date.
    align_section(db.session.get(Section, req.section_id), req.evaluation_date, req.start_time,
                  exclude_id=req.id)
    req.seats_accepted = len(ids)
    req.status = Status.ACCEPTED if len(ids) == change.seats_requested else Status.PARTLY_ACCEPTED
    req.revision += 1
    req.answered_at, req.answered_by_id = utcnow(), audit.current_actor_id()
    change.status = ChangeStatus.ACCEPTED
    change.answered_at, change.answered_by_id = req.answered_at, req.answered_by_id
    change.seats_accepted, change.late_agreed = len(ids), bool(change.late and agreed_late)
    change.answer_reason = note.strip()[:500] or None
    text = f"接受场地变更 {change.number}：现为 {new_text(change)}，分配 {len(ids)} 个工位；原时段的工位已释放"
    if change.late:
        text += "；客场同意在申请期限内变更"
    if change.answer_reason:
        text += f"；说明：{change.answer_reason}"
    _record(req, "change_accept", text, before=before)
    return change


def reject_change(req: SeatRequest, version: int | None, change_id: int | None, reason: str) -> SeatChange:
    """The guest center rejects a change with a reason; the original booking stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("拒绝场地变更须填写原因。", field="reason")
    change = _open_change(req, version, change_id)
    change.status = ChangeStatus.REJECTED
    change.answered_at, change.answered_by_id = utcnow(), audit.current_actor_id()
    change.answer_reason = reason[:500]
    _record(req, "change_reject", f"拒绝场地变更 {change.number}；原因：{reason}；原预订（{old_text(change)}）不变")
    return change


def withdraw_change(req: SeatRequest, version: int | None, change_id: int | None) -> SeatChange:
    """The main side withdraws its open change; the original booking stays as it was."""
    change = _open_change(req, version, change_id)
    change.status = ChangeStatus.WITHDRAWN
    change.answered_at, change.answered_by_id = utcnow(), audit.current_actor_id()
    _record(req, "change_withdraw", f"撤回场地变更 {change.number}；原预订（{old_text(change)}）不变")
    return change

