"""Private iCalendar feeds of a center's bookings: created (the token shown once), revoked, served by token."""
import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...extensions import db
from ...identifiers import stable_uuid
from ...models_base import utcnow
from ...orgs.models import TradingCenter
from ...clock import local_midnight_utc
from ...workstations import holds
from ...workstations.models import HoldPurpose, Workstation
from ..models import Booking, CalendarFeed, SeatRequest
from .common import BookingError


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def center_feeds(center_id: int) -> list[CalendarFeed]:
    """The center's feeds, live ones first, newest first, with who created them."""
    return list(db.session.scalars(select(CalendarFeed).where(CalendarFeed.center_id == center_id)
                                   .options(joinedload(CalendarFeed.created_by))
                                   .order_by(CalendarFeed.revoked_at.is_not(None), CalendarFeed.id.desc())))


def create_feed(center: TradingCenter, label: str) -> str:
    """A new private feed; returns the token (only its hash is stored, so it is shown once)."""
    token = secrets.token_urlsafe(24)
    feed = CalendarFeed(center_id=center.id, token_sha256=_hash(token), label=label.strip()[:60] or "日历订阅",
                        created_by_id=audit.current_actor_id())
    db.session.add(feed)
    db.session.flush()
    audit.record("create", "calendar_feed", feed, region_id=center.region_id, after={"label": feed.label},
                 summary=f"{center.name}新建日历订阅")
    return token


def revoke_feed(feed: CalendarFeed, center: TradingCenter) -> None:
    """Revoke a feed for good: calendar programs using its link stop receiving updates."""
    if feed.revoked_at is not None:
        raise BookingError("该订阅链接已撤销。")
    feed.revoked_at = utcnow()
    feed.revoked_by_id = audit.current_actor_id()
    audit.record("revoke", "calendar_feed", feed, region_id=center.region_id, summary="撤销日历订阅链接")


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed behind a private link, with its center; None for an unknown or revoked token."""
    if not token or len(token) > 100:
        return None
    return db.session.scalars(select(CalendarFeed).options(joinedload(CalendarFeed.center)).where(
        CalendarFeed.token_sha256 == _hash(token), CalendarFeed.revoked_at.is_(None))).first()


def feed_requests(center_id: int, today: date) -> list[tuple[SeatRequest, list[str]]]:
    """Requests holding workstations of the center from 30 days ago to a year ahead, with their codes."""
    lo, hi = local_midnight_utc(today - timedelta(days=30)), local_midnight_utc(today + timedelta(days=366))
    rows = db.session.execute(
        select(SeatRequest, Workstation.code)
        .join(Booking, Booking.request_id == SeatRequest.id)
        .join(Workstation, Booking.workstation_id == Workstation.id)
        .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center))
        .where(Booking.center_id == center_id, Booking.active.is_(True),
               Booking.starts_at >= lo, Booking.starts_at < hi)
        .order_by(SeatRequest.starts_at, SeatRequest.id, Workstation.code)).all()
    grouped: dict[int, tuple[SeatRequest, list[str]]] = {}
    for req, code in rows:
        grouped.setdefault(req.id, (req, []))[1].append(code)
    return list(grouped.values())


def feed_own_use(center_id: int, today: date) -> list[dict]:
    """The center's own use of its workstations (local evaluations, maintenance, sign-ins) over the feed's span,
    one item per use and time (holds.grouped)."""
    lo, hi = local_midnight_utc(today - timedelta(days=30)), local_midnight_utc(today + timedelta(days=366))
    return holds.grouped(holds.center_holds(center_id, lo, hi, (
        HoldPurpose.LOCAL_EVALUATION, HoldPurpose.MAINTENANCE, HoldPurpose.SIGN_IN)))


def ics_calendar(center: TradingCenter, items: list[tuple[SeatRequest, list[str]]],
                 own_use: list[dict] = ()) -> bytes:
    """An RFC 5545 calendar: one event per request holding the center's workstations, and one per own use.
    UIDs come from the record alone (portal.identifiers), never from the host the feed was asked under: a
    calendar subscribed through two names of the portal shows each event once."""
    cal = Calendar()
    cal.add("prodid", "-//远程异地评标协同门户//客场机位//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{center.name} 客场机位")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for req, codes in items:
        event = Event()
        event.add("uid", stable_uuid("seat-request", req.id))
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(req.starts_at))
        event.add("dtend", _utc(req.ends_at))
        event.add("summary", f"客场评标 {req.number}：{req.section.name}（{len(codes)} 个工位）")
        event.add("location", center.name)
        event.add("description", f"主场：{req.main_center.name}\n工位：{'、'.join(codes)}\n"
                                 f"状态：{req.status.label}")
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    for use in own_use:
        event = Event()
        event.add("uid", stable_uuid("workstation-hold", use["id"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(use["starts_at"]))
        event.add("dtend", _utc(use["ends_at"]))
        event.add("summary", f"本中心自用 {use['label']}（{len(use['codes'])} 个工位）")
        event.add("location", center.name)
        event.add("description", f"工位：{'、'.join(use['codes'])}")
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def touch_feed(feed: CalendarFeed) -> None:
    """Note when the feed was last read (shown on the feeds page)."""
    feed.last_used_at = utcnow()
