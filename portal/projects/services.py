"""Projects, sections, thresholds and exemptions: every change audited in the caller's transaction."""
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from .. import uploads
from ..audit.services import current_actor_id, record, snapshot
from ..auth.recipients import center_staff_ids
from ..clock import china_today, to_china
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from ..models_base import utcnow
from ..notifications.services import notify
from ..orgs.models import Province, Region, TradingCenter
from ..workstations import local_use
from .holds import holds_of
from .models import Exemption, Project, Section, Threshold
from .rules import (
    FIELD_LABELS,
    SCOPE_FIELDS,
    Category,
    CombinedPart,
    ScopeDecision,
    SectionFacts,
    SiblingSection,
    ThresholdCategory,
    kind_amounts,
    scope_decision,
    section_change_problem,
)

PDF_MAX_BYTES = 20 * 1024 * 1024


class ProjectError(ChangeRefused):
    pass


# --- thresholds -------------------------------------------------------------------------------------------

def thresholds_on(day: date) -> dict[ThresholdCategory, Decimal]:
    """The threshold of each category in force on `day` (one query)."""
    rows = db.session.execute(select(Threshold.category, Threshold.amount_wan)
                              .where(Threshold.effective_from <= day)
                              .order_by(Threshold.effective_from)).all()
    return {category: amount for category, amount in rows}   # later rows replace earlier ones


def add_threshold(category: ThresholdCategory, amount: Decimal, effective_from: date, notice: str) -> Threshold:
    if amount is None or amount <= 0:
        raise ProjectError("限额应为大于 0 的金额（万元）。", "amount")
    clash = db.session.scalar(select(Threshold.id).where(Threshold.category == category,
                                                         Threshold.effective_from == effective_from))
    if clash is not None:
        raise ProjectError(f"{category.label}在 {effective_from:%Y-%m-%d} 已有一条标准；新的标准请使用新的生效日期。",
                           "effective_from")
    threshold = Threshold(category=category, amount_wan=amount, effective_from=effective_from, notice=notice,
                          created_by_id=current_actor_id())
    db.session.add(threshold)
    _flush_or_refuse(f"{category.label}在 {effective_from:%Y-%m-%d} 已有一条标准。", "effective_from")
    record("create", "threshold", threshold, after={"category": category.label, "amount_wan": str(amount),
                                                    "effective_from": effective_from.isoformat(),
                                                    "notice": notice})
    return threshold


def registration_day(section: Section | None) -> date:
    """Thresholds are those in force when the section was registered."""
    if section is not None and section.created_at is not None:
        return to_china(section.created_at).date()
    return china_today()


def decide(facts: SectionFacts, on: date, siblings: tuple[SiblingSection, ...] = ()) -> ScopeDecision:
    return scope_decision(facts, thresholds_on(on), siblings)


def siblings_of(project_id: int, exclude_id: int | None = None) -> tuple[SiblingSection, ...]:
    """The project's other sections as the same-kind sum (合并计算) needs them: plain values (one query)."""
    stmt = select(Section).where(Section.project_id == project_id).order_by(Section.code)
    if exclude_id is not None:
        stmt = stmt.where(Section.id != exclude_id)
    return tuple(SiblingSection(s.code, amounts) for s in db.session.scalars(stmt)
                 if (amounts := kind_amounts(s.facts())))


def _redecide_siblings(section: Section, project: Project) -> None:
    """A section's figures move its project's same-kind sums: the other sections' stored decisions follow."""
    others = list(db.session.scalars(select(Section).where(Section.project_id == project.id,
                                                           Section.id != section.id)))
    if not others:
        return
    everyone = [section, *others]
    for other in others:
        siblings = tuple(SiblingSection(s.code, amounts) for s in everyone
                         if s is not other and (amounts := kind_amounts(s.facts())))
        decision = decide(other.facts(), registration_day(other), siblings)
        if decision.level is other.remote_level and decision.estimate == other.estimated_price_wan:
            continue
        before = other.remote_level
        other.remote_level = decision.level
        other.estimated_price_wan = decision.estimate
        record("update", "section", other, label=f"{project.name} · {other}", region_id=project.region_id,
               before={"remote_level": before.label}, after={"remote_level": decision.level.label},
               summary=f"同一项目标段 {section.code} 变更后合并计算：{decision.level.label}")


# --- projects and sections --------------------------------------------------------------------------------

PROJECT_FIELDS = ("code", "name", "tenderee", "agency", "region_id")
SECTION_FIELDS = ("code", "name", "category", "contract_estimate_wan", "investment_estimate_wan", "budget_wan",
                  "epc_construction_wan", "epc_goods_wan", "epc_services_wan", "combined_parts",
                  "special_expert_needs", "special_specialties", "local_pool_insufficient", "main_center_id",
                  "evaluation_date", "start_time", "prequalification", "mandatory_tender")


def save_project(project: Project | None, data: dict, owner) -> Project:
    region = db.session.get(Region, data["region_id"]) if data.get("region_id") else None
    if region is None:
        raise ProjectError("请选择项目所属地区。", "region_id")
    code = data["code"].strip().upper()
    clash = db.session.scalar(select(Project.id).where(Project.code == code))
    if clash is not None and (project is None or clash != project.id):
        raise ProjectError(f"项目编号 {code} 已经登记过，请核对编号；同一项目的多个标段请在该项目下添加。", "code")
    before = snapshot(project, PROJECT_FIELDS) if project else None
    if project is None:
        project = Project(owner_id=owner.id)
        db.session.add(project)
    project.code, project.name = code, data["name"]
    project.tenderee, project.agency = data["tenderee"], data.get("agency") or None
    project.region_id = region.id
    _flush_or_refuse("项目编号已经登记过。", "code")
    record("update" if before else "create", "project", project, region_id=project.region_id,
           before=before, after=snapshot(project, PROJECT_FIELDS))
    return project


def save_section(project: Project, section: Section | None, data: dict, today: date | None = None) -> Section:
    today = today or china_today()
    center = db.session.get(TradingCenter, data["main_center_id"]) if data.get("main_center_id") else None
    if center is None or not center.active:
        raise ProjectError("请选择主场交易中心。", "main_center_id")
    home = db.session.scalar(select(Province.is_home).where(Province.id == center.province_id))
    if not home:
        raise ProjectError("主场应为本省的交易中心。", "main_center_id")
    evaluation_date = data.get("evaluation_date")
    if evaluation_date and evaluation_date < today and (section is None or section.evaluation_date != evaluation_date):
        raise ProjectError(f"评标日期 {evaluation_date:%Y-%m-%d} 已经过去，请填写今天或以后的日期。", "evaluation_date")
    code = data["code"].strip().upper()
    clash = db.session.scalar(select(Section.id).where(Section.project_id == project.id, Section.code == code))
    if clash is not None and (section is None or clash != section.id):
        raise ProjectError(f"本项目已有标段编号 {code}。", "code")
    before = snapshot(section, SECTION_FIELDS) if section else None
    # Compared as values (1200 and 1200.0000 万元 are one price), not as the audit's text.
    values_before = {name: getattr(section, name) for name in SECTION_FIELDS} if section else None
    if section is None:
        section = Section(project_id=project.id)
        db.session.add(section)
    section.code, section.name = code, data["name"]
    section.category = Category(data["category"])
    for name in ("contract_estimate_wan", "investment_estimate_wan", "budget_wan"):
        setattr(section, name, data.get(name))
    parts = [CombinedPart(v) for v in data.get("combined_parts") or []] \
        if section.category is Category.COMBINED else []
    section.combined_parts = ",".join(p.value for p in CombinedPart if p in parts)
    # Part amounts by kind: every kind for an EPC; for a combined procurement the kinds of its parts, and only
    # when it has parts of more than one kind (one kind's part is the whole estimate).
    kinds = {p.threshold_category for p in parts}
    for kind, name in ((ThresholdCategory.CONSTRUCTION, "epc_construction_wan"),
                       (ThresholdCategory.GOODS, "epc_goods_wan"), (ThresholdCategory.SERVICES, "epc_services_wan")):
        keep = section.category is Category.EPC or (kind in kinds and len(kinds) > 1)
        setattr(section, name, data.get(name) if keep else None)
    section.mandatory_tender = bool(data.get("mandatory_tender", True))
    section.special_expert_needs = bool(data.get("special_expert_needs"))
    section.special_specialties = (data.get("special_specialties") or None) if section.special_expert_needs else None
    section.local_pool_insufficient = bool(data.get("local_pool_insufficient")) and section.special_expert_needs
    section.main_center_id = center.id
    section.evaluation_date = evaluation_date
    section.start_time = data.get("start_time")
    section.prequalification = bool(data.get("prequalification"))
    after = snapshot(section, SECTION_FIELDS)
    changed = {name for name in SECTION_FIELDS if values_before and values_before[name] != getattr(section, name)}
    holds = holds_of(section.id) if before else []
    problem = section_change_problem(changed, bool(holds), any(h.ended for h in holds),
                                     "；".join(dict.fromkeys(h.reason for h in holds)),
                                     section.prequalification and any(h.cross_province for h in holds))
    if problem:   # shown above the form: the locked field itself is shown as stored
        raise ProjectError(problem[1], None)
    with db.session.no_autoflush:
        siblings = siblings_of(project.id, section.id)
        decision = decide(section.facts(), registration_day(section if before else None), siblings)
    level_before = section.remote_level
    section.remote_level = decision.level
    section.estimated_price_wan = decision.estimate
    _flush_or_refuse("本项目已有该标段编号。", "code")
    record("update" if before else "create", "section", section, label=f"{project.name} · {section}",
           region_id=project.region_id, before=before,
           after=after | {"remote_level": decision.level.label},
           summary=decision.level.label)
    _tell_guests(section, project, holds, [name for name in SCOPE_FIELDS if name in changed], level_before)
    _redecide_siblings(section, project)
    return section


def _tell_guests(section: Section, project: Project, holds, changed: list[str], level_before) -> None:
    """A change of the scope facts (price, category, prequalification) of a held section: the decision was
    re-run above; every guest center with a live request hears what changed and what the decision is now."""
    if not changed:
        return
    names = "、".join(FIELD_LABELS[name] for name in changed)
    decision = section.remote_level.label
    moved = "" if level_before is section.remote_level else f"（原为{level_before.label}）"
    text = f"标段 {project.name} · {section.name} 的{names}已修改，重新判定：{decision}{moved}。"
    for center_id, link in dict.fromkeys(g for h in holds for g in h.guests):
        notify(center_staff_ids(center_id), text, link, skip=current_actor_id())


def _flush_or_refuse(message: str, field: str | None = None):
    """A unique constraint lost to a concurrent request becomes the same message as the check above."""
    flush_or_refuse(message, field, ProjectError)


# --- exemptions -------------------------------------------------------------------------------------------

EXEMPTION_FEATURE = "exemptions"   # the stored files' feature of the written explanations


def pdf_problem(stream, max_bytes: int = PDF_MAX_BYTES) -> str | None:
    """Why an uploaded file is not an acceptable PDF, or None. Reads the stream and rewinds it."""
    head = stream.read(1024)
    size = len(head)
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > max_bytes:
            break
    stream.seek(0)
    if size == 0:
        return "上传的文件是空的。"
    if size > max_bytes:
        return "PDF 文件不能超过 20 MB，请压缩或拆分后再上传。"
    if b"%PDF-" not in head:
        return "上传的文件不是 PDF（文件内容不以 %PDF- 开头）。请上传扫描或导出的 PDF 文件。"
    return None


def record_exemption(section: Section, data: dict, pdf, batch: uploads.UploadBatch) -> Exemption:
    """The tenderee's written explanation for not using remote evaluation (seed 000, 一(三))."""
    if not section.remote_level.exemptable:
        raise ProjectError("该标段不属于原则上应采用远程异地评标的情形，无需书面说明。")
    exemption = db.session.scalar(select(Exemption).where(Exemption.section_id == section.id))
    if exemption is not None and exemption.filed:
        raise ProjectError("书面说明已向行政监督部门备案，不能再修改。")
    before = _exemption_snapshot(exemption) if exemption else None
    if exemption is None:
        exemption = Exemption(section_id=section.id)
        db.session.add(exemption)
    exemption.reason = data["reason"]
    exemption.explanation = data["explanation"]
    exemption.recorded_by_id = current_actor_id()
    if pdf is not None and getattr(pdf, "filename", ""):
        # A replaced PDF stays stored: nothing is deleted, the audit log keeps its checksum.
        stored = batch.store(pdf)
        exemption.pdf_key, exemption.pdf_size, exemption.pdf_sha256 = stored.key, stored.size, stored.sha256
        exemption.pdf_name = Path(pdf.filename).name[-200:] or "说明.pdf"
    elif exemption.pdf_key is None:
        raise ProjectError("请上传书面说明的 PDF 文件。", "pdf")
    _flush_or_refuse("该标段的书面说明刚被他人保存，请刷新页面后再试。")
    record("update" if before else "create", "exemption", exemption, label=f"{section}：{exemption}",
           region_id=section.project.region_id, before=before, after=_exemption_snapshot(exemption))
    return exemption


def mark_filed(section: Section, winner_determined_on: date, filed_on: date, filed_with: str,
               today: date | None = None) -> Exemption:
    """The explanation was submitted to the supervisory department after the winner was determined."""
    today = today or china_today()
    exemption = section.exemption
    if exemption.filed:
        raise ProjectError("该说明已经备案。")
    if filed_on < winner_determined_on:
        raise ProjectError("备案日期不能早于确定中标人的日期（应在确定中标人后提交）。", "filed_on")
    if filed_on > today or winner_determined_on > today:
        raise ProjectError("日期不能晚于今天。", "filed_on")
    before = _exemption_snapshot(exemption)
    exemption.winner_determined_on, exemption.filed_on = winner_determined_on, filed_on
    exemption.filed_with, exemption.filed_by_id = filed_with, current_actor_id()
    record("file", "exemption", exemption, label=f"{section}：{exemption}", region_id=section.project.region_id,
           before=before, after=_exemption_snapshot(exemption), summary=f"已向{filed_with}备案")
    return exemption


def _exemption_snapshot(exemption: Exemption) -> dict:
    # Not the explanation itself: it may concern state secrets, and the log is read region-wide.
    return {"reason": exemption.reason_label,
            "pdf_name": exemption.pdf_name, "pdf_sha256": exemption.pdf_sha256,
            "winner_determined_on": exemption.winner_determined_on.isoformat()
            if exemption.winner_determined_on else None,
            "filed_on": exemption.filed_on.isoformat() if exemption.filed_on else None,
            "filed_with": exemption.filed_with}


def record_winning(section: Section, amount: Decimal, today: date | None = None) -> Section:
    """The winning bid (中标金额) of a section, once it has been evaluated; the monthly report sums it."""
    today = today or china_today()
    if section.evaluation_date is None or section.evaluation_date > today:
        raise ProjectError("评标结束、确定中标人后才能登记中标金额。", "winning_bid_wan")
    if amount is None or amount < 0:
        raise ProjectError("请填写不小于 0 的中标金额（万元）。", "winning_bid_wan")
    before = {"winning_bid_wan": str(section.winning_bid_wan) if section.winning_bid_wan is not None else None}
    section.winning_bid_wan = amount
    section.winning_recorded_at = utcnow()
    record("winning", "section", section, label=str(section), region_id=section.project.region_id,
           before=before, after={"winning_bid_wan": str(amount)})
    return section


# --- local use of workstations (portal.workstations.local_use) ----------------------------------------------

def _sections_for_local_use(center_id: int) -> list[tuple[int, str]]:
    """A center's own sections (its main venue's) not yet evaluated, or without a date yet: (id, name)."""
    today = china_today()
    rows = db.session.execute(
        select(Section.id, Section.name, Section.evaluation_date)
        .where(Section.main_center_id == center_id,
               (Section.evaluation_date.is_(None)) | (Section.evaluation_date >= today))
        .order_by(Section.evaluation_date, Section.id).limit(200)).all()
    return [(sid, f"{name}（{day:%Y-%m-%d}）" if day else name) for sid, name, day in rows]


local_use.section_sources.append(_sections_for_local_use)
