"""Organisation services: trading centers and contacts, with audit."""
from sqlalchemy import select

from ..audit import services as audit
from ..errors import ChangeRefused
from ..extensions import db
from .models import CenterContact, Province, Region, TradingCenter

CENTER_FIELDS = ("name", "short_name", "alias", "province_id", "region_id", "level", "address",
                 "is_standing_secondary", "standing_required", "expert_fee_note", "meal_fee_yuan",
                 "active")


class OrgError(ChangeRefused):
    """A refused change of this feature."""


def _snapshot(center: TradingCenter) -> dict:
    out = {f: getattr(center, f) for f in CENTER_FIELDS}
    out["meal_fee_yuan"] = str(out["meal_fee_yuan"]) if out["meal_fee_yuan"] is not None else None
    return out


def save_center(center: TradingCenter | None, data: dict) -> TradingCenter:
    """Create or edit a center: home-province centers need a region, others must have none."""
    province = db.session.get(Province, data["province_id"])
    if province is None:
        raise OrgError("请选择所在省份。", field="province_id")
    if province.is_home and not data.get("region_id"):
        raise OrgError("本省交易中心必须选择所属地区。", field="region_id")
    if not province.is_home and data.get("region_id"):
        raise OrgError("外省交易中心不属于本省地区，请不要选择地区。", field="region_id")
    clash = db.session.scalar(select(TradingCenter.id).where(TradingCenter.name == data["name"]))
    if clash is not None and (center is None or clash != center.id):
        raise OrgError("已有同名的交易中心。", field="name")
    creating = center is None
    before = None if creating else _snapshot(center)
    if creating:
        center = TradingCenter()
        db.session.add(center)
    for name in CENTER_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value or None
        setattr(center, name, value)
    center.short_name = data["short_name"]
    center.name = data["name"]
    center.active = bool(data.get("active"))
    center.is_standing_secondary = bool(data.get("is_standing_secondary"))
    center.standing_required = data.get("standing_required") or 0
    db.session.flush()
    audit.record("create" if creating else "update", "trading_center", center, region_id=center.region_id,
                 before=before, after=_snapshot(center))
    return center


def add_contact(center: TradingCenter, data: dict) -> CenterContact:
    contact = CenterContact(center_id=center.id, name=data["name"], phone=data["phone"],
                            duty=data.get("duty") or None)
    db.session.add(contact)
    db.session.flush()
    audit.record("create", "center_contact", contact, label=f"{center.name} {contact.name}",
                 region_id=center.region_id,
                 after={"name": contact.name, "phone": contact.phone, "duty": contact.duty})
    return contact


def remove_contact(center: TradingCenter, contact: CenterContact) -> None:
    audit.record("delete", "center_contact", contact, label=f"{center.name} {contact.name}",
                 region_id=center.region_id,
                 before={"name": contact.name, "phone": contact.phone, "duty": contact.duty})
    db.session.delete(contact)


def home_regions() -> list[Region]:
    """The regions of the portal's own province, in the monthly report's order."""
    return list(db.session.scalars(select(Region).join(Province, Region.province_id == Province.id)
                                   .where(Province.is_home.is_(True)).order_by(Region.sort_order)))
