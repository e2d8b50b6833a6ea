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
