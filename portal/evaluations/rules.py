"""Pure rules of the evaluation day (评标当日) and after: committee composition, avoidance, the random draw,
the end instruction, expert fees, and the deadlines after the evaluation.

No Flask and no database here: plain values in, decisions out (table-driven tests in tests/unit).
"""
import enum
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from ..orgs.rules import FeeStandard

MIN_COMMITTEE = 5
MAX_COMMITTEE = 49
AFTER_DAYS = 3              # hand-over and payment: within 3 working days after the evaluation (seed 004, 10 and 12)
DEFAULT_AVOID_MONTHS = 12   # experts who served the same tenderee within this many months are avoided
SEED_BYTES = 32


# --- committee composition (招标投标法 第三十七条) -------------------------------------------------------

@dataclass(frozen=True)
class VenuePlan:
    """What the main venue fixed for one venue: how many experts it draws, and its booked seats."""

    name: str
    is_main: bool
    experts: int
    seats: int | None = None     # workstations booked at a guest venue (None: not limited here)


def committee_problems(size: int, tenderee_reps: int, venues: list[VenuePlan]) -> list[str]:
    """Why a committee may not be formed like this (empty when lawful).

    5 or more members, an odd number, experts at least two thirds of the members (第三十七条); the experts
    of all venues plus the tenderee's representatives make up the committee; a guest venue draws no more
    experts than the seats it booked, and at least one (otherwise its booking should be cancelled).
    """
    problems = []
    if size < MIN_COMMITTEE:
        problems.append(f"评标委员会成员人数为 {size} 人，应为 5 人以上单数。")
    elif size % 2 == 0:
        problems.append(f"评标委员会成员人数为 {size} 人，应为单数。")
    if size > MAX_COMMITTEE:
        problems.append(f"评标委员会成员人数不能超过 {MAX_COMMITTEE} 人。")
    if tenderee_reps < 0:
        problems.append("招标人代表人数不能为负数。")
    experts = size - tenderee_reps
    if size > 0 and experts * 3 < size * 2:
        problems.append(f"技术、经济等方面的专家为 {experts} 人，不得少于成员总数的三分之二"
                        f"（{size} 人的委员会至少 {math.ceil(size * 2 / 3)} 名专家）。")
    drawn = sum(v.experts for v in venues)
    if drawn != experts:
        problems.append(f"各评标场所抽取的专家合计 {drawn} 人，应等于成员总数减去招标人代表，即 {experts} 人。")
    for venue in venues:
        if venue.experts < 0:
            problems.append(f"{venue.name}的专家人数不能为负数。")
        if venue.is_main:
            continue
        if venue.experts == 0:
            problems.append(f"{venue.name}已预订机位，但没有安排专家；不需要时请先取消该客场预订。")
        elif venue.seats is not None and venue.experts > venue.seats:
            problems.append(f"{venue.name}只预订了 {venue.seats} 个机位，不能安排 {venue.experts} 名专家。")
    main = next((v for v in venues if v.is_main), None)
    if main is not None and main.experts + tenderee_reps < 1:
        problems.append("主场至少应有一名评标委员会成员。")
    return problems


# --- avoidance (回避) -------------------------------------------------------------------------------------

class Avoid(enum.Enum):
    TENDEREE = "tenderee"
    BIDDER = "bidder"
    SUPERVISOR = "supervisor"
    RECENT = "recent"
    SAME_DAY = "same_day"
    ON_COMMITTEE = "on_committee"

    @property
    def label(self) -> str:
        return AVOID_LABELS[self]


AVOID_LABELS = {
    Avoid.TENDEREE: "与招标人同一单位", Avoid.BIDDER: "与投标人同一单位", Avoid.SUPERVISOR: "行政监督部门人员",
    Avoid.RECENT: "近期参加过同一招标人项目评标", Avoid.SAME_DAY: "当天已参加其他项目评标",
    Avoid.ON_COMMITTEE: "已是或曾是本项目评标委员会成员",
}


def normalise_org(name: str | None) -> str:
    """An organisation's name compared loosely: no spaces or brackets, full-width folded, case-free."""
    text = (name or "").strip()
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch.isspace() or ch in "()（）[]【】·,，.。":
            continue
        out.append(ch.lower())
    return "".join(out)


def parse_names(text: str | None) -> list[str]:
    """Organisation names typed one per line (or separated by ；/;), without blanks and repeats."""
    seen, names = set(), []
    for part in (text or "").replace("；", "\n").replace(";", "\n").splitlines():
        name = part.strip()
        key = normalise_org(name)
        if key and key not in seen:
            seen.add(key)
            names.append(name)
    return names


@dataclass(frozen=True)
class Candidate:
    """An expert of the pool with the needed specialty, as far as avoidance is concerned."""

    id: int
    employer: str


@dataclass(frozen=True)
class AvoidanceFacts:
    tenderee: str
    bidders: tuple[str, ...] = ()
    supervising_departments: tuple[str, ...] = ()
    recent_tenderee_ids: frozenset[int] = frozenset()    # served the same tenderee within the period
    same_day_ids: frozenset[int] = frozenset()           # on another committee that day
    committee_ids: frozenset[int] = frozenset()          # on (or replaced from) this committee


def avoidance_reason(candidate: Candidate, facts: AvoidanceFacts) -> Avoid | None:
    """The first reason `candidate` must be avoided (回避), or None when eligible."""
    if candidate.id in facts.committee_ids:
        return Avoid.ON_COMMITTEE
    employer = normalise_org(candidate.employer)
    if employer and employer == normalise_org(facts.tenderee):
        return Avoid.TENDEREE
    if employer and any(employer == normalise_org(b) for b in facts.bidders):
        return Avoid.BIDDER
    if employer and any(employer == normalise_org(s) for s in facts.supervising_departments):
        return Avoid.SUPERVISOR
    if candidate.id in facts.recent_tenderee_ids:
        return Avoid.RECENT
    if candidate.id in facts.same_day_ids:
        return Avoid.SAME_DAY
    return None


def classify(candidates, facts: AvoidanceFacts) -> tuple[list[int], list[tuple[int, Avoid]]]:
    """The eligible ids in ascending order (the stored candidate list), and every excluded expert's id with the
    reason, in ascending id order (stored too, so the exclusions can be re-checked one by one)."""
    eligible, excluded = [], []
    for candidate in candidates:
        reason = avoidance_reason(candidate, facts)
        if reason is None:
            eligible.append(candidate.id)
        else:
            excluded.append((candidate.id, reason))
    return sorted(eligible), sorted(excluded, key=lambda pair: pair[0])


def split_eligible(candidates, facts: AvoidanceFacts) -> tuple[list[int], dict[Avoid, int]]:
    """The eligible ids in ascending order, and how many each reason excluded."""
    eligible, excluded = classify(candidates, facts)
    counts: dict[Avoid, int] = {}
    for _, reason in excluded:
        counts[reason] = counts.get(reason, 0) + 1
    return eligible, counts


def eligibility_problems(eligible_ids: list[int], excluded: dict[int, Avoid], candidates: dict[int, Candidate],
                         facts: AvoidanceFacts) -> list[str]:
    """A stored draw's candidate list re-checked against the avoidance rules (the facts as they stood when it
    was drawn): every eligible expert still eligible, every excluded one excluded for the stored reason, no
    expert in both lists, the eligible list in ascending order. `candidates` holds the experts as they are now
    (by id); the messages count, they never name."""
    problems = []
    if eligible_ids != sorted(eligible_ids) or len(set(eligible_ids)) != len(eligible_ids):
        problems.append("候选名单不是按专家编号升序排列的不重复名单。")
    both = set(eligible_ids) & set(excluded)
    if both:
        problems.append(f"{len(both)} 名专家同时出现在候选名单和回避排除名单中。")
    missing = [i for i in [*eligible_ids, *excluded] if i not in candidates]
    if missing:
        problems.append(f"{len(missing)} 名专家已不在专家库中，无法复核。")
    wrongly_in = [i for i in eligible_ids if i in candidates and avoidance_reason(candidates[i], facts) is not None]
    if wrongly_in:
        problems.append(f"候选名单中 {len(wrongly_in)} 名专家按回避规则应当排除。")
    wrongly_out = [i for i, reason in excluded.items()
                   if i in candidates and avoidance_reason(candidates[i], facts) is not reason]
    if wrongly_out:
        problems.append(f"回避排除名单中 {len(wrongly_out)} 名专家的排除原因与回避规则不符。")
    return problems


# --- the random draw (随机抽取) ----------------------------------------------------------------------------

def new_seed() -> str:
    """A fresh seed from the operating system's cryptographic source, as hex (stored with the draw)."""
    return secrets.token_hex(SEED_BYTES)


def draw(candidate_ids: list[int], count: int, seed_hex: str) -> list[int]:
    """`count` experts chosen from `candidate_ids`, in drawing order; the same inputs give the same result.

    Each candidate's key is HMAC-SHA256(seed, id); the smallest keys win. With a uniformly random seed every
    ordering is equally likely, and anyone holding the seed and the candidate list can recompute it.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if count > len(candidate_ids):
        raise ValueError("not enough candidates")
    key = bytes.fromhex(seed_hex)

    def rank(expert_id: int) -> bytes:
        return hmac.new(key, str(expert_id).encode(), hashlib.sha256).digest()

    return sorted(candidate_ids, key=rank)[:count]


def shortage_message(specialty: str, venue: str, needed: int, eligible: int, is_main: bool = True) -> str:
    """The refusal of a draw with too few eligible experts, addressed to whoever can act: the main venue fixes
    the conditions (its own, or a guest venue's); a guest venue's staff are told that the main venue was asked."""
    found = (f"{venue}“{specialty}”专业符合条件的专家只有 {eligible} 人（已排除需回避的专家），"
             f"不足 {needed} 人")
    if is_main:
        return found + "。请在“评标委员会组成”中调整主场的专业或人数（尚未抽取的场所仍可修改）。"
    return (found + "，本场所无法抽取。抽取条件由主场确定，已通知主场：主场可以调整本场所的专业或人数，"
            "或将这些席位改由主场抽取。")


def shortage_notice(specialty: str, venue: str, needed: int, eligible: int) -> str:
    """What the main venue is told when a guest venue cannot draw: what it can do."""
    return (f"{venue}“{specialty}”专业符合条件的专家只有 {eligible} 人，不足 {needed} 人，无法抽取。"
            "请修改评标委员会组成中该客场的专业或人数，或将这些席位改由主场抽取（也可另向其他交易中心申请客场机位）。")


def committee_change_problems(drawn: dict[str, tuple[str, dict[int, int]]], wanted: dict[str, dict[int, int]],
                              facts_changed: bool) -> list[str]:
    """Why a fixed committee may not be changed like this. `drawn` holds the venues that already drew (by key:
    their label and {specialty id: count}), `wanted` every venue's new {specialty id: count}. A venue's part
    changes until that venue has drawn; the avoidance facts (bidders, supervising department, period) until
    any venue has drawn, since they decided who was eligible."""
    problems = []
    if drawn and facts_changed:
        problems.append("已有场所抽取专家，投标人、行政监督部门和回避期限不能再修改（已按原条件排除回避专家）。")
    for key, (label, needs) in drawn.items():
        if wanted.get(key, {}) != needs:
            problems.append(f"{label}已抽取专家，其专家人数和专业不能再修改；需要调整时请更换专家。"
                            "尚未抽取的场所仍可修改。")
    return problems


# --- replacement -----------------------------------------------------------------------------------------

class ReplaceReason(enum.Enum):
    """The closed list of reasons (回避, 未到场, 身体原因, 其他（须写明）). The stored value "declined" (before the
    closed list: 专家不能参加) now means 身体原因; the typed explanation of older records stays with them."""

    CONFLICT = "conflict"
    ABSENT = "absent"
    DECLINED = "declined"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"conflict": "回避", "absent": "未到场", "declined": "身体原因", "other": "其他"}[self.value]

    @property
    def choice(self) -> str:
        return "其他（须写明）" if self is ReplaceReason.OTHER else self.label


FREE_REPLACEMENTS = 2    # a seat replaced this many times needs a supervisor's approval for each further one


def replacement_problem(kind: ReplaceReason, text: str, earlier: int, approved: bool) -> str | None:
    """Why a seat cannot be replaced now: "other" needs its explanation; a seat already replaced
    `FREE_REPLACEMENTS` times (`earlier`) is replaced again only with a supervisor's approval."""
    if kind is ReplaceReason.OTHER and not (text or "").strip():
        return "更换原因为“其他”的，请写明具体情况。"
    if earlier >= FREE_REPLACEMENTS and not approved:
        return (f"该席位已更换 {earlier} 次，第 {earlier + 1} 次更换须经行政监督部门同意："
                "请在本页提交更换申请，行政监督部门同意后再更换。")
    return None


# --- the day's records: duties, incidents, hand-over ------------------------------------------------------

DUTY_ITEMS = [("draw", "专家抽取"), ("workstations", "机位选择"), ("identity", "身份核验"),
              ("av", "音视频连接"), ("signing", "评审报告签署"), ("meals", "食宿安排"), ("incidents", "突发情况处置")]
DUTY_LABELS = dict(DUTY_ITEMS)
INCIDENT_KINDS = [("power", "停电"), ("network", "网络故障"), ("device", "电子设备故障"),
                  ("workstation", "评标机位故障"), ("system", "评标系统故障"), ("other", "其他")]
INCIDENT_LABELS = dict(INCIDENT_KINDS)
HANDOVER_KINDS = [("witness", "评标活动见证记录"), ("assessment", "评标专家考核记录"), ("av", "评标现场音视频资料")]
HANDOVER_LABELS = dict(HANDOVER_KINDS)
HANDOVER_MODES = [("file", "上传文件"), ("physical", "线下移交（填写移交单号或介质编号）")]


# --- sign-in and the end instruction (签到与评审结束) ------------------------------------------------------

SIGNATURES = (("review_form_signed_at", "个人评审表"), ("summary_signed_at", "评标汇总表"),
              ("report_signed_at", "评标报告"))


@dataclass(frozen=True)
class MemberState:
    label: str            # e.g. "吉林市公共资源交易中心 专家 2"
    signed_in: bool
    signed: tuple[bool, bool, bool]   # review form, summary table, report


def sign_in_problems(id_verified: bool, photo_checked: bool, phone_in_custody: bool,
                     workstation_id: int | None, no_conflict_declared: bool) -> list[str]:
    """What is missing before an expert may be signed in (身份核验、通讯工具保管、引导至机位)."""
    problems = []
    if not id_verified:
        problems.append("请核对身份证号码。")
    if not photo_checked:
        problems.append("请核对本人与证件照片。")
    if not phone_in_custody:
        problems.append("请统一保管专家的通讯工具。")
    if not workstation_id:
        problems.append("请为专家分配评标工位。")
    if not no_conflict_declared:
        problems.append("请专家签署无回避事项声明；需要回避的专家应当更换。")
    return problems


def end_problems(members: list[MemberState]) -> list[str]:
    """Why the main venue may not yet issue the end instruction: every member signed in and signed all three."""
    if not members:
        return ["评标委员会还没有专家。"]
    problems = []
    for member in members:
        if not member.signed_in:
            problems.append(f"{member.label}尚未签到。")
            continue
        missing = [name for (_, name), done in zip(SIGNATURES, member.signed) if not done]
        if missing:
            problems.append(f"{member.label}尚未签署{'、'.join(missing)}。")
    return problems


# --- fees (劳务费与就餐费) ---------------------------------------------------------------------------------

def expert_fee(standard: FeeStandard, minutes: int) -> Decimal:
    """What one expert is owed for an evaluation of `minutes` under `standard` (yuan, 2 decimals)."""
    minutes = max(0, minutes)
    fee = standard.base
    over = minutes - standard.base_hours * 60
    if over > 0:
        fee += standard.extra_hour * math.ceil(over / 60)
    if standard.cap is not None:
        fee = min(fee, standard.cap)
    return fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Owed:
    fee: Decimal | None      # None: the center has not published a standard
    meal: Decimal
    basis: str

    @property
    def total(self) -> Decimal | None:
        return None if self.fee is None else self.fee + self.meal


def owed(is_main_venue: bool, own_standard: FeeStandard | None, main_standard: FeeStandard | None,
         guest_meal: Decimal | None, minutes: int) -> Owed:
    """Main-venue experts by the main center's standard; guest experts by their own center's, plus meals by
    the guest center's meal standard (seed 004, 12 and 13)."""
    standard = main_standard if is_main_venue else own_standard
    meal = Decimal(0) if is_main_venue or guest_meal is None else Decimal(guest_meal)
    where = "主场" if is_main_venue else "客场"
    if standard is None:
        return Owed(None, meal.quantize(Decimal("0.01")), f"{where}交易中心未公布劳务费标准")
    basis = f"{where}标准：{standard.describe()}；评审 {minutes // 60} 小时 {minutes % 60} 分"
    if not is_main_venue:
        basis += f"；就餐 {meal:.2f} 元" if guest_meal is not None else "；客场未列明就餐费用"
    return Owed(expert_fee(standard, minutes), meal.quantize(Decimal("0.01")), basis)


def paid_minutes(started, ended, longest: int) -> int:
    """The time paid for: from the scheduled start to the end instruction, at least a minute, at most `longest`."""
    return min(longest, max(1, int((ended - started).total_seconds() // 60)))


# --- an external guest venue (外省客场): the partner's sign-in and what its experts are owed ----------------

def external_sign_in_problem(count: int | None, experts_needed: int, signed_in_at: datetime | None,
                             evaluation_date: date, now: datetime) -> tuple[str, str] | None:
    """Why the sign-in a partner province's venue confirms cannot be recorded, as (field, message): between 0
    and the experts it was to draw, signed in on the evaluation day and not later than now (China times)."""
    if count is None:
        return "count", "请填写合作方确认签到的专家人数。"
    if count < 0:
        return "count", "签到人数不能为负数。"
    if count > experts_needed:
        return "count", f"该外省客场安排了 {experts_needed} 名专家，确认签到的人数不能超过 {experts_needed} 人。"
    if signed_in_at is None:
        return "signed_in_at", "请填写签到时间。"
    if signed_in_at > now:
        return "signed_in_at", "签到时间不能晚于现在。"
    if signed_in_at.date() != evaluation_date:
        return "signed_in_at", f"签到时间应在评标当日（{evaluation_date:%Y-%m-%d}）。"
    return None


def external_owed(count: int, standard: FeeStandard | None, meal: Decimal | None, minutes: int) -> Owed:
    """What the experts a partner province's venue signed in are owed together: the confirmed count times one
    expert's fee by the partner center's standard plus its meal fee per person (seed 004, 12 and 13). `fee`
    and `meal` are the totals; the fee is None while the partner center's standard is not known."""
    one = owed(False, standard, None, meal, minutes)
    meal_total = (one.meal * count).quantize(Decimal("0.01"))
    if one.fee is None:
        return Owed(None, meal_total, f"外省客场签到 {count} 人；客场交易中心的劳务费标准尚未录入")
    per_person = one.fee + one.meal
    basis = (f"外省客场签到 {count} 人 × 每人 {per_person:.2f} 元（劳务费 {one.fee:.2f} 元"
             + (f" + 就餐 {one.meal:.2f} 元）" if meal is not None else "，客场未列明就餐费用）")
             + f"；{standard.describe()}；评审 {minutes // 60} 小时 {minutes % 60} 分")
    return Owed((one.fee * count).quantize(Decimal("0.01")), meal_total, basis)


# --- deadlines after the evaluation ----------------------------------------------------------------------

class DueKind(enum.Enum):
    FILING = "filing"
    HANDOVER = "handover"
    RECEIPT = "receipt"
    PAYMENT = "payment"

    @property
    def label(self) -> str:
        return {"filing": "提交客场机位申请", "handover": "移交评标资料", "receipt": "确认接收移交资料",
                "payment": "支付专家劳务费"}[self.value]


@dataclass(frozen=True)
class DueItem:
    kind: DueKind
    due: date
    title: str
    link: str
    who: str = ""
    done: bool = False
    detail: str = field(default="", compare=False)

    def overdue(self, today: date) -> bool:
        return not self.done and today > self.due

    def days_left(self, today: date) -> int:
        return (self.due - today).days


# --- chi-square (the draw's uniformity check, used by tests and the audit page's explanation) ------------

def chi_square(observed: list[int], expected: float) -> float:
    return sum((o - expected) ** 2 / expected for o in observed)


def chi_square_critical(df: int, z: float = 3.09) -> float:
    """The upper critical value of chi-square with `df` degrees of freedom (Wilson–Hilferty); z=3.09 is p=0.001."""
    a = 2 / (9 * df)
    return df * (1 - a + z * math.sqrt(a)) ** 3


def payment_date_problem(paid_on: date, evaluation_date: date, today: date) -> str | None:
    """A payment is made after the evaluation and not in the future (China dates)."""
    if paid_on > today:
        return f"支付日期不能晚于今天（{today}）。"
    if paid_on < evaluation_date:
        return f"支付日期不能早于评标日期（{evaluation_date}）。"
    return None
