"""Which workstations are free when: the candidate guest centers of a section ranked by fit, seat counts,
and clashes with whatever holds them (other requests' bookings, local use, maintenance, sign-ins).

Every overlap test reads the workstation holds' (workstation_id, starts_at) index over a short range
(portal.workstations.holds).
"""
from datetime import date, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...orgs.models import Province, TradingCenter
from ...partners.models import Pairing, PairingPartner
from ...partners.services import may_request_many
from ...projects.models import Project, Section
from ...workstations import holds
from ...workstations.models import Workstation, WorkstationHold, WorkstationStatus
from .. import rules
from ..models import Booking
from . import pool
from .fees import expert_fee_text, meal_fee_text


def kind_clause(cross_province: bool):
    """Available workstations, supporting cross-province evaluation when the request is across provinces."""
    clause = Workstation.status == WorkstationStatus.AVAILABLE
    return clause & Workstation.cross_province.is_(True) if cross_province else clause


def own_holds(request_id: int):
    """The hold ids of a request's active bookings (not a clash with itself)."""
    return select(Booking.hold_id).where(Booking.request_id == request_id, Booking.active.is_(True),
                                         Booking.hold_id.is_not(None))


def busy_clause(starts: datetime, ends: datetime, exclude_request_id: int | None = None):
    """Workstations held for a time overlapping [starts, ends), except by the request's own bookings."""
    return holds.busy_clause(starts, ends, own_holds(exclude_request_id) if exclude_request_id else None)


def capacities(center_ids: list[int], cross_province: bool) -> dict[int, int]:
    """Available workstations of the needed kind per center (all times)."""
    if not center_ids:
        return {}
    rows = db.session.execute(select(Workstation.center_id, func.count(Workstation.id))
                              .where(Workstation.center_id.in_(center_ids), kind_clause(cross_province))
                              .group_by(Workstation.center_id)).all()
    return dict(rows)


def seat_counts(center_ids: list[int], starts: datetime, ends: datetime,
                exclude_request_id: int | None = None) -> dict[int, tuple[int, int, int, int]]:
    """Per center: (free cross-province, all cross-province, free in total, all) available workstations.

    One grouped query over the centers' workstations, left-joined to the few workstations held at that time
    (read through the holds' (center_id, starts_at) index once, not probed per workstation).
    """
    if not center_ids:
        return {}
    held = (select(WorkstationHold.workstation_id.label("id"))
            .where(WorkstationHold.center_id.in_(center_ids), holds.overlapping(starts, ends))
            .distinct())
    if exclude_request_id:
        held = held.where(WorkstationHold.id.not_in(own_holds(exclude_request_id)))
    held = held.subquery()
    cross = Workstation.cross_province.is_(True)
    free = held.c.id.is_(None)
    stmt = (select(Workstation.center_id,
                   func.count(Workstation.id).filter(cross & free),
                   func.count(Workstation.id).filter(cross),
                   func.count(Workstation.id).filter(free),
                   func.count(Workstation.id))
            .outerjoin(held, held.c.id == Workstation.id)
            .where(Workstation.center_id.in_(center_ids), Workstation.status == WorkstationStatus.AVAILABLE)
            .group_by(Workstation.center_id))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def guest_centers(section: Section) -> list[TradingCenter]:
    """The centers that might be asked: the home province's other centers, and the partner centers of the
    main center's pairings (whether a pairing is in force on the day is the partner rule's to say)."""
    partners = (select(PairingPartner.partner_center_id).join(Pairing, PairingPartner.pairing_id == Pairing.id)
                .where(Pairing.implementing_center_id == section.main_center_id))
    return list(db.session.scalars(
        select(TradingCenter).options(joinedload(TradingCenter.province))
        .join(Province, TradingCenter.province_id == Province.id)
        .where(TradingCenter.active.is_(True), TradingCenter.id != section.main_center_id,
               or_(Province.is_home.is_(True), TradingCenter.id.in_(partners)))
        .order_by(Province.is_home.desc(), Province.sort_order, TradingCenter.level_rank(), TradingCenter.name)))


def availability(section: Section, day: date, start: time, minutes: int, seats: int,
                 specialty_codes: list[str], scope: str = "",
                 candidates: list[TradingCenter] | None = None) -> list[rules.CenterOption]:
    """Candidate guest centers for the evaluation, ranked by fit (rules.rank_centers).

    scope: "in" (this province only), "cross" (partner centers only) or "" (both). `candidates` are
    guest_centers(section) when the caller has them already.
    """
    main = db.session.get(TradingCenter, section.main_center_id)
    starts, ends = rules.evaluation_range(day, start, minutes)
    centers = [c for c in (candidates if candidates is not None else guest_centers(section))
               if scope == "" or (scope == "cross") == (c.province_id != main.province_id)]
    decisions = may_request_many(main, centers, day)
    counts = seat_counts([c.id for c in centers], starts, ends)
    tenderee = db.session.get(Project, section.project_id).tenderee
    codes = tuple(specialty_codes)
    experts_of = pool.eligible([pool.PoolQuestion(c.id, pool.pool_ask(c, main.region_id, day, tenderee), codes, seats)
                                for c in centers])
    options = []
    for c in centers:
        cross = c.province_id != main.province_id
        decision = decisions[c.id]
        allowed, reason = decision.allowed, decision.reason
        if cross and section.prequalification:
            allowed, reason = False, "资格预审项目暂不列入跨省远程异地评标。"
        free_cross, all_cross, free_all, all_all = counts.get(c.id, (0, 0, 0, 0))
        found = experts_of[c.id]
        experts = tuple(found.values()) if found is not None else None
        options.append(rules.CenterOption(
            center_id=c.id, name=c.name, province=c.province.name, cross_province=cross, allowed=allowed,
            reason=reason, free_seats=free_cross if cross else free_all, total_seats=all_cross if cross else all_all,
            expert_counts=experts, meal_fee=meal_fee_text(c), expert_fee=expert_fee_text(c)))
    return rules.rank_centers(options, seats)


def clashes(workstation_ids: list[int], starts: datetime, ends: datetime,
            exclude_request_id: int | None = None) -> list[str]:
    """Chinese descriptions of whatever holds these workstations for a time overlapping [starts, ends)."""
    return holds.clashes(workstation_ids, starts, ends,
                         own_holds(exclude_request_id) if exclude_request_id else None)
