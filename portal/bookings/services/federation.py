"""Two portals federate (issue 25 item 4): a request filed here to a center that another portal hosts (a
partner system with `remote_url`, speaking for that center) is sent to that portal's API as a filing, and so
are its change and withdrawal; the other portal's answers come back as events (POST /api/v1/partner-events)
and are applied here: accepted (with the seats it gave), rejected, cancelled, a change accepted or rejected.

Sending goes through the outbox (portal/partners/outbox.py: in the change's transaction, retried until the
other portal answers, each call with the event's Idempotency-Key, so a retry files nothing twice there).
Applying an answer sends nothing back (`quiet`).
"""
import re
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import select

from ...clock import CHINA
from ...experts.models import Specialty
from ...extensions import db
from ...models_base import utcnow
from ...partners import outbox
from ...partners.systems import federated_system_for
from ...projects.models import Project, Section
from .. import rules
from ..models import ChangeStatus, SeatRequest, SeatRequestSpecialty
from ..rules import Action, Move, Side, Status
from .common import BookingError, lock, move

_quiet: ContextVar[bool] = ContextVar("federation_quiet", default=False)
NUMBER = re.compile(r"^KC\d{4}-(\d{1,9})$")


@contextmanager
def quiet():
    """Changes made while applying the other portal's answer are not sent back to it."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def link(req: SeatRequest) -> None:
    """At submission: a request to a center another portal hosts belongs to that portal's partner system."""
    if req.partner_system_id is None and not req.inbound and req.cross_province:
        system = federated_system_for(req.guest_center_id)
        if system is not None:
            req.partner_system_id = system.id


def _start(value) -> str:
    return value.astimezone(CHINA).isoformat(timespec="seconds")


def apply_body(req: SeatRequest) -> dict:
    section = db.session.get(Section, req.section_id)
    project = db.session.get(Project, section.project_id)
    codes = list(db.session.scalars(select(Specialty.code).join(
        SeatRequestSpecialty, SeatRequestSpecialty.specialty_id == Specialty.id)
        .where(SeatRequestSpecialty.request_id == req.id).order_by(SeatRequestSpecialty.position)))
    budget = next((v for v in (section.budget_wan, section.contract_estimate_wan, section.investment_estimate_wan)
                   if v is not None), 0)
    return {"applicationType": "apply", "applicationId": req.number, "mainCenterCode": str(req.main_center_id),
            "centerCode": str(req.guest_center_id), "tenderProjectCode": project.code,
            "tenderProjectName": project.name, "tendererName": project.tenderee,
            **({"tenderAgencyName": project.agency} if project.agency else {}),
            "bidSectionCode": section.code, "bidSectionName": section.name, "category": section.category.value,
            "budget": float(budget), "evaluationStartTime": _start(req.starts_at),
            "durationMinutes": req.duration_minutes, "committeeSize": req.committee_size,
            "expertCount": req.seats_requested, "specialtyCodes": codes,
            **({"notes": req.notes} if req.notes else {})}


def call_for(req: SeatRequest, action: str) -> dict | None:
    """The API call on the other portal that this change of the request makes, if any."""
    if action == "submit":
        return {"path": "/api/v1/seat-requests", "body": apply_body(req)}
    from . import changes   # (changes imports common, which imports this module through wire)

    if action == "change_request":
        change = changes.pending(req)
        if change is None:
            return None
        return {"path": "/api/v1/seat-requests", "body": {
            "applicationType": "change", "originalApplicationId": req.number,
            "evaluationStartTime": _start(change.starts_at), "durationMinutes": change.duration_minutes,
            "expertCount": change.seats_requested, "reason": change.reason}}
    if action in ("withdraw", "cancel"):
        return {"path": "/api/v1/seat-requests", "body": {
            "applicationType": "cancel", "originalApplicationId": req.number, "reason": req.reason or "主场撤回申请"}}
    return None


def forward(req: SeatRequest, action: str) -> None:
    """Queue the call on the other portal (in this change's transaction)."""
    if _quiet.get():
        return
    call = call_for(req, action)
    if call is not None:
        outbox.emit(req.partner_system_id, req.id, f"federation.{call['body']['applicationType']}", call)


class UnknownRequest(BookingError):
    """The event names no request this portal sent to that portal."""


def apply_event(system_id: int, event_type: str, data: dict) -> tuple[SeatRequest, bool]:
    """Apply the other portal's event to the request it is about; (request, whether anything changed)."""
    match = NUMBER.match(str(data.get("originalApplicationId") or ""))
    req = db.session.scalars(select(SeatRequest).where(
        SeatRequest.id == int(match.group(1)), SeatRequest.partner_system_id == system_id,
        SeatRequest.inbound.is_(False))).first() if match else None
    if req is None:
        raise UnknownRequest("本系统没有发往对方门户的这条申请（originalApplicationId）。", field="data.originalApplicationId")
    with quiet():
        return req, _apply(req, event_type, data)


def _apply(req: SeatRequest, event_type: str, data: dict) -> bool:
    from . import changes

    reason = str(data.get("reason") or "").strip()[:500]
    if event_type == "seatRequest.accepted" and req.status is Status.SUBMITTED:
        seats = data.get("acceptedExpertCount")
        if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= req.seats_requested:
            raise BookingError("接受的机位数（acceptedExpertCount）不正确。", field="data.acceptedExpertCount")
        lock(req, req.version)
        req.seats_accepted = seats
        stations = "、".join(str(s) for s in data.get("acceptedWorkstations") or [])[:200]
        move(req, Move(Action.ACCEPT, Side.GUEST, reason=reason, seats_requested=req.seats_requested,
                       seats_assigned=seats),
             summary=f"对方门户接受 {seats}/{req.seats_requested} 个机位" + (f"（工位 {stations}）" if stations else ""))
        return True
    if event_type == "seatRequest.rejected" and req.status is Status.SUBMITTED:
        lock(req, req.version)
        move(req, Move(Action.REJECT, Side.GUEST, reason=reason or "对方门户拒绝"))
        return True
    if event_type == "seatRequest.cancelled" and req.status in rules.HOLDING_STATUSES:
        lock(req, req.version)
        move(req, Move(Action.CANCEL, Side.GUEST, reason=reason or "对方门户取消预订"))
        return True
    change = changes.pending(req)
    answer = data.get("lastChange") or {}
    if event_type == "seatChange.accepted" and change is not None:
        lock(req, req.version)
        seats = answer.get("acceptedExpertCount") or change.seats_requested
        req.evaluation_date, req.start_time = change.evaluation_date, change.start_time
        req.duration_minutes, req.seats_requested = change.duration_minutes, change.seats_requested
        req.starts_at, req.ends_at = change.starts_at, change.ends_at
        req.seats_accepted = seats
        req.status = Status.ACCEPTED if seats == change.seats_requested else Status.PARTLY_ACCEPTED
        req.revision += 1
        req.answered_at = change.answered_at = utcnow()
        change.status, change.seats_accepted = ChangeStatus.ACCEPTED, seats
        change.answer_reason = (answer.get("answerReason") or "")[:500] or None
        changes._record(req, "change_accept", f"对方门户接受场地变更 {change.number}：现为 {changes.new_text(change)}")
        return True
    if event_type == "seatChange.rejected" and change is not None:
        changes.reject_change(req, req.version, change.id, answer.get("answerReason") or reason or "对方门户拒绝变更")
        return True
    return False
