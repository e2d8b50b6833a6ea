"""The guest centers' fee standards (客场收费标准): the meal-fee standard and the expert fee standard that the
main side sees before filing, and from which the evaluation's fees are computed."""
from ...audit import services as audit
from ...extensions import db
from ...orgs.models import TradingCenter

FEE_FIELDS = ("meal_fee_yuan", "expert_fee_base_yuan", "expert_fee_base_hours", "expert_fee_extra_hour_yuan",
              "expert_fee_cap_yuan", "expert_fee_note")


def save_fees(center: TradingCenter, amounts: dict, base_hours: int | None, expert_fee_note: str | None) -> None:
    """Publish the center's meal and expert fee standards (the evaluation's fees are computed from them)."""
    before = audit.snapshot(center, FEE_FIELDS)
    for name, value in amounts.items():
        setattr(center, name, value)
    center.expert_fee_base_hours = base_hours or 4
    center.expert_fee_note = (expert_fee_note or "").strip() or None
    db.session.flush()
    audit.record("update", "trading_center", center, region_id=center.region_id, before=before,
                 after=audit.snapshot(center, FEE_FIELDS), summary="更新收费标准")


def expert_fee_text(center: TradingCenter) -> str | None:
    """The expert fee standard in one line, with the center's note; None when not published."""
    standard = center.fee_standard
    if standard is None:
        return center.expert_fee_note
    return standard.describe() + (f"（{center.expert_fee_note}）" if center.expert_fee_note else "")


def meal_fee_text(center: TradingCenter) -> str | None:
    """The meal-fee standard per person; None when not published."""
    return None if center.meal_fee_yuan is None else f"{center.meal_fee_yuan:.2f} 元/人"
