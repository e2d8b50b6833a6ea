"""An external guest venue (外省客场): a partner province's center whose experts the partner draws and signs in
in its own system. The main venue's staff, who act for it here, record the sign-in as the partner confirmed it
(how many, when, who at the partner confirmed it: never the experts' names), fill in the partner center's fee and
meal standards when the portal has none, and the owed amount follows; the agent records the one payment.

The partner's standards are stored on its TradingCenter through the fee-standard service (`bookings` `save_fees`,
audited), not on the venue: they are the partner's published figures, which every later evaluation with that
partner (and the availability page before filing) uses too. Only blanks are filled here; figures already there
stay the organisations admin's to change. What one evaluation owes is fixed on its venue (`owed_yuan`,
`owed_basis`), so a later change of the standard leaves it as it was counted.
"""
from datetime import date, datetime
from decimal import Decimal

from ...audit import services as audit
from ...bookings.rules import MAX_DURATION_MINUTES
from ...bookings.services.fees import save_fees
from ...clock import china_now, china_today, to_china
from ...models_base import utcnow
from .. import rules
from ..models import Evaluation, EvaluationVenue
from .common import EvaluationError, aware, lock, region_of

STANDARD_FIELDS = ("expert_fee_base_yuan", "expert_fee_extra_hour_yuan", "expert_fee_cap_yuan")


def _external(venue: EvaluationVenue) -> None:
    if not venue.external:
        raise EvaluationError("只有外省客场由主场代为登记合作方确认的签到、收费标准和支付。")


def confirm_sign_in(evaluation: Evaluation, venue: EvaluationVenue, count: int | None, signed_in_at: datetime | None,
                    contact: str) -> None:
    """Record how many experts the partner signed in, when, and who at the partner confirmed it (a corrected
    confirmation replaces the earlier one until the payment is recorded); after the end it fixes what is owed.
    `signed_in_at` is an aware time."""
    _external(venue)
    lock(evaluation, venue)
    contact = (contact or "").strip()
    if not contact:
        raise EvaluationError("请填写合作方确认人的姓名和联系电话。", "contact")
    if venue.paid_at is not None:
        raise EvaluationError("该外省客场的劳务费已登记支付，签到人数不能再修改。")
    now = china_now().replace(tzinfo=None)
    moment = to_china(signed_in_at).replace(tzinfo=None) if signed_in_at else None
    problem = rules.external_sign_in_problem(count, venue.experts_needed, moment, evaluation.evaluation_date, now)
    if problem:
        raise EvaluationError(problem[1], problem[0])
    before = None if venue.signed_in_count is None else {
        "signed_in_count": venue.signed_in_count, "signed_in_at": aware(venue.signed_in_at).isoformat()}
    venue.signed_in_count, venue.signed_in_at, venue.signed_in_contact = count, signed_in_at, contact[:100]
    venue.signed_in_recorded_at, venue.signed_in_recorded_by_id = utcnow(), audit.current_actor_id()
    fix_owed(evaluation, venue)
    # The contact is the partner's staff, not an expert; the entry keeps the count and the time.
    audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation), before=before,
                 after={"signed_in_count": count, "signed_in_at": signed_in_at.isoformat(),
                        "owed_yuan": None if venue.owed_yuan is None else str(venue.owed_yuan)},
                 summary=(f"{venue.label}合作方确认签到专家 {count} 人（{to_china(signed_in_at):%H:%M}）"
                          + ("，更正" if before else "") + _owed_text(venue))[:500])


def enter_standards(evaluation: Evaluation, venue: EvaluationVenue, amounts: dict, base_hours: int | None,
                    source: str) -> None:
    """Fill in the partner center's expert fee and meal standards from its published standard, where the portal
    has none (audited on the center by `save_fees`, and on the evaluation); then what is owed follows."""
    _external(venue)
    lock(evaluation, venue)
    center = venue.center
    source = (source or "").strip()
    if not source:
        raise EvaluationError("请填写依据的合作方公布标准（文件名称或网址）。", "expert_fee_note")
    fee_missing, meal_missing = center.fee_standard is None, center.meal_fee_yuan is None
    if not (fee_missing or meal_missing):
        raise EvaluationError("合作方交易中心的劳务费和就餐费标准均已录入；需要修改时请联系组织机构管理员。")
    wanted = {}
    if fee_missing and amounts.get("expert_fee_base_yuan") is not None:
        wanted.update({name: amounts.get(name) for name in STANDARD_FIELDS})
    if meal_missing and amounts.get("meal_fee_yuan") is not None:
        wanted["meal_fee_yuan"] = amounts["meal_fee_yuan"]
    if not wanted:
        raise EvaluationError("请填写尚未录入的劳务费基本标准或就餐费用标准。",
                              "expert_fee_base_yuan" if fee_missing else "meal_fee_yuan")
    hours = base_hours if "expert_fee_base_yuan" in wanted else center.expert_fee_base_hours
    note = center.expert_fee_note or f"依据：{source}"[:2000]
    save_fees(center, wanted, hours, note)
    fix_owed(evaluation, venue)
    what = "、".join(x for x, on in (("劳务费标准", "expert_fee_base_yuan" in wanted),
                                     ("就餐费用标准", "meal_fee_yuan" in wanted)) if on)
    audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation),
                 after={name: str(value) if isinstance(value, Decimal) else value for name, value in wanted.items()},
                 summary=f"主场按合作方公布的标准录入{venue.label}的{what}（依据：{source}）{_owed_text(venue)}"[:500])


def fix_owed(evaluation: Evaluation, venue: EvaluationVenue) -> None:
    """What the external venue's experts are owed, once the evaluation has ended and the count is confirmed
    (at the end instruction, or at a confirmation or a standard entered after it); a recorded payment keeps it."""
    if not venue.external or evaluation.ended_at is None or venue.signed_in_count is None or venue.paid_at:
        return
    center = venue.center
    minutes = rules.paid_minutes(aware(evaluation.starts_at), aware(evaluation.ended_at), MAX_DURATION_MINUTES)
    result = rules.external_owed(venue.signed_in_count, center.fee_standard, center.meal_fee_yuan, minutes)
    venue.owed_yuan, venue.owed_basis = result.total, result.basis[:300]


def _owed_text(venue: EvaluationVenue) -> str:
    return "" if venue.owed_yuan is None else f"；应付 {venue.owed_yuan:.2f} 元"


def confirm_payment(evaluation: Evaluation, venue: EvaluationVenue, amount: Decimal, reference: str,
                    paid_on: date | None = None, correction: str | None = None) -> None:
    """The agent records the payment of the external venue's experts (amount, day paid, reference), as for a
    member (`aftermath.confirm_payment`): a recorded payment changes only as a correction with its reason."""
    _external(venue)
    lock(evaluation, venue)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能登记劳务费支付。")
    correction = (correction or "").strip()
    if venue.paid_at is not None and not correction:
        raise EvaluationError("该外省客场的劳务费已登记支付；如需更正，请填写更正原因。", "correction")
    today = china_today()
    paid_on = paid_on or today
    problem = rules.payment_date_problem(paid_on, evaluation.evaluation_date, today)
    if problem:
        raise EvaluationError(problem, "paid_on")
    before = None if venue.paid_at is None else (
        f"{venue.paid_yuan:.2f} 元，{venue.paid_on}，凭证 {venue.payment_ref or '无'}")
    venue.paid_yuan, venue.paid_on = amount, paid_on
    venue.payment_ref = (reference or "").strip()[:100] or None
    venue.paid_at, venue.paid_by_id = utcnow(), audit.current_actor_id()
    owed = venue.owed_yuan
    note = "" if owed is None or amount == owed else f"（应付 {owed:.2f} 元）"
    what = f"{venue.label}专家劳务费及就餐费"
    if before is None:
        summary = f"{what}已支付 {amount:.2f} 元（{paid_on}）{note}"
    else:
        summary = f"{what}支付更正：{before} → {amount:.2f} 元，{paid_on}，凭证 {venue.payment_ref or '无'}；原因：{correction}"
    audit.record("pay", "evaluation", evaluation, region_id=region_of(evaluation), summary=summary[:500])
