"""Pure rules of cross-province cooperation: where guest seats may be asked for, and how a center is named."""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CenterFacts:
    """What the rule needs to know about a center."""

    id: int
    name: str
    province_id: int
    active: bool = True


@dataclass(frozen=True)
class PairingFacts:
    implementing_center_id: int
    partner_center_ids: frozenset[int]
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def listed_name(name: str, alias: str | None) -> str:
    """A center's name with the name the Hubei plan (seed 004) gives it, where that differs: 吉林市公共资源交易中心
    （湖北文件称“吉林市公共资源交易服务中心”）, so that the pairing reads as the document lists it."""
    alias = (alias or "").strip()
    if not alias or alias == name:
        return name
    return f"{name}（湖北文件称“{alias}”）"


def pairing_active_on(pairing: PairingFacts, day: date) -> bool:
    """In force from its start date to its end date, both included; no end date = open-ended."""
    return pairing.start_date <= day and (pairing.end_date is None or day <= pairing.end_date)


def may_request_guest_seats(requester: CenterFacts, guest: CenterFacts, day: date,
                            pairings: list[PairingFacts]) -> Decision:
    """May `requester` (the main venue, 主场) ask `guest` for guest seats (客场机位) on `day`?

    Inside one province any center may be asked. Across provinces only a partner center (合作援助单位)
    of a pairing in force on that day whose implementing center (实施单位) is the requester (seed 004,
    三.1 and the attachment's 对口合作对象).
    """
    if requester.id == guest.id:
        return Decision(False, "不能向本交易中心申请客场机位。")
    if not guest.active:
        return Decision(False, f"{guest.name}已停用，不能申请其客场机位。")
    if requester.province_id == guest.province_id:
        return Decision(True, "省内远程异地评标：可向本省任一交易中心申请客场机位。")
    mine = [p for p in pairings
            if p.implementing_center_id == requester.id and guest.id in p.partner_center_ids]
    if not mine:
        return Decision(False, f"{guest.name}不是{requester.name}的对口合作单位，不能申请跨省客场机位。")
    if any(pairing_active_on(p, day) for p in mine):
        return Decision(True, f"{guest.name}是{requester.name}的对口合作单位，对口合作在 {day:%Y-%m-%d} 有效。")
    if all(p.start_date > day for p in mine):
        start = min(p.start_date for p in mine)
        return Decision(False, f"{requester.name}与{guest.name}的对口合作自 {start:%Y-%m-%d} 起生效，"
                               f"{day:%Y-%m-%d} 尚未生效。")
    ended = max(p.end_date for p in mine if p.end_date is not None and p.end_date < day)
    return Decision(False, f"{requester.name}与{guest.name}的对口合作已于 {ended:%Y-%m-%d} 结束。")


# Joint-testing steps after which a partner province counts as registered for cross-province work with Jilin.
REGISTERED_STEPS = frozenset({"passed", "routine"})


def may_host_for(main: CenterFacts, host: CenterFacts, day: date, pairings: list[PairingFacts],
                 home_province_id: int, joint_step: str | None, province_name: str = "") -> Decision:
    """May `host`, a center of this province, register a guest-seat request from `main`, another province's
    main venue, for an evaluation on `day` (inbound work, 跨省副场)?

    The may-ask rule in reverse: the partner center's pairing (it implements, `host` is one of its partners)
    in force that day; or, without one, a partner province registered by joint testing (联调联试 passed or in
    routine operation: `joint_step` is its latest step's value). A request within the province is filed by its
    main venue itself, not registered here.
    """
    if main.province_id == home_province_id:
        return Decision(False, f"{main.name}是本省交易中心，省内的客场机位申请由主场在本系统提出，无需登记。")
    if not main.active:
        return Decision(False, f"{main.name}已停用，不能登记其客场机位申请。")
    if not host.active:
        return Decision(False, f"{host.name}已停用，不能作为客场。")
    paired = may_request_guest_seats(main, host, day, pairings)
    if paired.allowed:
        return paired
    if joint_step in REGISTERED_STEPS:
        return Decision(True, f"{province_name or '该省'}已与本省完成联调联试，可登记{main.name}的客场机位申请。")
    return Decision(False, paired.reason.split("，不能申请")[0].rstrip("。") + f"；{province_name or '该省'}也尚未与本省完成联调联试，"
                    "不能登记其客场机位申请。请先由省级管理员登记对口合作或联调联试情况。")
