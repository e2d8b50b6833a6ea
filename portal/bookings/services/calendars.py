"""Per-center booking calendars: one day or one week (Monday to Sunday) of booked workstations, and of the
workstations the center holds for its own use (local evaluations, maintenance, the main venue's sign-ins)."""
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...clock import local_midnight_utc, to_china
from ...workstations import holds
from ...workstations.models import HoldPurpose, Workstation
from ..models import Booking, SeatRequest


def span(day: date, view: str) -> tuple[date, int]:
    """The first day and the number of days shown: the day itself, or the Monday of its week and seven."""
    return (day, 1) if view == "day" else (day - timedelta(days=day.weekday()), 7)


def center_bookings(center_id: int, first: date, days: int) -> list[tuple[Booking, Workstation, SeatRequest]]:
    """Active bookings of a center that start in [first, first + days) China time, by time and workstation."""
    lo, hi = local_midnight_utc(first), local_midnight_utc(first + timedelta(days=days))
    return list(db.session.execute(
        select(Booking, Workstation, SeatRequest)
        .join(Workstation, Booking.workstation_id == Workstation.id)
        .join(SeatRequest, Booking.request_id == SeatRequest.id)
        .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center))
        .where(Booking.center_id == center_id, Booking.active.is_(True),
               Booking.starts_at >= lo, Booking.starts_at < hi)
        .order_by(Booking.starts_at, Workstation.code)).all())


def by_day(center_id: int, first: date, days: int) -> dict[date, list[tuple[Booking, Workstation, SeatRequest]]]:
    """The center's bookings grouped by their China day, every day of the span present (empty or not)."""
    grouped: dict[date, list] = {first + timedelta(days=i): [] for i in range(days)}
    for booking, workstation, req in center_bookings(center_id, first, days):
        grouped.setdefault(to_china(booking.starts_at).date(), []).append((booking, workstation, req))
    return grouped


OWN_USE = (HoldPurpose.LOCAL_EVALUATION, HoldPurpose.MAINTENANCE, HoldPurpose.SIGN_IN)


def own_use_by_day(center_id: int, first: date, days: int) -> dict[date, list[dict]]:
    """The center's own holds (not guest bookings) grouped by China day and by use: see holds.grouped."""
    lo, hi = local_midnight_utc(first), local_midnight_utc(first + timedelta(days=days))
    per_day: dict[date, list] = {}
    for hold, code in holds.center_holds(center_id, lo, hi, OWN_USE):
        per_day.setdefault(to_china(hold.starts_at).date(), []).append((hold, code))
    return {day: holds.grouped(rows) for day, rows in per_day.items()}
