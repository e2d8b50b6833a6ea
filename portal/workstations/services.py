"""Workstation registry services: load -> rules -> change -> audit; they flush, views commit."""
from datetime import timedelta
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import dataversions
from ..audit import services as audit
from ..audit.services import snapshot
from ..auth.permissions import scope_clause
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import Province, Region, TradingCenter
from . import holds, rules
from .models import HoldPurpose, Venue, VenueStatus, Workstation, WorkstationHold, WorkstationStatus

WORKSTATION_FIELDS = ("code", "venue_id", "cross_province", "has_av", "has_id_reader",
                      "has_signature_pad", "status", "notes", "retire_reason")
VENUE_FIELDS = ("name", "center_id", "address", "notes", "status", "retire_reason")


class RegistryError(ChangeRefused):
    """A refused change of this feature."""


def _region_of(center_id: int):
    return db.session.scalar(select(TradingCenter.region_id).where(TradingCenter.id == center_id))


# ---------------------------------------------------------------- venues (评标场所)

def save_venue(venue: Venue | None, data: dict) -> Venue:
    """Create or edit a venue; the name is unique within its center."""
    creating = venue is None
    clash = db.session.scalar(select(Venue.id).where(
        Venue.center_id == data["center_id"], Venue.name == data["name"]))
    if clash is not None and (creating or clash != venue.id):
        raise RegistryError("该交易中心已有同名的评标场所。", field="name")
    before = None if creating else snapshot(venue, VENUE_FIELDS)
    if creating:
        venue = Venue(status=VenueStatus.ACTIVE)
        db.session.add(venue)
    elif data["center_id"] != venue.center_id:
        in_use = db.session.scalar(select(func.count()).where(Workstation.venue_id == venue.id))
        if in_use:
            raise RegistryError("场所已有工位，不能改到其他交易中心。", field="center_id")
    venue.center_id = data["center_id"]
    venue.name = data["name"]
    venue.address = data.get("address") or None
    venue.notes = data.get("notes") or None
    db.session.flush()
    audit.record("create" if creating else "update", "venue", venue, region_id=_region_of(venue.center_id),
                 before=before, after=snapshot(venue, VENUE_FIELDS))
    return venue


def retire_venue(venue: Venue, reason: str) -> int:
    """Retire a venue and every workstation in it still in use; returns how many workstations."""
    if venue.status is VenueStatus.RETIRED:
        raise RegistryError("该评标场所已停用。")
    region_id = _region_of(venue.center_id)
    in_use = db.session.scalars(select(Workstation).where(
        Workstation.venue_id == venue.id, Workstation.status != WorkstationStatus.RETIRED)).all()
    _refuse_if_booked([w.id for w in in_use], "随场所停用")
    for workstation in in_use:
        _retire_workstation(workstation, f"所属场所停用：{reason}", region_id)
    before = snapshot(venue, VENUE_FIELDS)
    venue.status = VenueStatus.RETIRED
    venue.retired_at = utcnow()
    venue.retire_reason = reason
    audit.record("retire", "venue", venue, region_id=region_id, before=before,
                 after=snapshot(venue, VENUE_FIELDS), summary=f"同时停用工位 {len(in_use)} 个")
    return len(in_use)


# ---------------------------------------------------------------- workstations (评标工位)

def save_workstation(workstation: Workstation | None, data: dict, venue: Venue) -> Workstation:
    """Create or edit a workstation in `venue` (already checked to be in the user's scope)."""
    if venue.status is VenueStatus.RETIRED:
        raise RegistryError("该评标场所已停用，不能在其中登记工位。", field="venue_id")
    code = rules.normalise_code(data["code"])
    problem = rules.code_problem(code)
    if problem:
        raise RegistryError(problem, field="code")
    creating = workstation is None
    clash = db.session.scalar(select(Workstation.id).where(
        Workstation.center_id == venue.center_id, Workstation.code == code))
    if clash is not None and (creating or clash != workstation.id):
        raise RegistryError(f"工位编号“{code}”在该交易中心已登记（含已停用的工位）。", field="code")
    status = WorkstationStatus(data["status"])
    if status is WorkstationStatus.RETIRED:
        raise RegistryError("停用工位请使用“停用”操作并填写原因。", field="status")
    before = None if creating else snapshot(workstation, WORKSTATION_FIELDS)
    if creating:
        workstation = Workstation()
        db.session.add(workstation)
    elif workstation.status is WorkstationStatus.RETIRED:
        raise RegistryError("已停用的工位不能修改；如需重新启用，请使用“恢复”。")
    elif (status is not WorkstationStatus.AVAILABLE and workstation.status is WorkstationStatus.AVAILABLE) or (
            workstation.cross_province and not data.get("cross_province")):
        _refuse_if_booked([workstation.id], "改为维护中或取消跨省标记")
    workstation.center_id = venue.center_id
    workstation.venue_id = venue.id
    workstation.code = code
    for name in ("cross_province", "has_av", "has_id_reader", "has_signature_pad"):
        setattr(workstation, name, bool(data.get(name)))
    workstation.status = status
    workstation.notes = data.get("notes") or None
    try:
        db.session.flush()
    except IntegrityError:
        # Someone registered the same code between our check and our write; the view rolls back.
        raise RegistryError(f"工位编号“{code}”在该交易中心已登记。", field="code") from None
    audit.record("create" if creating else "update", "workstation", workstation,
                 label=f"{venue.name} {code}", region_id=_region_of(venue.center_id), before=before,
                 after=snapshot(workstation, WORKSTATION_FIELDS))
    return workstation


def _refuse_if_booked(workstation_ids: list[int], doing: str) -> None:
    """A workstation held for something still to come (a guest booking, a local evaluation, a sign-in) keeps
    its status until that is settled; a maintenance block does not stand in the way."""
    held = holds.future(workstation_ids, purposes=[p for p in HoldPurpose if p is not HoldPurpose.MAINTENANCE])
    if held:
        raise RegistryError(f"以下工位此后仍有占用，不能{doing}：{'；'.join(held)}。"
                            "请先取消或改派这些占用（客场预订请与主场协商）。")


def _retire_workstation(workstation: Workstation, reason: str, region_id) -> None:
    before = snapshot(workstation, WORKSTATION_FIELDS)
    workstation.status = WorkstationStatus.RETIRED
    workstation.retired_at = utcnow()
    workstation.retire_reason = reason[:200]
    audit.record("retire", "workstation", workstation, region_id=region_id, before=before,
                 after=snapshot(workstation, WORKSTATION_FIELDS))


def retire_workstation(workstation: Workstation, reason: str) -> None:
    """Retire (停用) a workstation: it stays in the registry and its history, out of use."""
    if workstation.status is WorkstationStatus.RETIRED:
        raise RegistryError("该工位已停用。")
    _refuse_if_booked([workstation.id], "停用")
    _retire_workstation(workstation, reason, _region_of(workstation.center_id))


def restore_workstation(workstation: Workstation) -> None:
    """Bring a retired workstation back into use (its venue must be in use)."""
    if workstation.status is not WorkstationStatus.RETIRED:
        raise RegistryError("该工位未停用。")
    venue_status = db.session.scalar(select(Venue.status).where(Venue.id == workstation.venue_id))
    if venue_status is VenueStatus.RETIRED:
        raise RegistryError("所属评标场所已停用，请先恢复或更换场所。")
    before = snapshot(workstation, WORKSTATION_FIELDS)
    workstation.status = WorkstationStatus.AVAILABLE
    workstation.retired_at = None
    workstation.retire_reason = None
    audit.record("restore", "workstation", workstation, region_id=_region_of(workstation.center_id),
                 before=before, after=snapshot(workstation, WORKSTATION_FIELDS))


# ---------------------------------------------------------------- bulk import (批量导入)

def import_targets() -> dict[str, int]:
    """Centers the current user may import into, by name (and by alias)."""
    centers = db.session.execute(select(TradingCenter.id, TradingCenter.name, TradingCenter.alias)
                                 .where(scope_clause("workstations.manage", TradingCenter))).all()
    targets = {}
    for center_id, name, alias in centers:
        targets[name] = center_id
        if alias:
            targets.setdefault(alias, center_id)
    return targets


def check_import(headers: list[str], body: list[tuple[int, list]]) -> rules.ImportCheck:
    """Validate a whole table against the registry as it stands (nothing is written)."""
    missing = rules.missing_headers(headers)
    if missing:
        check = rules.ImportCheck()
        check.errors.append(rules.RowError(1, "", "缺少列：" + "、".join(missing) + "。请使用下载的模板。"))
        return check
    positions = {rules.HEADER_TO_KEY[h.strip()]: i for i, h in enumerate(headers)
                 if h and h.strip() in rules.HEADER_TO_KEY}
    rows = [(number, {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()})
            for number, cells in body]
    targets = import_targets()
    ids = set(targets.values())
    existing = set(db.session.execute(select(Workstation.center_id, Workstation.code)
                                      .where(Workstation.center_id.in_(ids))).all()) if ids else set()
    return rules.check_import_rows(rows, targets, existing)


def apply_import(check: rules.ImportCheck, filename: str) -> dict:
    """Write a fully valid import: missing venues are created, every row becomes a workstation."""
    if not check.ok:
        raise RegistryError("导入表有错误，未写入任何记录。")
    center_ids = {row["center_id"] for row in check.rows}
    venues = {(v.center_id, v.name): v for v in db.session.scalars(
        select(Venue).where(Venue.center_id.in_(center_ids)))}
    retired = [row for row in check.rows
               if (row["center_id"], row["venue"]) in venues
               and venues[(row["center_id"], row["venue"])].status is VenueStatus.RETIRED]
    if retired:
        raise RegistryError(f"第 {retired[0]['row']} 行：评标场所“{retired[0]['venue']}”已停用，"
                            "不能导入工位。未导入任何数据。")
    regions = dict(db.session.execute(select(TradingCenter.id, TradingCenter.region_id)
                                      .where(TradingCenter.id.in_(center_ids))).all())
    new_venues = []
    for row in check.rows:
        key = (row["center_id"], row["venue"])
        if key not in venues:
            venue = Venue(center_id=row["center_id"], name=row["venue"], status=VenueStatus.ACTIVE)
            db.session.add(venue)
            venues[key] = venue
            new_venues.append(venue)
    db.session.flush()
    for venue in new_venues:
        audit.record("create", "venue", venue, region_id=regions[venue.center_id],
                     after=snapshot(venue, VENUE_FIELDS), summary=f"由导入文件 {filename} 新建")
    rows = [dict(center_id=row["center_id"], venue_id=venues[(row["center_id"], row["venue"])].id,
                 code=row["code"], cross_province=row["cross_province"], has_av=row["has_av"],
                 has_id_reader=row["has_id_reader"], has_signature_pad=row["has_signature_pad"],
                 status=WorkstationStatus(row["status"]), notes=row["notes"],
                 created_at=utcnow(), updated_at=utcnow())
            for row in check.rows]
    try:
        db.session.execute(Workstation.__table__.insert(), [
            {**r, "status": r["status"].value} for r in rows])
    except IntegrityError:  # the view rolls back the whole import
        raise RegistryError("导入期间有工位编号被他人登记，未导入任何数据。请重新上传。") from None
    per_center: dict[int, int] = {}
    for row in check.rows:
        per_center[row["center_id"]] = per_center.get(row["center_id"], 0) + 1
    names = {row["center_id"]: row["center"] for row in check.rows}
    for center_id, count in per_center.items():
        audit.record("import", "workstation", label=names[center_id], region_id=regions[center_id],
                     after={"file": filename, "rows": count,
                            "codes": [r["code"] for r in check.rows if r["center_id"] == center_id][:200]},
                     summary=f"从 {filename} 导入工位 {count} 个")
    return {"workstations": len(rows), "venues": [v.name for v in new_venues]}


# ---------------------------------------------------------------- directory figures

def active_clause():
    return Workstation.status != WorkstationStatus.RETIRED


def workstation_counts() -> dict[int, tuple[int, int, int, int]]:
    """Per center: (in use, cross-province in use, available, cross-province available) workstations.

    One grouped read of the covering index ix_workstations_center_status_cross, kept in memory while the
    workstations are unchanged (portal.dataversions: the database stamps every change of the table)."""
    def count():
        in_use = active_clause()
        available = Workstation.status == WorkstationStatus.AVAILABLE
        cross = Workstation.cross_province.is_(True)
        rows = db.session.execute(select(
            Workstation.center_id, func.count().filter(in_use), func.count().filter(in_use, cross),
            func.count().filter(available), func.count().filter(available, cross),
        ).group_by(Workstation.center_id))
        return {center_id: (total, cross_n, available_n, cross_available)
                for center_id, total, cross_n, available_n, cross_available in rows}
    return dataversions.kept("workstation_counts", ("workstations",), None, count)


class CenterCounts(NamedTuple):
    id: int
    name: str
    region_id: int | None
    region: str | None
    sort_order: int | None
    province: str
    province_order: int
    total: int
    cross: int
    available: int
    cross_available: int
    free_now: int


def center_counts(where=()) -> list[CenterCounts]:
    """Per center, in the directory's order: its place and (in use, cross-province, available, cross available,
    free now) workstations.

    "Free now" (当前空闲): available and not held at this moment by anything (a guest booking, local use,
    maintenance, a sign-in), counted from the holds alone (a short range of their start times; a hold is taken
    only on a workstation that could be used, so every one held counts against the available ones, never below
    zero). The other counts come from workstation_counts(); one query of the centers with their holds."""
    now = utcnow()
    held = (select(WorkstationHold.center_id,
                   func.count(func.distinct(WorkstationHold.workstation_id)).label("held"))
            .where(holds.overlapping(now, now + timedelta(seconds=1)))
            .group_by(WorkstationHold.center_id))
    if where:
        held = held.where(WorkstationHold.center_id.in_(select(TradingCenter.id).where(*where)))
    held = held.subquery()
    stmt = (select(
        TradingCenter.id, TradingCenter.name, TradingCenter.region_id, Region.name.label("region"),
        Region.sort_order, Province.name.label("province"), Province.sort_order.label("province_order"),
        func.coalesce(held.c.held, 0),
    ).select_from(TradingCenter)
        .join(Province, TradingCenter.province_id == Province.id)
        .outerjoin(Region, TradingCenter.region_id == Region.id)
        .outerjoin(held, held.c.center_id == TradingCenter.id)
        .where(*where)
        .order_by(Province.sort_order, Region.sort_order, TradingCenter.name))
    counts = workstation_counts()
    rows = []
    for *place, taken in db.session.execute(stmt):
        total, cross, available, cross_available = counts.get(place[0], (0, 0, 0, 0))
        rows.append(CenterCounts(*place, total, cross, available, cross_available, max(0, available - taken)))
    return rows


def matching_count(row, status: str, capability: str) -> int | None:
    """How many of one center's workstations the directory lists for a status and capability filter, from its
    counts row; None where the counts cannot tell (retired or every status)."""
    local, local_available = row.total - row.cross, row.available - row.cross_available
    table = {
        ("", ""): row.total, ("", "cross"): row.cross, ("", "local"): local,
        ("available", ""): row.available, ("available", "cross"): row.cross_available,
        ("available", "local"): local_available,
        ("maintenance", ""): row.total - row.available, ("maintenance", "cross"): row.cross - row.cross_available,
        ("maintenance", "local"): local - local_available,
    }
    return table.get((status, capability))


def matching_total(counts, status: str, capability: str) -> int | None:
    """How many workstations the directory lists for the filter, summed over the centers' counts (so the page
    needs no count query of its own); None where the counts cannot tell."""
    if matching_count(EMPTY_COUNTS, status, capability) is None:
        return None
    return sum(matching_count(row, status, capability) for row in counts)


COUNT_KEYS = ("total", "cross", "available", "cross_available", "free_now")
EMPTY_COUNTS = SimpleNamespace(**{key: 0 for key in COUNT_KEYS})


def group_counts(rows) -> list[dict]:
    """Center rows grouped by region (Jilin) or province (partners), in order, with subtotals."""
    groups: list[dict] = []
    for row in rows:
        label = row.region or row.province
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "region_id": row.region_id, "rows": [],
                           **{k: 0 for k in COUNT_KEYS}})
        groups[-1]["rows"].append(row)
        for key in COUNT_KEYS:
            groups[-1][key] += getattr(row, key)
    return groups


def standing_secondary_compliance():
    """The standing cross-province secondary venues with their cross-province workstations (in use and
    available, from workstation_counts()) and the rule's verdict; kept while centers and workstations are
    unchanged (plain rows, no ORM objects)."""
    def compute():
        counts = workstation_counts()
        stmt = (select(TradingCenter.id, TradingCenter.name, TradingCenter.alias, TradingCenter.standing_required)
                .select_from(TradingCenter)
                .outerjoin(Region, TradingCenter.region_id == Region.id)
                .where(TradingCenter.is_standing_secondary.is_(True))
                .order_by(Region.sort_order, TradingCenter.name))
        rows = []
        for center_id, name, alias, required in db.session.execute(stmt):
            _, actual, _, available = counts.get(center_id, (0, 0, 0, 0))
            row = StandingCount(center_id, name, alias, required, actual, available)
            rows.append((row, rules.standing_compliance(required, actual)))
        return tuple(rows)
    return list(dataversions.kept("standing_compliance", ("workstations", "trading_centers", "regions"), None,
                                  compute))


class StandingCount(NamedTuple):
    id: int
    name: str
    alias: str | None
    standing_required: int | None
    actual: int
    available: int