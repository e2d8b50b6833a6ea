"""Inbound work (跨省副场): a center of this province registers the guest-seat request it received from another
province's main venue (a partner's letter, fax or phone call), so that the request enters the same inbox and
life cycle as one filed here: accept with workstations, reject, change, cancel, then the guest venue's day.

The partner's project and section are recorded as the partner gives them (names and codes) in a project marked
with its host center (Project.host_center_id); the request is marked inbound, and the host's staff act for the
main side, which has no staff in this portal.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ...audit import services as audit
from ...clock import china_today
from ...extensions import db
from ...orgs.models import Province, TradingCenter
from ...partners.services import may_host_for
from ...projects.models import Project, Section
from ...projects.rules import Category, Level
from .. import rules
from ..models import SeatRequest
from ..rules import Action, Move, Side, Status
from .availability import capacities
from .common import AUDIT_FIELDS, BookingError, move
from .filing import GuestAsk, _filing_facts, check_experts, set_deadline, store


@dataclass(frozen=True)
class Registered:
    """The registered request and what the host should know about it (late, not a working day)."""

    request: SeatRequest
    warnings: tuple[str, ...]


def partner_centers() -> list[TradingCenter]:
    """The active centers of other provinces, by province then name: who may send a request."""
    return list(db.session.scalars(
        select(TradingCenter).join(Province, TradingCenter.province_id == Province.id)
        .options(contains_eager(TradingCenter.province))
        .where(Province.is_home.is_(False), TradingCenter.active.is_(True))
        .order_by(Province.sort_order, TradingCenter.name)))


def _project(host: TradingCenter, data: dict) -> Project:
    """The partner's project: the one this host registered before under the same code, or a new one."""
    code = data["project_code"].strip().upper()
    project = db.session.scalars(select(Project).where(Project.code == code)).first()
    if project is not None and project.host_center_id != host.id:
        raise BookingError(f"项目编号 {code} 已被本系统中的其他项目使用。请核对合作方提供的编号；确系不同项目的，"
                           "可在编号后加上合作方省份简称（如“-鄂”）再登记。", field="project_code")
    if project is None:
        project = Project(code=code, owner_id=audit.current_actor_id(), host_center_id=host.id,
                          region_id=host.region_id)
        db.session.add(project)
    project.name, project.tenderee = data["project_name"], data["tenderee"]
    project.agency = data.get("agency") or None
    return project


def _section(project: Project, main: TradingCenter, data: dict) -> Section:
    """The partner's section, found by its code within the project or new; its timing is the request's."""
    code = data["section_code"].strip().upper()
    section = None
    if project.id is not None:
        section = db.session.scalars(select(Section).where(Section.project_id == project.id,
                                                           Section.code == code)).first()
    if section is None:
        section = Section(project=project, code=code)
        db.session.add(section)
    elif section.main_center_id != main.id:
        raise BookingError(f"该项目的标段 {code} 已登记为{db.session.get(TradingCenter, section.main_center_id).name}"
                           "的项目，请核对主场交易中心。", field="main_center_id")
    section.name = data["section_name"]
    section.category = Category(data["category"])
    section.budget_wan = data["budget_wan"]
    section.estimated_price_wan = data["budget_wan"]
    section.main_center_id = main.id
    section.evaluation_date, section.start_time = data["evaluation_date"], data["start_time"]
    # The partner's rules decided that it goes remote; this province's thresholds do not apply to it.
    section.remote_level = Level.NOT_REQUIRED
    return section


def register(host: TradingCenter, data: dict, today: date | None = None) -> Registered:
    """Register another province's request to `host` as submitted (received), with every check of a filing
    that concerns the host: the reverse partner rule, the committee, the host's workstations and experts."""
    today = today or china_today()
    main = db.session.get(TradingCenter, data["main_center_id"]) if data.get("main_center_id") else None
    if main is None:
        raise BookingError("请选择发来申请的外省主场交易中心。", field="main_center_id")
    day, start, minutes = data["evaluation_date"], data["start_time"], data["duration_minutes"]
    if day < today:
        raise BookingError(f"评标日期 {day:%Y-%m-%d} 已经过去，请核对合作方来函中的评标日期。", field="evaluation_date")
    decision = may_host_for(main, host, day)
    if not decision.allowed:
        raise BookingError(decision.reason, field="main_center_id")
    seats = data["seats"]
    deadline, facts = _filing_facts(day, data["committee_size"], (seats,), today)
    problems = rules.filing_problems(facts)
    refused = [p for p in problems if p[0] != "evaluation_date"]
    if refused:
        raise BookingError(refused[0][1], field=refused[0][0])
    problem = rules.seats_problem(seats, host.name, capacities([host.id], True).get(host.id, 0), True)
    if problem:
        raise BookingError(problem, field="seats")
    if len(data.get("specialty_ids") or ()) > 5:
        raise BookingError("专业条件最多选择 5 个。", field="specialty_ids")
    project = _project(host, data)
    section = _section(project, main, data)
    try:
        db.session.flush()
    except IntegrityError:
        raise BookingError("项目或标段编号与已登记的记录重复，请核对后再登记。", field="project_code") from None
    ask = GuestAsk(host.id, seats, tuple(data.get("specialty_ids") or ()))
    check_experts(section, day, [ask], {host.id: host})
    starts, ends = rules.evaluation_range(day, start, minutes)
    req = SeatRequest(
        section_id=section.id, main_center_id=main.id, guest_center_id=host.id, cross_province=True, inbound=True,
        requested_by_id=audit.current_actor_id(), status=Status.DRAFT, evaluation_date=day, start_time=start,
        duration_minutes=minutes, starts_at=starts, ends_at=ends, committee_size=data["committee_size"],
        seats_requested=seats, notes=data.get("notes") or None,
        partner_contact=data.get("partner_contact") or None, partner_reference=data.get("partner_reference") or None,
        partner_system_id=data.get("partner_system_id"))
    store(req, ask, section, host, main, field="section_code",
          duplicate=f"{section.name}已向{host.name}登记过客场机位申请（未撤回），不能重复登记；如合作方有变更，请在原申请上办理。",
          summary=f"登记{main.name}发来的客场机位申请 {seats} 个（跨省副场）",
          fields=(*AUDIT_FIELDS, "partner_contact", "partner_reference"))
    set_deadline(req, deadline)
    move(req, Move(Action.SUBMIT, Side.MAIN), section=section, guest=host, main=main,
         summary=f"已登记外省主场{main.name}的申请，等待本中心确认")
    return Registered(req, tuple(p[1].replace("客场机位申请最迟应于", "按本省规则，客场机位申请最迟应于")
                                 for p in problems if p[0] == "evaluation_date"))
