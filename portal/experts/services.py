"""Expert pool services: the specialty tree, expert records, transfers, the catalogue counts."""
from datetime import date

from flask import g, has_app_context
from sqlalchemy import and_, func, literal, or_, select, union_all, update
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..clock import china_today
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from ..fieldcrypt import blind_index
from ..models_base import utcnow
from ..orgs.models import Region
from ..orgs.services import home_regions
from ..spreadsheets import ImportCheck, RowError, cell_text, missing_columns
from .models import ID_NUMBER, Expert, ExpertSpecialty, PoolVersion, Specialty, SpecialtyMinimum
from .rules import (
    CODE_LENGTHS,
    IMPORT_COLUMNS,
    PoolRow,
    ShareScope,
    Status,
    check_expert_rows,
    duplicate_id_problem,
    code_level,
    id_number_problem,
    name_problem,
    normalise_id_number,
    normalise_name,
    specialty_code_problem,
    specialty_count_problem,
)

STARTER_SPECIALTIES = [
    ("A", "工程类"), ("A01", "房屋建筑工程"), ("A0101", "土建施工"), ("A0102", "装饰装修"), ("A0103", "建筑电气"),
    ("A0104", "给排水与暖通"), ("A02", "市政公用工程"), ("A0201", "道路桥梁"), ("A0202", "给排水管网"),
    ("A0203", "燃气热力"), ("A03", "公路工程"), ("A0301", "路基路面"), ("A0302", "桥梁隧道"), ("A04", "水利水电工程"),
    ("A05", "电力工程"), ("A06", "园林绿化工程"), ("A07", "工程造价"),
    ("B", "货物类"), ("B01", "机电设备"), ("B0101", "电梯"), ("B0102", "变配电设备"), ("B02", "建筑材料"),
    ("B03", "信息技术设备"), ("B04", "医疗设备"),
    ("C", "服务类"), ("C01", "工程勘察"), ("C02", "工程设计"), ("C0201", "建筑设计"), ("C0202", "市政设计"),
    ("C03", "工程监理"), ("C04", "造价咨询"), ("C05", "信息技术服务"),
]


class ExpertError(ChangeRefused):
    pass


# --- specialties --------------------------------------------------------------------------------------------

def specialty_tree(active_only: bool = False) -> list[Specialty]:
    """All specialties in code order (which is tree order: A, A01, A0101, A0102, A02, ...)."""
    stmt = select(Specialty).order_by(Specialty.code)
    if active_only:
        stmt = stmt.where(Specialty.active.is_(True))
    return list(db.session.scalars(stmt))


def load_starter_specialties() -> int:
    existing = set(db.session.scalars(select(Specialty.code)))
    added = 0
    by_code = {s.code: s for s in db.session.scalars(select(Specialty))}
    for code, name in STARTER_SPECIALTIES:
        if code in existing:
            continue
        parent = by_code.get(code[:CODE_LENGTHS[code_level(code) - 1]]) if code_level(code) > 1 else None
        specialty = Specialty(code=code, name=name, level=code_level(code), parent_id=parent.id if parent else None)
        db.session.add(specialty)
        db.session.flush()
        by_code[code] = specialty
        added += 1
    if added:
        bump_pool_version()
    return added


def save_specialty(specialty: Specialty | None, code: str, name: str, active: bool = True) -> Specialty:
    code = (code or "").strip().upper()
    level = code_level(code)
    parent = None
    if level and level > 1:
        parent = db.session.scalar(select(Specialty).where(Specialty.code == code[:CODE_LENGTHS[level - 1]]))
        if parent is None:
            raise ExpertError(f"上级代码 {code[:CODE_LENGTHS[level - 1]]} 不存在，请先添加上级。", "code")
    problem = specialty_code_problem(code, parent.code if parent else None)
    if problem:
        raise ExpertError(problem, "code")
    if specialty is not None and specialty.code != code:
        raise ExpertError("专业代码登记后不能修改（专家记录和历史报表引用它）；可以修改名称或停用。", "code")
    clash = db.session.scalar(select(Specialty.id).where(Specialty.code == code))
    if clash is not None and (specialty is None or clash != specialty.id):
        raise ExpertError(f"专业代码 {code} 已存在。", "code")
    before = {"code": specialty.code, "name": specialty.name, "active": specialty.active} if specialty else None
    bump_pool_version()
    if specialty is None:
        specialty = Specialty(code=code, level=level, parent_id=parent.id if parent else None)
        db.session.add(specialty)
    specialty.name, specialty.active = name, active
    flush_or_refuse(f"专业代码 {code} 已存在。", "code", ExpertError)
    record("update" if before else "create", "specialty", specialty, before=before,
           after={"code": code, "name": name, "active": active})
    return specialty


# --- experts ------------------------------------------------------------------------------------------------

EXPERT_FIELDS = ("name", "phone", "employer", "title", "status", "suspended_reason", "suspended_until",
                 "share_scope", "region_id")


def _snapshot(expert: Expert, specialty_codes) -> dict:
    """What the audit log keeps. Supervisors read the log of their region, so nothing personal: not the
    name, number, phone, employer, title or the reason of a suspension; only that they changed."""
    return {"status": expert.status.value if expert.status else None,
            "share_scope": expert.share_scope.value if expert.share_scope else None,
            "region_id": expert.region_id,
            "suspended_until": expert.suspended_until.isoformat() if expert.suspended_until else None,
            "specialties": ",".join(specialty_codes)}


def _personal(expert: Expert) -> tuple:
    return (expert.name, expert.id_number, expert.phone, expert.employer, expert.title, expert.suspended_reason)


def id_holders(numbers: list[str]) -> dict[str, tuple[int, int]]:
    """ID number -> (expert id, region id) for those already registered (500 per query). No region name: a
    refusal never says where another region's expert is registered (rules.duplicate_id_problem)."""
    # The numbers are encrypted at rest: the lookup compares their blind indexes.
    by_index = {blind_index(ID_NUMBER, number): number for number in numbers if number}
    indexes = list(by_index)
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(indexes), 500):
        for expert_id, index, region_id in db.session.execute(
                select(Expert.id, Expert.id_number_bidx, Expert.region_id)
                .where(Expert.id_number_bidx.in_(indexes[start:start + 500]))):
            found[by_index[index]] = (expert_id, region_id)
    return found


def save_expert(expert: Expert | None, data: dict, region_id: int, today: date | None = None) -> Expert:
    today = today or china_today()
    name = normalise_name(data.get("name"))
    problem = name_problem(name)
    if problem:
        raise ExpertError(problem, "name")
    id_number = normalise_id_number(data.get("id_number"))
    problem = id_number_problem(id_number)
    if problem:
        raise ExpertError(problem, "id_number")
    holder = id_holders([id_number]).get(id_number)
    if holder is not None and (expert is None or holder[0] != expert.id):
        raise ExpertError(duplicate_id_problem(holder[1], region_id), "id_number")
    specialty_ids = list(dict.fromkeys(data.get("specialty_ids") or []))
    problem = specialty_count_problem(len(specialty_ids))
    if problem:
        raise ExpertError(problem, "specialty_ids")
    specialties = {s.id: s for s in db.session.scalars(select(Specialty).where(Specialty.id.in_(specialty_ids)))}
    if len(specialties) != len(specialty_ids) or not all(s.active for s in specialties.values()):
        raise ExpertError("所选专业不存在或已停用，请重新选择。", "specialty_ids")
    status = Status(data.get("status") or Status.ACTIVE.value)
    if status is Status.SUSPENDED:
        if not data.get("suspended_reason"):
            raise ExpertError("暂停的专家请填写暂停原因。", "suspended_reason")
        unchanged = expert is not None and expert.status is Status.SUSPENDED and \
            expert.suspended_until == data.get("suspended_until")
        if data.get("suspended_until") and data["suspended_until"] < today and not unchanged:
            raise ExpertError("暂停截止日期不能早于今天。", "suspended_until")
    before = None
    if expert is not None:
        before = _snapshot(expert, [link.specialty.code for link in expert.specialty_links])
    else:
        expert = Expert(region_id=region_id)
        db.session.add(expert)
    personal_before = _personal(expert) if expert.id is not None else None
    expert.name, expert.id_number, expert.phone = name, id_number, data["phone"]
    expert.employer, expert.title = data["employer"], data.get("title") or None
    expert.status = status
    expert.suspended_reason = data.get("suspended_reason") if status is Status.SUSPENDED else None
    expert.suspended_until = data.get("suspended_until") if status is Status.SUSPENDED else None
    expert.share_scope = ShareScope(data.get("share_scope") or ShareScope.PROVINCE.value)
    expert.updated_at = utcnow()   # also when only the specialties change
    flush_or_refuse("该身份证号码刚被登记，请刷新后核对。", "id_number", ExpertError)
    _set_specialties(expert, specialty_ids)
    bump_pool_version()
    after = _snapshot(expert, [specialties[i].code for i in specialty_ids])
    personal_changed = personal_before is not None and personal_before != _personal(expert)
    record("update" if before else "create", "expert", expert, region_id=expert.region_id, before=before,
           after=after, summary="个人信息或工作单位已修改" if personal_changed else "")
    return expert


def _set_specialties(expert: Expert, specialty_ids: list[int]) -> None:
    """Replace the (flushed) expert's specialties, positions 1..n: rows are rewritten, never more than five."""
    db.session.execute(ExpertSpecialty.__table__.delete().where(ExpertSpecialty.expert_id == expert.id))
    db.session.expire(expert, ["specialty_links"])
    db.session.add_all([ExpertSpecialty(expert_id=expert.id, specialty_id=sid, position=n)
                        for n, sid in enumerate(specialty_ids, start=1)])


def transfer_expert(expert: Expert, region_id: int, reason: str) -> Expert:
    """A provincial admin moves an expert's record to the region the expert moved to."""
    if region_id == expert.region_id:
        raise ExpertError("专家已在该地区专家库。", "region_id")
    region = db.session.get(Region, region_id)
    if region is None:
        raise ExpertError("请选择转入地区。", "region_id")
    before = {"region_id": expert.region_id}
    old_region = expert.region_id
    expert.region_id = region.id
    expert.updated_at = utcnow()
    bump_pool_version()
    for side in (old_region, region.id):   # both regions keep the trail
        record("transfer", "expert", expert, region_id=side, before=before, after={"region_id": region.id},
               summary=reason)
    return expert


def record_view(expert: Expert, viewer) -> None:
    """A full record seen by someone of the province outside the owning region is audited."""
    if viewer.region_id != expert.region_id:
        record("view", "expert", expert, region_id=expert.region_id, actor=viewer,
               summary="查看专家完整信息")


# --- catalogue ----------------------------------------------------------------------------------------------

def available_clause(today: date):
    """Active experts, and suspended ones whose suspension has ended."""
    return or_(Expert.status == Status.ACTIVE,
               and_(Expert.status == Status.SUSPENDED, Expert.suspended_until.is_not(None),
                    Expert.suspended_until < today))


SCOPE_FILTERS = {
    "": ("全部", None),
    "province": ("全省可用（全省共享、跨省共享）", (ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE)),
    "cross_province": ("跨省可用", (ShareScope.CROSS_PROVINCE,)),
    "local": ("仅本地区", (ShareScope.LOCAL,)),
}


_CATALOGUE_CACHE: dict[tuple, dict] = {}
_CACHE_SIZE = 64
_POOL_CACHE: dict[tuple, list[PoolRow]] = {}    # (database, pool version, code) -> every region's rows
_POOL_CACHE_SIZE = 256


def forget_catalogue() -> None:
    """Drop the cached catalogues and pools of this process (the pool's version counter was reset)."""
    _CATALOGUE_CACHE.clear()
    _POOL_CACHE.clear()


def bump_pool_version() -> None:
    """Called by every change of the pool, inside its transaction (the row lock serialises writers)."""
    result = db.session.execute(update(PoolVersion).where(PoolVersion.id == 1).values(n=PoolVersion.n + 1))
    if has_app_context():
        g.pop("catalogue_version", None)
        g.pool_changed = True       # pools read later in this transaction are not kept (it may roll back)
    if result.rowcount == 0:
        db.session.add(PoolVersion(id=1, n=1))


def catalogue_version() -> int:
    """The pool's version: one primary-key read, once per request."""
    if has_app_context() and "catalogue_version" in g:
        return g.catalogue_version
    version = db.session.scalar(select(PoolVersion.n).where(PoolVersion.id == 1)) or 0
    if has_app_context():
        g.catalogue_version = version
    return version


def catalogue_counts(region_id: int | None = None, scope: str = "", today: date | None = None):
    """{(specialty code, region id or None for all): distinct available experts holding it or a descendant}.

    Sums over the full table (code, region, sharing scope) -> experts, which is computed by three grouped
    queries (one per tree level) when the pool has changed, and otherwise answered from memory after one
    version query. An expert has one region and one scope, so the distinct counts add up across them.
    """
    today = today or china_today()
    table = _full_catalogue(today)
    scopes = SCOPE_FILTERS.get(scope, SCOPE_FILTERS[""])[1]
    wanted = {s.value for s in scopes} if scopes else None
    counts: dict[tuple[str, int | None], int] = {}
    for (code, region, share), n in table.items():
        if (region_id and region != region_id) or (wanted and share not in wanted):
            continue
        counts[(code, region)] = counts.get((code, region), 0) + n
        counts[(code, None)] = counts.get((code, None), 0) + n
    return counts


def _full_catalogue(today: date) -> dict[tuple[str, int, str], int]:
    key = (str(db.engine.url), catalogue_version(), today)
    cached = _CATALOGUE_CACHE.get(key)
    if cached is not None:
        return cached
    table: dict[tuple[str, int, str], int] = {}
    for length in CODE_LENGTHS.values():
        prefix = func.substr(Specialty.code, 1, length)
        stmt = (select(prefix, Expert.region_id, Expert.share_scope, func.count(func.distinct(Expert.id)))
                .select_from(ExpertSpecialty)
                .join(Expert, ExpertSpecialty.expert_id == Expert.id)
                .join(Specialty, ExpertSpecialty.specialty_id == Specialty.id)
                .where(available_clause(today), func.length(Specialty.code) >= length)
                .group_by(prefix, Expert.region_id, Expert.share_scope))
        for code, region, share, n in db.session.execute(stmt):
            table[(code, region, share.value if hasattr(share, "value") else share)] = n
    if len(_CATALOGUE_CACHE) >= _CACHE_SIZE:
        _CATALOGUE_CACHE.clear()
    _CATALOGUE_CACHE[key] = table
    return table


def pool_rows(region_ids, codes) -> list[PoolRow]:
    """The pools of `region_ids` for the specialty `codes` ("" for any specialty), grouped by region, sharing
    scope, employer and suspension.

    Each code's rows for every region are read once per pool version (one query, a UNION ALL of one grouped
    select per code not yet in memory) and kept in this process until the pool changes: an availability search
    asks for every center's pool, which at full scale is a scan of the whole pool per code. Retired experts and
    open-ended suspensions are left out; whether a suspension is over on the evaluation day, the sharing scope
    and the avoided employers are the pure rule's (rules.eligible_count).
    """
    wanted, codes = set(region_ids), list(dict.fromkeys(codes))
    if not wanted or not codes:
        return []
    key = (str(db.engine.url), catalogue_version())
    known = {code: _POOL_CACHE.get(key + (code,)) for code in codes}
    missing = [code for code, rows in known.items() if rows is None]
    if missing:
        fresh = _read_pools(missing)
        if not (has_app_context() and g.get("pool_changed")):   # never keep what this transaction changed
            if len(_POOL_CACHE) + len(fresh) > _POOL_CACHE_SIZE:
                _POOL_CACHE.clear()
            _POOL_CACHE.update((key + (code,), rows) for code, rows in fresh.items())
        known.update(fresh)
    return [row for code in codes for row in known[code] if row.region_id in wanted]


def _read_pools(codes: list[str]) -> dict[str, list[PoolRow]]:
    may_serve = or_(Expert.status == Status.ACTIVE,
                    and_(Expert.status == Status.SUSPENDED, Expert.suspended_until.is_not(None)))
    columns = (Expert.region_id, Expert.share_scope, Expert.employer, Expert.suspended_until)
    selects = []
    for code in codes:
        stmt = select(literal(code).label("code"), *columns, func.count(func.distinct(Expert.id)).label("n"))
        if code:
            stmt = (stmt.select_from(ExpertSpecialty).join(Expert, ExpertSpecialty.expert_id == Expert.id)
                    .join(Specialty, ExpertSpecialty.specialty_id == Specialty.id)
                    .where(Specialty.code.startswith(code, autoescape=True)))
        selects.append(stmt.where(may_serve).group_by(*columns))
    found: dict[str, list[PoolRow]] = {code: [] for code in codes}
    for code, region, share, employer, until, n in db.session.execute(
            union_all(*selects) if len(selects) > 1 else selects[0]):
        found[code].append(PoolRow(code, region, ShareScope(getattr(share, "value", share)), employer or "", until, n))
    return found


# --- import and export --------------------------------------------------------------------------------------

def check_import(headers: list[str], body, own_region_id: int | None):
    """Read the rows against the database (a few queries whatever the size) and check them all."""
    missing = missing_columns(headers, IMPORT_COLUMNS)
    if missing:

        return ImportCheck(errors=[RowError(1, "", f"缺少列：{'、'.join(missing)}。请使用模板。")])
    keys = {header.strip(): key for key, header, _ in IMPORT_COLUMNS}
    rows = [(row_no, {keys[h.strip()]: cell for h, cell in zip(headers, cells) if h and h.strip() in keys})
            for row_no, cells in body]
    holders = id_holders([normalise_id_number(cell_text(r.get("id_number"))) for _, r in rows])
    specialty_ids = dict(db.session.execute(select(Specialty.code, Specialty.id).where(Specialty.active.is_(True))).all())
    region_ids = {r.name: r.id for r in home_regions()}
    return check_expert_rows(rows, specialty_ids, holders, own_region_id, region_ids)


def apply_import(check, filename: str, own_region_id: int | None = None) -> dict[str, int]:
    """All rows in one transaction: new experts added, existing ones (same region) updated."""
    if not check.ok:
        raise ExpertError("文件校验未通过，未导入任何数据。", "file")
    update_ids = [r["expert_id"] for r in check.rows if r["expert_id"]]
    existing: dict[int, Expert] = {}
    for start in range(0, len(update_ids), 500):
        existing.update((e.id, e) for e in db.session.scalars(
            select(Expert).where(Expert.id.in_(update_ids[start:start + 500]))
            .options(selectinload(Expert.specialty_links).joinedload(ExpertSpecialty.specialty))))
    codes = dict(db.session.execute(select(Specialty.id, Specialty.code)).all())
    added = updated = 0
    now = utcnow()
    updates = []
    for row in check.rows:
        expert = existing.get(row["expert_id"]) if row["expert_id"] else None
        if expert is None:
            expert = Expert(region_id=row["region_id"], status=Status(row["status"] or Status.ACTIVE.value))
            db.session.add(expert)
            added += 1
        else:
            updates.append((expert, _snapshot(expert, [link.specialty.code for link in expert.specialty_links]),
                            _personal(expert)))
            if row["status"]:   # a blank status leaves a suspension as it is
                expert.status = Status(row["status"])
                expert.suspended_reason = expert.suspended_until = None
            updated += 1
        expert.name, expert.id_number, expert.phone = row["name"], row["id_number"], row["phone"]
        expert.employer, expert.title = row["employer"], row["title"]
        expert.share_scope = ShareScope(row["share_scope"])
        expert.updated_at = now
    flush_or_refuse("导入期间有专家被他人登记，请重新上传。", "file", ExpertError)
    ids = list(existing)
    for start in range(0, len(ids), 500):
        db.session.execute(ExpertSpecialty.__table__.delete().where(ExpertSpecialty.expert_id.in_(ids[start:start + 500])))
    by_number = {number: holder[0] for number, holder in id_holders([r["id_number"] for r in check.rows]).items()}
    links = [{"expert_id": by_number[r["id_number"]], "specialty_id": sid, "position": n}
             for r in check.rows for n, sid in enumerate(r["specialty_ids"], start=1)]
    if links:
        db.session.execute(ExpertSpecialty.__table__.insert(), links)
    bump_pool_version()
    new_codes = {r["id_number"]: [codes[sid] for sid in r["specialty_ids"]] for r in check.rows}
    for expert, before, personal in updates:   # each changed record keeps its own trail
        after = _snapshot(expert, new_codes[expert.id_number])
        if after != before or personal != _personal(expert):
            record("update", "expert", expert, region_id=expert.region_id, before=before, after=after,
                   summary=f"批量导入（{filename[:80]}）")
    record("import", "expert", None, label=filename[:200], region_id=own_region_id, summary=f"新增 {added} 名，更新 {updated} 名",
           after={"rows": len(check.rows), "file": filename})
    return {"added": added, "updated": updated}


def export_rows(stmt) -> list[list]:
    rows = []
    for expert in db.session.scalars(stmt):
        rows.append([expert.name, expert.id_number, expert.phone, expert.employer, expert.title or "",
                     "、".join(link.specialty.code for link in expert.specialty_links), expert.share_scope.label,
                     expert.status.label, expert.region.name])
    return rows


def minimums() -> dict[int, int]:
    return dict(db.session.execute(select(SpecialtyMinimum.specialty_id, SpecialtyMinimum.minimum)).all())


def set_minimum(specialty: Specialty, minimum: int) -> None:
    row = db.session.get(SpecialtyMinimum, specialty.id)
    before = {"minimum": row.minimum} if row else None
    if row is None:
        row = SpecialtyMinimum(specialty_id=specialty.id, minimum=minimum)
        db.session.add(row)
    row.minimum = minimum
    flush_or_refuse("最低可用专家数刚被他人设定，请刷新页面后重试。", None, ExpertError)
    record("update", "specialty", specialty, before=before, after={"minimum": minimum}, summary="设定最低专家数")
