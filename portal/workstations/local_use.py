"""Local use of a center's workstations (本地使用): local evaluations and maintenance blocks.

A local use holds the chosen workstations on every day it covers (a weekly repetition expanded into concrete
holds up to its last date), through the same holds table as guest bookings and sign-ins, so the database
refuses any overlap among them. Services flush; views commit.
"""
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import TradingCenter
from . import holds, rules
from .models import HoldPurpose, LocalUse, Workstation, WorkstationHold, WorkstationStatus
from .services import RegistryError

FIELDS = ("purpose", "section_id", "title", "first_date", "last_date", "start_time", "end_time", "weekday",
          "seats", "active", "cancel_reason")
MAX_CLASHES_SHOWN = 5

# Features above workstations that know a center's own tender sections (projects) register here a function
# giving, for a center id, its sections still to be evaluated as (id, name); workstations imports none of them.
section_sources: list[Callable[[int], list[tuple[int, str]]]] = []


def own_sections(center_id: int) -> list[tuple[int, str]]:
    """The center's own sections a local evaluation may be recorded for."""
    return [row for source in section_sources for row in source(center_id)]


def usable_workstations(center_id: int) -> list[Workstation]:
    """The center's workstations in use (available or under maintenance), by code."""
    return list(db.session.scalars(
        select(Workstation).options(selectinload(Workstation.venue))
        .where(Workstation.center_id == center_id, Workstation.status != WorkstationStatus.RETIRED)
        .order_by(Workstation.code)))


def create(center_id: int, data: dict, today: date) -> LocalUse:
    """Record a local use and hold its workstations on each day; RegistryError (Chinese) when it cannot be."""
    purpose = HoldPurpose(data["purpose"])
    if purpose not in (HoldPurpose.LOCAL_EVALUATION, HoldPurpose.MAINTENANCE):
        raise RegistryError("请选择本地评标或维护。", field="purpose")
    first, last, weekday = data["first_date"], data.get("last_date") or data["first_date"], data.get("weekday")
    ids = sorted(set(data.get("workstation_ids") or []))
    problems = rules.local_use_problems(first, last, data["start_time"], data["end_time"], weekday,
                                        len(ids) or None, today)
    if problems:
        raise RegistryError(" ".join(problems), field="first_date")
    if not ids:
        raise RegistryError("请选择要占用的工位。", field="workstation_ids")
    title = (data.get("title") or "").strip()
    section_id = data.get("section_id") if purpose is HoldPurpose.LOCAL_EVALUATION else None
    if section_id:
        sections = dict(own_sections(center_id))
        if section_id not in sections:
            raise RegistryError("只能选择本中心作为主场的标段。", field="section_id")
        title = title or sections[section_id]
    if not title:
        raise RegistryError("请填写项目名称（或选择本中心的标段）。" if purpose is HoldPurpose.LOCAL_EVALUATION
                            else "请填写维护原因。", field="title")
    allowed = (Workstation.status == WorkstationStatus.AVAILABLE if purpose is HoldPurpose.LOCAL_EVALUATION
               else Workstation.status != WorkstationStatus.RETIRED)
    valid = set(db.session.scalars(select(Workstation.id).where(
        Workstation.id.in_(ids), Workstation.center_id == center_id, allowed)))
    if valid != set(ids):
        raise RegistryError("所选工位须为本中心" + ("可用" if purpose is HoldPurpose.LOCAL_EVALUATION else "在用")
                            + "的工位，请重新选择。", field="workstation_ids")
    days = rules.occurrences(first, last, weekday)
    ranges = [rules.hold_range(day, data["start_time"], data["end_time"]) for day in days]
    found = [text for starts, ends in ranges for text in holds.clashes(ids, starts, ends)]
    if found:
        more = f"等共 {len(found)} 处" if len(found) > MAX_CLASHES_SHOWN else ""
        raise holds.HoldTaken("；".join(found[:MAX_CLASHES_SHOWN]) + more + "。请选择其他工位或时间。",
                              field="workstation_ids")
    actor = audit.current_actor_id()
    use = LocalUse(center_id=center_id, purpose=purpose, section_id=section_id, title=title[:200], first_date=first,
                   last_date=last, start_time=data["start_time"], end_time=data["end_time"], weekday=weekday,
                   seats=len(ids), active=True, created_by_id=actor)
    db.session.add(use)
    db.session.flush()
    label = (f"本地评标“{title}”" if purpose is HoldPurpose.LOCAL_EVALUATION else f"维护“{title}”")[:200]
    db.session.add_all([WorkstationHold(workstation_id=wid, center_id=center_id, starts_at=starts, ends_at=ends,
                                        purpose=purpose, label=label, local_use_id=use.id, active=True,
                                        created_by_id=actor)
                        for starts, ends in ranges for wid in ids])
    holds.flush_or_taken("所选工位刚被其他使用占用（客场预订、签到或本地使用），请刷新后重新选择。")
    codes = db.session.scalars(select(Workstation.code).where(Workstation.id.in_(ids))
                               .order_by(Workstation.code)).all()
    audit.record("create", "local_use", use, label=use.label, region_id=_region_of(center_id),
                 after={**audit.snapshot(use, FIELDS), "workstations": codes, "days": len(days)},
                 summary=f"登记{purpose.label}：{len(days)} 个日期 × {len(ids)} 个工位（{'、'.join(codes[:10])}）")
    return use


def cancel(use: LocalUse, reason: str) -> int:
    """Cancel a local use: its holds are released (the rows stay); returns how many were still active."""
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError("请填写取消原因。", field="reason")
    db.session.refresh(use, with_for_update=True)
    if not use.active:
        raise RegistryError("该本地使用已取消。")
    before = audit.snapshot(use, FIELDS)
    released = holds.release(select(WorkstationHold.id).where(WorkstationHold.local_use_id == use.id),
                             f"本地使用取消：{reason}")
    use.active = False
    use.cancelled_at = utcnow()
    use.cancelled_by_id = audit.current_actor_id()
    use.cancel_reason = reason[:200]
    db.session.flush()
    audit.record("cancel", "local_use", use, label=use.label, region_id=_region_of(use.center_id), before=before,
                 after=audit.snapshot(use, FIELDS), summary=f"取消{use.purpose.label}，释放占用 {released} 个")
    return released


def hold_counts(use_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """Per local use: (active holds, workstation codes)."""
    if not use_ids:
        return {}
    rows = db.session.execute(
        select(WorkstationHold.local_use_id, Workstation.code,
               func.count().filter(WorkstationHold.active.is_(True)))
        .join(Workstation, WorkstationHold.workstation_id == Workstation.id)
        .where(WorkstationHold.local_use_id.in_(use_ids))
        .group_by(WorkstationHold.local_use_id, Workstation.code).order_by(Workstation.code)).all()
    result: dict[int, tuple[int, list[str]]] = {}
    for use_id, code, active in rows:
        count, codes = result.get(use_id, (0, []))
        result[use_id] = (count + active, codes + [code])
    return result


def _region_of(center_id: int):
    return db.session.scalar(select(TradingCenter.region_id).where(TradingCenter.id == center_id))
