"""Workstation holds (工位占用): taking and releasing workstations for a time, and who holds them when.

Every feature that keeps a workstation for a time takes it here — bookings for a guest seat, the evaluation
day for a main-venue sign-in, local use for a local evaluation or maintenance — so the one database guarantee
on the holds table (see models) covers them together. The checks here only make the message clear: the
database has the last word when two people take the same workstation at the same moment.
"""
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from . import rules
from .models import HoldPurpose, Workstation, WorkstationHold


class HoldTaken(ChangeRefused):
    """A workstation is already held for an overlapping time."""


def overlapping(starts: datetime, ends: datetime):
    """Active holds overlapping [starts, ends). No hold is longer than MAX_HOLD_MINUTES, so one that overlaps
    starts after starts - MAX: the (workstation_id, starts_at) index reads a short range."""
    earliest = starts - timedelta(minutes=rules.MAX_HOLD_MINUTES)
    return and_(WorkstationHold.active.is_(True), WorkstationHold.starts_at > earliest,
                WorkstationHold.starts_at < ends, WorkstationHold.ends_at > starts)


def busy_clause(starts: datetime, ends: datetime, except_hold_ids=None):
    """Workstations (correlated with Workstation) with an active hold overlapping [starts, ends).

    `except_hold_ids`: a selectable or list of hold ids not counted (the caller's own holds)."""
    cond = and_(WorkstationHold.workstation_id == Workstation.id, overlapping(starts, ends))
    if except_hold_ids is not None:
        cond = cond & WorkstationHold.id.not_in(except_hold_ids)
    return exists().where(cond)


def clashes(workstation_ids: list[int], starts: datetime, ends: datetime, except_hold_ids=None) -> list[str]:
    """Chinese descriptions of the active holds of these workstations overlapping [starts, ends): which
    workstation, when, and by what (the hold's label, which never names an expert)."""
    if not workstation_ids:
        return []
    stmt = (select(WorkstationHold, Workstation.code)
            .join(Workstation, WorkstationHold.workstation_id == Workstation.id)
            .where(WorkstationHold.workstation_id.in_(workstation_ids), overlapping(starts, ends))
            .order_by(Workstation.code, WorkstationHold.starts_at))
    if except_hold_ids is not None:
        stmt = stmt.where(WorkstationHold.id.not_in(except_hold_ids))
    return [rules.clash_text(code, hold.starts_at, hold.ends_at, hold.label)
            for hold, code in db.session.execute(stmt)]


def take(workstation_ids: list[int], starts: datetime, ends: datetime, purpose: HoldPurpose, label: str,
         center_id: int, *, local_use_id: int | None = None, created_by_id: int | None = None,
         except_hold_ids=None) -> list[WorkstationHold]:
    """Hold these workstations for [starts, ends); HoldTaken (a Chinese message) when any is taken.

    The database refuses an overlap committed meanwhile (the exclusion constraint or the SQLite trigger);
    PostgreSQL may also end one of two crossing transactions as a deadlock. Both mean: taken by someone else,
    and the caller's transaction must be rolled back (the view does).
    """
    ids = sorted(set(workstation_ids))          # one lock order for concurrent takers
    found = clashes(ids, starts, ends, except_hold_ids)
    if found:
        raise HoldTaken("；".join(found) + "。请选择其他工位或时间。", field="workstation_ids")
    holds = [WorkstationHold(workstation_id=wid, center_id=center_id, starts_at=starts, ends_at=ends,
                             purpose=purpose, label=label[:200], local_use_id=local_use_id, active=True,
                             created_by_id=created_by_id)
             for wid in ids]
    db.session.add_all(holds)
    flush_or_taken()
    return holds


def flush_or_taken(message: str = "所选工位刚被其他使用占用（客场预订、本地使用或签到），请刷新后重新选择。") -> None:
    """Flush, turning the database's refusal of an overlapping hold into HoldTaken."""
    try:
        db.session.flush()
    except (IntegrityError, OperationalError) as error:
        if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) not in ("40P01", "40001"):
            raise
        raise HoldTaken(message, field="workstation_ids") from None


def release(hold_ids, reason: str) -> int:
    """Free these holds (the rows stay, inactive); `hold_ids` a list or a selectable of ids."""
    return db.session.execute(
        update(WorkstationHold).where(WorkstationHold.id.in_(hold_ids), WorkstationHold.active.is_(True))
        .values(active=False, released_at=utcnow(), released_reason=reason[:200])
        .execution_options(synchronize_session=False)).rowcount


def future(workstation_ids: list[int], purposes=None, limit: int = 5) -> list[str]:
    """Active holds of these workstations not yet ended: '工位 X：label（time）', soonest first."""
    if not workstation_ids:
        return []
    stmt = (select(Workstation.code, WorkstationHold.label, WorkstationHold.starts_at)
            .join(WorkstationHold, WorkstationHold.workstation_id == Workstation.id)
            .where(WorkstationHold.workstation_id.in_(workstation_ids), WorkstationHold.active.is_(True),
                   WorkstationHold.ends_at > utcnow()))
    if purposes is not None:
        stmt = stmt.where(WorkstationHold.purpose.in_(purposes))
    rows = db.session.execute(stmt.order_by(WorkstationHold.starts_at).limit(limit)).all()
    return [f"工位 {code}：{label}（{rules.china_clock(starts)}）" for code, label, starts in rows]


def center_holds(center_id: int, lo: datetime, hi: datetime, purposes) -> list[tuple[WorkstationHold, str]]:
    """A center's active holds of these purposes starting in [lo, hi), by start and workstation code."""
    return list(db.session.execute(
        select(WorkstationHold, Workstation.code)
        .join(Workstation, WorkstationHold.workstation_id == Workstation.id)
        .where(WorkstationHold.center_id == center_id, WorkstationHold.active.is_(True),
               WorkstationHold.purpose.in_(purposes), WorkstationHold.starts_at >= lo,
               WorkstationHold.starts_at < hi)
        .order_by(WorkstationHold.starts_at, Workstation.code)).all())


def grouped(rows: list[tuple[WorkstationHold, str]]) -> list[dict]:
    """Holds of one use at one time as one item: purpose, label, start, end and the workstation codes."""
    items: dict[tuple, dict] = {}
    for hold, code in rows:
        key = (hold.purpose, hold.label, hold.starts_at, hold.ends_at)
        item = items.setdefault(key, {"id": hold.id, "purpose": hold.purpose, "label": hold.label,
                                      "starts_at": hold.starts_at, "ends_at": hold.ends_at, "codes": []})
        item["codes"].append(code)
    return list(items.values())


def end_early(hold_ids: list[int], at: datetime) -> int:
    """Shorten these active holds to end at `at` (an evaluation ended before its scheduled end frees its
    workstations from then on); holds already ended or not yet begun are left as they are."""
    if not hold_ids:
        return 0
    return db.session.execute(
        update(WorkstationHold).where(WorkstationHold.id.in_(hold_ids), WorkstationHold.active.is_(True),
                                      WorkstationHold.starts_at < at, WorkstationHold.ends_at > at)
        .values(ends_at=at).execution_options(synchronize_session=False)).rowcount
