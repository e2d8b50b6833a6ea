"""Cooperation services: pairings and joint testing (with audit), and the may-ask check on the database."""
from datetime import date

from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..clock import china_today
from ..errors import ChangeRefused
from ..extensions import db
from ..orgs.models import Province, Region, TradingCenter
from ..workstations import standing
from . import rules
from .models import JointTestCenter, JointTestEvent, JointTestStatus, Pairing, PairingPartner


class PartnerError(ChangeRefused):
    """A refused change of cooperation records."""


def _snapshot(pairing: Pairing, partner_ids: list[int]) -> dict:
    return {"implementing_center_id": pairing.implementing_center_id,
            "partner_center_ids": partner_ids,
            "start_date": pairing.start_date.isoformat() if pairing.start_date else None,
            "end_date": pairing.end_date.isoformat() if pairing.end_date else None,
            "basis": pairing.basis, "notes": pairing.notes}


def save_pairing(pairing: Pairing | None, data: dict) -> Pairing:
    """Create or edit a pairing: partners are centers of other provinces, in the order chosen."""
    implementing = db.session.get(TradingCenter, data["implementing_center_id"])
    partner_ids = [int(i) for i in dict.fromkeys(data["partner_center_ids"] or [])]
    if implementing is None:
        raise PartnerError("请选择实施单位。", field="implementing_center_id")
    if not partner_ids:
        raise PartnerError("请至少选择一个合作援助单位。", field="partner_center_ids")
    if implementing.id in partner_ids:
        raise PartnerError("实施单位不能同时是自己的合作援助单位。", field="partner_center_ids")
    same_province = db.session.scalars(select(TradingCenter.name).where(
        TradingCenter.id.in_(partner_ids), TradingCenter.province_id == implementing.province_id)).all()
    if same_province:
        raise PartnerError("对口合作用于跨省远程异地评标，合作援助单位须为外省交易中心："
                           + "、".join(same_province) + "与实施单位同省。", field="partner_center_ids")
    if data.get("end_date") and data["end_date"] < data["start_date"]:
        raise PartnerError("结束日期不能早于开始日期。", field="end_date")
    creating = pairing is None
    before = None
    if creating:
        pairing = Pairing()
        db.session.add(pairing)
    else:
        before = _snapshot(pairing, [p.partner_center_id for p in pairing.partners])
    pairing.implementing_center_id = implementing.id
    pairing.start_date = data["start_date"]
    pairing.end_date = data.get("end_date")
    pairing.basis = data.get("basis") or ""
    pairing.notes = data.get("notes") or None
    # Keep the rows of partners that stay (a delete-then-insert of the same partner would meet the
    # unique constraint before the delete), add the new ones, drop the others.
    kept = {link.partner_center_id: link for link in pairing.partners} if not creating else {}
    links = []
    for position, pid in enumerate(partner_ids):
        link = kept.pop(pid, None) or PairingPartner(partner_center_id=pid)
        link.position = position
        links.append(link)
    pairing.partners = links
    db.session.flush()
    audit.record("create" if creating else "update", "pairing", pairing,
                 label=f"{implementing.name} 对口合作", region_id=implementing.region_id,
                 before=before, after=_snapshot(pairing, partner_ids))
    return pairing


def end_pairing(pairing: Pairing, end_date: date) -> None:
    """End a pairing on a date (the last day it is in force); the record stays."""
    if end_date < pairing.start_date:
        raise PartnerError("结束日期不能早于开始日期。", field="end_date")
    before = {"end_date": pairing.end_date.isoformat() if pairing.end_date else None}
    pairing.end_date = end_date
    audit.record("update", "pairing", pairing, before=before, after={"end_date": end_date.isoformat()},
                 summary="结束对口合作")


def home_centers():
    """The home province's active centers (本省交易中心) that may take part in joint testing, in the regions'
    order: (id, name, alias)."""
    return db.session.execute(
        select(TradingCenter.id, TradingCenter.name, TradingCenter.alias)
        .join(Province, TradingCenter.province_id == Province.id)
        .outerjoin(Region, TradingCenter.region_id == Region.id)
        .where(Province.is_home.is_(True), TradingCenter.active.is_(True))
        .order_by(Region.sort_order, TradingCenter.level_rank(), TradingCenter.name)).all()


def add_joint_test_event(province: Province, data: dict) -> JointTestEvent:
    """Record a step of joint testing with a partner province and the home-province centers that took part."""
    if province.is_home:
        raise PartnerError("联调联试记录的是与外省的测试，请选择合作省份。")
    center_ids = [int(i) for i in dict.fromkeys(data.get("center_ids") or [])]
    if center_ids:
        home = set(db.session.scalars(
            select(TradingCenter.id).join(Province, TradingCenter.province_id == Province.id)
            .where(TradingCenter.id.in_(center_ids), Province.is_home.is_(True))))
        if home != set(center_ids):
            raise PartnerError("参与的交易中心须为本省交易中心。", field="center_ids")
    event = JointTestEvent(province_id=province.id, status=JointTestStatus(data["status"]),
                           event_date=data["event_date"], workstations=data.get("workstations") or None,
                           result=data.get("result") or None, notes=data.get("notes") or None,
                           recorded_by=current_user.username if current_user.is_authenticated else "系统")
    db.session.add(event)
    db.session.flush()
    db.session.add_all(JointTestCenter(event_id=event.id, center_id=center_id) for center_id in center_ids)
    db.session.flush()
    audit.record("create", "joint_test", event, label=f"{province.name} 联调联试",
                 after={"status": event.status.value, "event_date": event.event_date.isoformat(),
                        "workstations": event.workstations, "result": event.result, "center_ids": center_ids})
    return event


# ---------------------------------------------------------------- reading

def pairings_query(include_ended: bool = True, today: date | None = None):
    stmt = (select(Pairing)
            .join(TradingCenter, Pairing.implementing_center_id == TradingCenter.id)
            # many-to-one joined, the one-to-many list in one more query: 2 queries for any number
            .options(joinedload(Pairing.implementing_center).joinedload(TradingCenter.province),
                     selectinload(Pairing.partners).joinedload(PairingPartner.partner_center)
                     .joinedload(TradingCenter.province))
            .order_by(Pairing.end_date.is_not(None), TradingCenter.province_id, Pairing.id))
    if not include_ended:
        today = today or china_today()
        stmt = stmt.where((Pairing.end_date.is_(None)) | (Pairing.end_date >= today))
    return stmt


def joint_test_overview():
    """Per partner province: its latest joint-testing step and how many steps are recorded."""
    latest = (select(JointTestEvent.province_id, func.max(JointTestEvent.id).label("last_id"),
                     func.count(JointTestEvent.id).label("steps"))
              .group_by(JointTestEvent.province_id).subquery())
    stmt = (select(Province, JointTestEvent, latest.c.steps)
            .outerjoin(latest, latest.c.province_id == Province.id)
            .outerjoin(JointTestEvent, JointTestEvent.id == latest.c.last_id)
            .where(Province.is_home.is_(False))
            .order_by(Province.sort_order))
    return db.session.execute(stmt).all()


def _taken(center_id: int, event: JointTestEvent, province_name: str) -> standing.JointTestTaken:
    return standing.JointTestTaken(center_id=center_id, event_id=event.id, event_date=event.event_date,
                                   province_id=event.province_id, province=province_name,
                                   status=event.status.label, badge=event.status.badge, result=event.result)


def joint_tests_taken(center_ids: list[int]) -> list[standing.JointTestTaken]:
    """The joint-testing steps the centers took part in, newest first (for the standing venues' record)."""
    stmt = (select(JointTestCenter.center_id, JointTestEvent, Province.name)
            .join(JointTestEvent, JointTestEvent.id == JointTestCenter.event_id)
            .join(Province, Province.id == JointTestEvent.province_id)
            .where(JointTestCenter.center_id.in_(center_ids))
            .order_by(JointTestEvent.event_date.desc(), JointTestEvent.id.desc()))
    return [_taken(center_id, event, name) for center_id, event, name in db.session.execute(stmt)]


standing.joint_test_sources.append(joint_tests_taken)


def joint_tests_with_taken(center_ids: list[int]):
    """joint_test_overview() and joint_tests_taken(center_ids) in one query, for the partners page: every step
    of every partner province (a short table: a few steps each), with the given centers that took part."""
    stmt = (select(Province, JointTestEvent, JointTestCenter.center_id)
            .outerjoin(JointTestEvent, JointTestEvent.province_id == Province.id)
            .outerjoin(JointTestCenter, (JointTestCenter.event_id == JointTestEvent.id)
                       & JointTestCenter.center_id.in_(center_ids))
            .where(Province.is_home.is_(False))
            .order_by(Province.sort_order, Province.id, JointTestEvent.id))
    provinces: dict[int, list] = {}     # province id -> [province, latest step, {step ids}]
    taken = []
    for province, event, center_id in db.session.execute(stmt):
        entry = provinces.setdefault(province.id, [province, None, set()])
        if event is None:
            continue
        entry[2].add(event.id)
        if entry[1] is None or event.id > entry[1].id:   # the latest step is the last recorded, as in the overview
            entry[1] = event
        if center_id is not None:
            taken.append(_taken(center_id, event, province.name))
    taken.sort(key=lambda t: (t.event_date, t.event_id), reverse=True)
    return [(province, event, len(ids)) for province, event, ids in provinces.values()], taken


def _facts(center: TradingCenter) -> rules.CenterFacts:
    return rules.CenterFacts(center.id, center.name, center.province_id, center.active)


def may_request(requester_id: int, guest_id: int, day: date) -> rules.Decision:
    """The may-ask rule on the stored centers and pairings (for the seat-request workflow)."""
    requester = db.session.get(TradingCenter, requester_id)
    guest = db.session.get(TradingCenter, guest_id)
    if requester is None or guest is None:
        return rules.Decision(False, "交易中心不存在。")
    return may_request_many(requester, [guest], day)[guest.id]


def may_request_many(requester: TradingCenter, guests: list[TradingCenter], day: date) -> dict[int, rules.Decision]:
    """The may-ask rule for many guest centers at once: one query for the requester's pairings."""
    pairings = db.session.scalars(select(Pairing).options(selectinload(Pairing.partners))
                                  .where(Pairing.implementing_center_id == requester.id)).all()
    facts = [rules.PairingFacts(p.implementing_center_id, frozenset(x.partner_center_id for x in p.partners),
                                p.start_date, p.end_date) for p in pairings]
    mine = _facts(requester)
    return {g.id: rules.may_request_guest_seats(mine, _facts(g), day, facts) for g in guests}


def may_host_for(main: TradingCenter, host: TradingCenter, day: date) -> rules.Decision:
    """The reverse may-ask rule on the stored records (inbound work): main's pairings and its province's latest
    joint-testing step, two queries."""
    pairings = db.session.scalars(select(Pairing).options(selectinload(Pairing.partners))
                                  .where(Pairing.implementing_center_id == main.id)).all()
    facts = [rules.PairingFacts(p.implementing_center_id, frozenset(x.partner_center_id for x in p.partners),
                                p.start_date, p.end_date) for p in pairings]
    step = db.session.scalar(select(JointTestEvent.status).where(JointTestEvent.province_id == main.province_id)
                             .order_by(JointTestEvent.id.desc()).limit(1))
    province = db.session.get(Province, main.province_id)
    home_id = db.session.scalar(select(Province.id).where(Province.is_home.is_(True)))
    return rules.may_host_for(_facts(main), _facts(host), day, facts, home_id, step.value if step else None,
                              province.name if province else "")
