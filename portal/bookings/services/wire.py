"""A guest-seat request as partner systems read it (issue 25): field names after the national platform's
remote-evaluation application and the public resource trading data specification where one exists
(docs/rules.md 3.11 lists the mapping). Counts and codes only, never a person.

`tell_partner` queues an event for the partner system that filed the request, in the change's transaction.
"""
from sqlalchemy import select

from ...clock import CHINA
from ...experts.models import Specialty
from ...extensions import db
from ...orgs.models import TradingCenter
from ...partners import outbox
from ...projects.models import Project, Section
from ...workstations.models import Workstation
from ..models import Booking, ChangeStatus, SeatChange, SeatRequest, SeatRequestSpecialty
from . import federation

# The audit action of a change → the event type a partner receives.
EVENT_TYPES = {
    "submit": "seatRequest.submitted", "accept": "seatRequest.accepted", "reject": "seatRequest.rejected",
    "withdraw": "seatRequest.withdrawn", "cancel": "seatRequest.cancelled", "complete": "seatRequest.completed",
    "edit": "seatRequest.updated", "change_request": "seatChange.requested", "change_accept": "seatChange.accepted",
    "change_reject": "seatChange.rejected", "change_withdraw": "seatChange.withdrawn",
}


def center_code(center_id: int) -> str:
    """A center's code in this portal's API (its record number; the national platform code is not kept yet)."""
    return str(center_id)


def _time(value) -> str | None:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else None


def change_json(change: SeatChange | None) -> dict | None:
    if change is None:
        return None
    return {"changeId": change.id, "status": change.status.value,
            "evaluationStartTime": _time(change.starts_at), "evaluationEndTime": _time(change.ends_at),
            "durationMinutes": change.duration_minutes, "expertCount": change.seats_requested,
            "acceptedExpertCount": change.seats_accepted, "reason": change.reason,
            "answerReason": change.answer_reason}


def request_json(req: SeatRequest) -> dict:
    """The request's state as the API answers it and the outbox sends it."""
    section = db.session.get(Section, req.section_id)
    project = db.session.get(Project, section.project_id)
    main = db.session.get(TradingCenter, req.main_center_id)
    guest = db.session.get(TradingCenter, req.guest_center_id)
    codes = list(db.session.scalars(select(Specialty.code).join(
        SeatRequestSpecialty, SeatRequestSpecialty.specialty_id == Specialty.id)
        .where(SeatRequestSpecialty.request_id == req.id).order_by(SeatRequestSpecialty.position)))
    stations = list(db.session.scalars(select(Workstation.code).join(Booking, Booking.workstation_id == Workstation.id)
                                       .where(Booking.request_id == req.id, Booking.active.is_(True))
                                       .order_by(Workstation.code)))
    last_change = db.session.scalars(select(SeatChange).where(SeatChange.request_id == req.id)
                                     .order_by(SeatChange.id.desc()).limit(1)).first()
    return {
        "id": req.id, "applicationNumber": req.number, "originalApplicationId": req.partner_reference,
        "status": req.status.value, "statusLabel": req.status.label, "version": req.version,
        "tenderProjectCode": project.code, "tenderProjectName": project.name,
        "bidSectionCode": section.code, "bidSectionName": section.name,
        "mainCenterCode": center_code(main.id), "mainCenterName": main.name,
        "centerCode": center_code(guest.id), "centerName": guest.name, "isMainVenue": False,
        "evaluationStartTime": _time(req.starts_at), "evaluationEndTime": _time(req.ends_at),
        "durationMinutes": req.duration_minutes, "committeeSize": req.committee_size,
        "expertCount": req.seats_requested, "acceptedExpertCount": req.seats_accepted,
        "acceptedWorkstations": stations, "specialtyCodes": codes, "reason": req.reason,
        "lastChange": change_json(last_change),
        "pendingChange": change_json(last_change) if last_change and last_change.status is ChangeStatus.PENDING
        else None,
    }


def tell_partner(req: SeatRequest, action: str) -> None:
    """Queue the request's new state for the partner system that filed it (inbound: its callback), or — for a
    request filed here to a center another portal hosts — the call on that portal (federation)."""
    if not req.inbound:
        if action == "submit":
            federation.link(req)
        if req.partner_system_id is not None:
            federation.forward(req, action)
        return
    if req.partner_system_id is None or action not in EVENT_TYPES:
        return
    outbox.emit(req.partner_system_id, req.id, EVENT_TYPES[action], request_json(req))
