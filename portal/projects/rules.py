"""Must a tender section use remote off-site evaluation? (seed 000, part 一) — pure rules.

Also the parsing of amounts in 万元 as agents type them, and the "in principle a morning" check.
"""
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation

MAX_AMOUNT_WAN = Decimal(10) ** 8   # 10^8 万元 = 1万亿元: anything above is a unit mistake


class ThresholdCategory(enum.Enum):
    CONSTRUCTION = "construction"
    GOODS = "goods"
    SERVICES = "services"

    @property
    def label(self) -> str:
        return THRESHOLD_LABELS[self]


THRESHOLD_LABELS = {
    ThresholdCategory.CONSTRUCTION: "工程施工类（含工程总承包）",
    ThresholdCategory.GOODS: "设备、材料等货物采购类",
    ThresholdCategory.SERVICES: "勘察、设计、监理等服务类",
}


class Category(enum.Enum):
    CONSTRUCTION = "construction"   # 工程施工
    EPC = "epc"                     # 工程总承包
    GOODS = "goods"                 # 货物
    SERVICES = "services"           # 服务（勘察、设计、监理等）
    COMBINED = "combined"           # 同一项目合并采购

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.CONSTRUCTION: "工程施工",
    Category.EPC: "工程总承包",
    Category.GOODS: "货物（设备、材料）",
    Category.SERVICES: "服务（勘察、设计、监理等）",
    Category.COMBINED: "合并采购（勘察、设计、施工、监理、重要设备材料）",
}

CATEGORY_THRESHOLD = {
    Category.CONSTRUCTION: ThresholdCategory.CONSTRUCTION,
    Category.EPC: ThresholdCategory.CONSTRUCTION,
    Category.GOODS: ThresholdCategory.GOODS,
    Category.SERVICES: ThresholdCategory.SERVICES,
}


class CombinedPart(enum.Enum):
    SURVEY = "survey"
    DESIGN = "design"
    CONSTRUCTION = "construction"
    SUPERVISION = "supervision"
    GOODS = "goods"

    @property
    def label(self) -> str:
        return {"survey": "勘察", "design": "设计", "construction": "施工", "supervision": "监理",
                "goods": "重要设备、材料"}[self.value]

    @property
    def threshold_category(self) -> ThresholdCategory:
        return {"construction": ThresholdCategory.CONSTRUCTION,
                "goods": ThresholdCategory.GOODS}.get(self.value, ThresholdCategory.SERVICES)


EPC_PART_LABELS = {
    ThresholdCategory.CONSTRUCTION: "施工部分",
    ThresholdCategory.GOODS: "货物部分",
    ThresholdCategory.SERVICES: "服务部分",
}


class Level(enum.Enum):
    MUST = "must"                   # 原则上应采用远程异地评标 (any of the three cases of 一(一))
    SHOULD = "should"               # no longer decided: case 3 is MUST since issue 23 (migration 0014 moved the rows)
    NOT_REQUIRED = "not_required"   # 未达到标准（或非依法必须招标），可自愿采用
    INCOMPLETE = "incomplete"       # 估算价未填，无法判断

    @property
    def label(self) -> str:
        return {"must": "原则上应采用远程异地评标", "should": "原则上应采用远程异地评标",
                "not_required": "不强制采用远程异地评标", "incomplete": "尚无法判断"}[self.value]

    @property
    def badge(self) -> str:
        return {"must": "badge-bad", "should": "badge-bad", "not_required": "badge-ok",
                "incomplete": "badge-muted"}[self.value]

    @property
    def exemptable(self) -> bool:
        """Not going remote needs a written explanation (书面说明) for these."""
        return self in (Level.MUST, Level.SHOULD)


# The thresholds of 吉发改法规联〔2026〕146号 (also inserted by migration 0003).
STARTER_THRESHOLDS_NOTICE = "吉发改法规联〔2026〕146号"
STARTER_THRESHOLDS_FROM = (2026, 3, 20)
STARTER_THRESHOLDS = {ThresholdCategory.CONSTRUCTION: Decimal(1000), ThresholdCategory.GOODS: Decimal(800),
                      ThresholdCategory.SERVICES: Decimal(400)}

ESTIMATE_LABELS = ("合同估算价", "项目投资概算", "资金预算")
KIND_LABELS = {ThresholdCategory.CONSTRUCTION: "施工", ThresholdCategory.GOODS: "货物",
               ThresholdCategory.SERVICES: "服务"}


@dataclass(frozen=True)
class SectionFacts:
    category: Category
    estimates: tuple[Decimal | None, Decimal | None, Decimal | None] = (None, None, None)
    # The amounts of its parts by kind: an EPC's 施工/货物/服务 parts, or a combined procurement's.
    part_amounts: Mapping[ThresholdCategory, Decimal | None] = field(default_factory=dict)
    combined_parts: frozenset[CombinedPart] = frozenset()
    special_expert_needs: bool = False
    local_pool_insufficient: bool = False
    mandatory_tender: bool = True   # 依法必须招标; a voluntary tender is outside the notice's scope

    @property
    def combined_kinds(self) -> list[ThresholdCategory]:
        """The kinds (施工, 货物, 服务) a combined procurement's parts belong to, in the thresholds' order."""
        kinds = {p.threshold_category for p in self.combined_parts}
        return [k for k in ThresholdCategory if k in kinds]


@dataclass(frozen=True)
class SiblingSection:
    """Another section of the same project, as the same-kind sum (合并计算) needs it: plain values."""

    code: str
    amounts: Mapping[ThresholdCategory, Decimal]   # kind_amounts() of its facts


@dataclass(frozen=True)
class ScopeDecision:
    level: Level
    estimate: Decimal | None
    reasons: tuple[str, ...]

    @property
    def must(self) -> bool:
        return self.level is Level.MUST


def wan(amount: Decimal) -> str:
    """1000.0000 -> '1000', 12.5000 -> '12.5'."""
    text = format(amount.normalize(), "f")
    return text


def estimated_price(estimates) -> tuple[Decimal | None, str]:
    """The highest of 合同估算价, 项目投资概算, 资金预算 and which one it was."""
    best, name = None, ""
    for label, value in zip(ESTIMATE_LABELS, estimates):
        if value is not None and (best is None or value > best):
            best, name = value, label
    return best, name


def kind_amounts(facts: SectionFacts) -> dict[ThresholdCategory, Decimal]:
    """What a section adds to its project's same-kind sums (施工, 货物, 服务), by kind.

    A construction, goods or services section adds its estimate to its kind; an EPC adds its estimate to
    construction (工程施工类含工程总承包); a combined procurement adds each part's amount to the part's kind
    (its whole estimate when all its parts are of one kind; nothing for a part whose amount is not known).
    A voluntary tender (not 依法必须招标) adds nothing.
    """
    if not facts.mandatory_tender:
        return {}
    estimate, _ = estimated_price(facts.estimates)
    if facts.category is Category.COMBINED:
        kinds = facts.combined_kinds
        if len(kinds) == 1:
            return {kinds[0]: estimate} if estimate is not None else {}
        return {k: facts.part_amounts[k] for k in kinds if facts.part_amounts.get(k) is not None}
    if estimate is None:
        return {}
    return {CATEGORY_THRESHOLD[facts.category]: estimate}


@dataclass
class _Reasoning:
    """The reasons of one scope decision as they are found, and whether the section must go remote."""

    thresholds: Mapping[ThresholdCategory, Decimal]
    reasons: list[str] = field(default_factory=list)
    must: bool = False
    incomplete: bool = False

    def say(self, text: str) -> None:
        self.reasons.append(text)

    def reaches(self, category: ThresholdCategory, amount: Decimal, what: str) -> bool:
        """Compare `amount` with the category's threshold, saying so; True when it reaches it."""
        limit = self.thresholds.get(category)
        if limit is None:
            self.say(f"{category.label}尚未设定限额标准，无法按{what}判断。")
            return False
        if amount >= limit:
            self.say(f"{what} {wan(amount)} 万元，达到{category.label}标准 {wan(limit)} 万元。")
            return True
        self.say(f"{what} {wan(amount)} 万元，未达到{category.label}标准 {wan(limit)} 万元。")
        return False


def _combined_parts(facts: SectionFacts, estimate: Decimal | None, r: _Reasoning) -> None:
    """一(一)2: each part of a combined procurement compared with its own kind's threshold, as for an EPC."""
    if not facts.combined_parts:
        raise ValueError("combined procurement needs its parts")
    parts = sorted(facts.combined_parts, key=lambda p: list(CombinedPart).index(p))
    kinds = facts.combined_kinds
    r.say("同一项目合并采购：" + "、".join(p.label for p in parts) + "。各部分分别与本类标准比较。")
    for kind in kinds:
        amount = facts.part_amounts.get(kind) if len(kinds) > 1 else estimate
        if amount is not None:
            r.must = r.reaches(kind, amount, f"合并采购{KIND_LABELS[kind]}部分估算价") or r.must
        elif estimate is not None:
            limit = r.thresholds.get(kind)
            if limit is None:
                r.say(f"{kind.label}尚未设定限额标准，无法判断{KIND_LABELS[kind]}部分。")
            elif estimate < limit:
                r.say(f"合并采购估算价 {wan(estimate)} 万元，未达到{kind.label}标准 {wan(limit)} 万元，"
                      f"其中{KIND_LABELS[kind]}部分也不会达到。")
            else:
                r.incomplete = True
                r.say(f"请填写合并采购中{KIND_LABELS[kind]}部分的估算价，才能判断该部分是否达到"
                      f"{kind.label}标准 {wan(limit)} 万元。")
    if r.must:
        r.say("同一项目合并采购的，任一部分达到本类标准，应采用远程异地评标。")


def _one_kind_or_epc(facts: SectionFacts, estimate: Decimal | None, r: _Reasoning) -> None:
    """一(一)1: the estimate against its category's threshold; an EPC also by each of its parts."""
    if estimate is not None:
        what = "工程总承包估算价" if facts.category is Category.EPC else "估算价"
        r.must = r.reaches(CATEGORY_THRESHOLD[facts.category], estimate, what)
    if facts.category is Category.EPC:
        for part in ThresholdCategory:
            amount = facts.part_amounts.get(part)
            if amount is not None and r.reaches(part, amount, f"总承包{EPC_PART_LABELS[part]}估算价"):
                r.must = True
        if r.must:
            r.say("实行工程总承包的，施工、货物、服务任一部分达到标准，整个总承包发包应当采用远程异地评标。")


def _same_kind_sums(facts: SectionFacts, siblings: Sequence[SiblingSection], r: _Reasoning) -> None:
    """合并计算: one project's sections of the same kind are added up, so splitting (化整为零) changes nothing."""
    for kind, amount in kind_amounts(facts).items():
        others = [(s.code, s.amounts[kind]) for s in siblings if kind in s.amounts]
        limit = r.thresholds.get(kind)
        if not others or limit is None:
            continue
        total = amount + sum((a for _, a in others), Decimal(0))
        terms = " + ".join([f"本标段 {wan(amount)} 万元"] + [f"{code} {wan(a)} 万元" for code, a in others])
        if total >= limit:
            r.must = True
            r.say(f"合并计算：同一项目{KIND_LABELS[kind]}类标段 {terms} = {wan(total)} 万元，达到{kind.label}"
                  f"标准 {wan(limit)} 万元；不得化整为零，本项目该类各标段均应当采用远程异地评标。")
        else:
            r.say(f"合并计算：同一项目{KIND_LABELS[kind]}类标段 {terms} = {wan(total)} 万元，未达到{kind.label}"
                  f"标准 {wan(limit)} 万元。")


def _special_expert_needs(facts: SectionFacts, r: _Reasoning) -> None:
    """一(一)3: special expert needs with a local shortage — the same "原则上应采用" as cases 1 and 2."""
    if not facts.special_expert_needs:
        return
    if facts.local_pool_insufficient:
        r.must = True
        r.say("对评标专家的专业能力或实践经验有特殊要求，且本地专家库相应专业专家数量不足或能力难以满足需要，"
              "原则上应采用远程异地评标。")
    else:
        r.say("对评标专家有特殊要求，但本地专家库能够满足，不因此要求远程异地评标。")


def scope_decision(facts: SectionFacts, thresholds: Mapping[ThresholdCategory, Decimal],
                   siblings: Sequence[SiblingSection] = ()) -> ScopeDecision:
    """Decide, with reasons in Chinese, whether the section shall in principle go remote (seed 000, 一(一)).

    `siblings` are the project's other sections that are 依法必须招标, for the same-kind sums (合并计算).
    """
    estimate, source = estimated_price(facts.estimates)
    r = _Reasoning(thresholds, incomplete=estimate is None)
    if estimate is None:
        r.say("请至少填写合同估算价、项目投资概算、资金预算中的一项，才能判断是否应采用远程异地评标。")
    else:
        r.say(f"估算价按合同估算价、项目投资概算、资金预算中的最高者计：{wan(estimate)} 万元（{source}）。")
    if not facts.mandatory_tender:
        r.say("该项目不属于依法必须招标的项目（自愿招标），不适用“原则上应采用远程异地评标”的规定，可根据需要自愿采用。")
        return ScopeDecision(Level.NOT_REQUIRED, estimate, tuple(r.reasons))
    if facts.category is Category.COMBINED:
        _combined_parts(facts, estimate, r)
    else:
        _one_kind_or_epc(facts, estimate, r)
    _same_kind_sums(facts, siblings, r)
    _special_expert_needs(facts, r)
    level = Level.MUST if r.must else Level.INCOMPLETE if r.incomplete else Level.NOT_REQUIRED
    if level is Level.NOT_REQUIRED:
        r.say("未达到应当采用远程异地评标的标准，可根据需要自愿采用。")
    return ScopeDecision(level, estimate, tuple(r.reasons))


FULL_WIDTH_DIGITS = re.compile(r"[０-９．－＋]")
AMOUNT_RE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,4})?$")


class AmountError(ValueError):
    pass


def parse_amount(text: str | None) -> Decimal | None:
    """An amount in 万元 as typed: '1200', '1200.5'. Empty is None; anything doubtful is refused."""
    value = (text or "").strip()
    if not value:
        return None
    if FULL_WIDTH_DIGITS.search(value):
        raise AmountError("请使用半角数字填写金额（如 1234），不要使用全角数字（如 １２３４）。")
    if "," in value or "，" in value or "'" in value or " " in value:
        raise AmountError("金额请不要使用千位分隔符或空格，直接填写如 12345.67。")
    if value.startswith("-"):
        raise AmountError("金额不能为负数。")
    if value.endswith("元") or value.endswith("万"):
        raise AmountError("只填写数字即可，单位固定为万元。")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise AmountError("金额应为数字（单位：万元），最多 4 位小数，如 1200 或 856.25。") from None
    if not amount.is_finite():
        raise AmountError("金额应为数字（单位：万元），最多 4 位小数，如 1200 或 856.25。")
    if amount > MAX_AMOUNT_WAN:
        raise AmountError("金额超过 1 亿万元，明显不合理，请核对单位是否为万元。")
    if not AMOUNT_RE.match(value):
        raise AmountError("金额应为数字（单位：万元），最多 4 位小数，如 1200 或 856.25。")
    return amount


def start_time_warning(start: time | None) -> str | None:
    """Seed 004 point 5: evaluations start, in principle, on a working-day morning."""
    if start is not None and start >= time(12, 0):
        return "评标开始时间原则上应安排在工作日上午；下午开始的，请确认客场能够保障。"
    return None


# --- a section held by its requests and bookings (issue 22 item 4) --------------------------------------------

TIMING_FIELDS = ("evaluation_date", "start_time", "main_center_id")
# The facts the scope decision reads that a change must tell the guest centers of, and that the end freezes.
SCOPE_FIELDS = ("category", "contract_estimate_wan", "investment_estimate_wan", "budget_wan", "epc_construction_wan",
                "epc_goods_wan", "epc_services_wan", "combined_parts", "prequalification")
FIELD_LABELS = {"evaluation_date": "评标日期", "start_time": "评标开始时间", "main_center_id": "主场交易中心",
                "category": "项目类别", "contract_estimate_wan": "合同估算价", "investment_estimate_wan": "项目投资概算",
                "budget_wan": "资金预算", "epc_construction_wan": "施工部分估算价", "epc_goods_wan": "货物部分估算价",
                "epc_services_wan": "服务部分估算价", "combined_parts": "合并采购内容", "prequalification": "资格预审"}


def locked_fields(held: bool, ended: bool) -> tuple[str, ...]:
    """The section's fields that cannot be edited directly: none when nothing holds it, the timing while
    requests or bookings live, the timing and the scope facts once the evaluation has ended."""
    if ended:
        return TIMING_FIELDS + SCOPE_FIELDS
    return TIMING_FIELDS if held else ()


def section_change_problem(changed: set[str], held: bool, ended: bool, reasons: str = "",
                           prequalification_across: bool = False) -> tuple[str, str] | None:
    """(field, Chinese message) when an edit changes a locked field, or makes a section with live requests
    across provinces a prequalification review (资格预审项目暂不列入跨省, rules 3.4); else None."""
    blocked = [name for name in locked_fields(held, ended) if name in changed]
    if not blocked and prequalification_across and "prequalification" in changed:
        return "prequalification", ("该标段已向外省合作单位申请客场机位，资格预审项目暂不列入跨省远程异地评标："
                                    "请先撤回或取消跨省的客场机位申请，再标为资格预审；本次修改未保存。")
    if not blocked:
        return None
    names = "、".join(FIELD_LABELS[name] for name in blocked)
    if ended:
        return blocked[0], f"该标段的评审已经结束，{names}已冻结，不能再修改。"
    why = f"（{reasons}）" if reasons else ""
    return blocked[0], (f"该标段已有进行中的客场机位申请或预订{why}，{names}只能通过场地变更申请调整，"
                        "不能在标段中直接修改；本次修改未保存。")
