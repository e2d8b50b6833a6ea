"""Pure rules of the monthly dispatch report (远程异地评标月调度情况表, seed 000 part 六 and its attachment).

No Flask and no database here: plain values in, figures out (table-driven tests in tests/unit).

The table has one row per reporting unit (the 12 regions, in the attachment's order) and 14 columns in
three groups. The first group (all engineering evaluations) is entered by the region, since it includes
evaluations the portal never sees; the two remote groups are counted from the guest seats of the month:
- main side (主场): the region's remote evaluations, i.e. sections whose main center lies in the region and
  that used at least one guest venue; its text cell names the guest places: another province by its name
  (`辽宁省, 专家3人`), a Jilin region by its short name with the number of times (`吉林2次, 专家5人`);
- secondary side (副场): sections of other regions (or provinces) for which a center of the region was a
  guest venue; its text cell names the main places (`长春2次; 四平1次`).
"""
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

TITLE = "远程异地评标月调度情况表"
DEFAULT_DUE_DAY = 10          # "于每月 10 日前": the 10th itself is still on time, the 11th is late
MAX_COUNT = 1_000_000
MAX_AMOUNT = Decimal("100000000")   # 万元 (10^12 元): anything larger is a typing error


class Kind(enum.Enum):
    COUNT = "count"
    AMOUNT = "amount"
    TEXT = "text"


@dataclass(frozen=True)
class Cell:
    key: str
    group: str
    label: str
    kind: Kind

    @property
    def entered(self) -> bool:
        return self.group == "all"

    @property
    def numeric(self) -> bool:
        return self.kind is not Kind.TEXT


GROUPS = [("all", "工程建设项目评标情况"), ("main", "远程异地评标情况（主场）"), ("secondary", "远程异地评标情况（副场）")]
GROUP_LABELS = dict(GROUPS)

CELLS = [
    Cell("all_projects", "all", "项目数量", Kind.COUNT),
    Cell("all_sections", "all", "标段数量", Kind.COUNT),
    Cell("all_budget", "all", "预算金额（万元）", Kind.AMOUNT),
    Cell("all_winning", "all", "中标金额（万元）", Kind.AMOUNT),
    Cell("main_projects", "main", "项目数量", Kind.COUNT),
    Cell("main_sections", "main", "标段数量", Kind.COUNT),
    Cell("main_budget", "main", "预算金额（万元）", Kind.AMOUNT),
    Cell("main_winning", "main", "中标金额（万元）", Kind.AMOUNT),
    Cell("main_places", "main", "副场地区（省份）及抽取专家数量", Kind.TEXT),
    Cell("sec_projects", "secondary", "项目数量", Kind.COUNT),
    Cell("sec_sections", "secondary", "标段数量", Kind.COUNT),
    Cell("sec_budget", "secondary", "预算金额（万元）", Kind.AMOUNT),
    Cell("sec_winning", "secondary", "中标金额（万元）", Kind.AMOUNT),
    Cell("sec_places", "secondary", "主场地区（省份）", Kind.TEXT),
]
CELL = {c.key: c for c in CELLS}
ENTERED = [c for c in CELLS if c.entered]
COMPUTED = [c for c in CELLS if not c.entered]
PLACES_HINT = "如**省, 专家*人; 吉林*次, 专家**人"


def group_cells(group: str) -> list[Cell]:
    return [c for c in CELLS if c.group == group]


# --- months and the deadline ----------------------------------------------------------------------------

def parse_month(text: str | None) -> date | None:
    """'2026-10' -> date(2026, 10, 1); anything else (or a year outside 2000-2099) -> None."""
    text = (text or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()) or not text.isascii():
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of the month."""
    return date.fromordinal(next_month(month).toordinal() - 1)


def reporting_month(today: date) -> date:
    """The month whose report is due now: last month."""
    return previous_month(date(today.year, today.month, 1))


def due_date(month: date, due_day: int = DEFAULT_DUE_DAY) -> date:
    """The last day on which the report of `month` is on time: the due day of the following month.

    "每月 10 日前报送" in administrative usage includes the 10th: the 10th is on time, the 11th is late. A due
    day past the 28th is the 28th, so it is never past a short month.
    """
    following = next_month(month)
    return date(following.year, following.month, max(1, min(due_day, 28)))


def last_day_on_time(month: date, due_day: int = DEFAULT_DUE_DAY) -> date:
    """The same day as `due_date`: the due day itself is on time."""
    return due_date(month, due_day)


def first_late_day(month: date, due_day: int = DEFAULT_DUE_DAY) -> date:
    return date.fromordinal(due_date(month, due_day).toordinal() + 1)


def due_wording(due: date) -> str:
    """The one wording of a report's deadline that every page and reminder uses."""
    return f"{due.year}年{due.month}月{due.day}日前（含当日）"


def due_text(month: date, due_day: int = DEFAULT_DUE_DAY) -> str:
    return due_wording(due_date(month, due_day))


def is_late(submitted_on: date | None, month: date, today: date, due_day: int = DEFAULT_DUE_DAY) -> bool:
    """Late: submitted after the due date, or not submitted and the due date has passed."""
    due = due_date(month, due_day)
    return (submitted_on if submitted_on is not None else today) > due


def may_file(month: date, today: date) -> bool:
    """A month's report can be filed once the month has ended (the 1st of the next month on)."""
    return today >= next_month(month)


def days_left(month: date, today: date, due_day: int = DEFAULT_DUE_DAY) -> int:
    """Days until the last day on time (0 = today is the last day, negative = overdue)."""
    return (last_day_on_time(month, due_day) - today).days


# --- the report's life cycle -------------------------------------------------------------------------------

class Status(enum.Enum):
    """draft → submitted → approved (final) or returned → submitted again; an approved report is reopened
    (returned with the reason) only by the province."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "submitted": "已报送", "returned": "已退回修改",
                "approved": "已审核通过"}[self.value]

    @property
    def editable(self) -> bool:
        """The region may change its figures (a submitted or approved report is locked)."""
        return self in (Status.DRAFT, Status.RETURNED)

    @property
    def filed(self) -> bool:
        """The region has filed the month (counted as submitted in the province's table)."""
        return self in (Status.SUBMITTED, Status.APPROVED)


class Move(enum.Enum):
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    REOPEN = "reopen"


def move_problem(status: Status | None, move: Move, *, comment: str = "", missing: list[str] = ()) -> str | None:
    """Why `move` is not allowed from `status` (None = allowed)."""
    if move is Move.SUBMIT:
        if status is Status.APPROVED:
            return "本月报表已审核通过，不能再报送；如需修改，请联系省政数局重新打开。"
        if status is Status.SUBMITTED:
            return "本月报表已报送，不能重复报送；如需修改，请联系省政数局退回。"
        if missing:
            return "请先填写：" + "、".join(missing) + "。"
        return None
    if move is Move.APPROVE:
        return None if status is Status.SUBMITTED else "只有已报送、待审核的报表可以审核通过。"
    if move is Move.REOPEN:
        if status is not Status.APPROVED:
            return "只有已审核通过的报表需要重新打开；已报送的报表请直接退回。"
        if not comment.strip():
            return "请填写重新打开的原因，说明需要修改的内容。"
        return None
    if status is Status.APPROVED:
        return "该报表已审核通过，是本月的最终数据；确需修改时请“重新打开”并说明原因。"
    if status is not Status.SUBMITTED:
        return "只有已报送的报表可以退回。"
    if not comment.strip():
        return "请填写退回意见，说明需要修改的内容。"
    return None


# --- counting the remote columns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GuestUse:
    """One guest venue of one remote evaluation in the month (an accepted guest-seat request)."""

    section_id: int
    project_id: int
    main_region_id: int | None
    main_place: str                  # the main region's short name
    guest_region_id: int | None      # None: a center of another province
    guest_place: str                 # the guest region's short name, or the other province's name
    place_order: int                 # where the guest place goes in the text cell (other provinces first)
    budget: Decimal | None           # 万元
    winning: Decimal | None          # 万元, once recorded
    experts: int
    main_order: int = 0              # where the main place goes in the secondary side's text cell


@dataclass
class Side:
    """The figures of one side (main or secondary) of one region, and what they were counted from."""

    sections: dict[int, GuestUse] = field(default_factory=dict)     # section id -> its first use
    projects: set[int] = field(default_factory=set)
    places: dict[str, list] = field(default_factory=dict)            # place -> [order, times, experts, in_province]

    def add(self, use: GuestUse, place: str, order: int, in_province: bool, experts: int, new_time: bool):
        self.sections.setdefault(use.section_id, use)
        self.projects.add(use.project_id)
        slot = self.places.setdefault(place, [order, 0, 0, in_province])
        slot[1] += 1 if new_time else 0
        slot[2] += experts

    @property
    def budget(self) -> Decimal:
        return sum((u.budget or Decimal(0) for u in self.sections.values()), Decimal(0))

    @property
    def winning(self) -> Decimal:
        return sum((u.winning or Decimal(0) for u in self.sections.values()), Decimal(0))

    @property
    def winning_missing(self) -> int:
        return sum(1 for u in self.sections.values() if u.winning is None)


def place_label(region_name: str) -> str:
    """The short name a region goes by in the text cells: 长春地区 -> 长春, 延边州 stays."""
    if region_name == "省公共资源交易中心":
        return "省中心"
    return region_name[:-2] if region_name.endswith("地区") and len(region_name) > 2 else region_name


def places_text(places: dict[str, list], with_experts: bool) -> str:
    """`辽宁省, 专家3人; 吉林2次, 专家5人` (main side) or `长春2次; 四平1次` (secondary side).

    Another province is named without a count when it served once, as in the attachment's example.
    """
    parts = []
    for place, (_, times, experts, in_province) in sorted(places.items(), key=lambda kv: (kv[1][0], kv[0])):
        name = f"{place}{times}次" if in_province or times > 1 else place
        parts.append(f"{name}, 专家{experts}人" if with_experts else name)
    return "; ".join(parts)


def tally(uses: list[GuestUse]) -> tuple[dict[int, Side], dict[int, Side]]:
    """(main side by region, secondary side by region) from the month's guest uses.

    A section counts once per side however many guest venues it used; "times" count sections, not venues
    (one evaluation with two venues in 吉林地区 is 吉林1次 with both venues' experts).
    """
    main: dict[int, Side] = defaultdict(Side)
    secondary: dict[int, Side] = defaultdict(Side)
    seen_main: set[tuple] = set()
    seen_secondary: set[tuple] = set()
    for use in uses:
        if use.main_region_id is not None:
            key = (use.main_region_id, use.section_id, use.guest_place)
            main[use.main_region_id].add(use, use.guest_place, use.place_order, use.guest_region_id is not None,
                                         use.experts, key not in seen_main)
            seen_main.add(key)
        if use.guest_region_id is not None and use.guest_region_id != use.main_region_id:
            key = (use.guest_region_id, use.section_id)
            # A main venue of another province (inbound) is named like a guest province: no count when once.
            secondary[use.guest_region_id].add(use, use.main_place, use.main_order, use.main_region_id is not None,
                                               use.experts, key not in seen_secondary)
            seen_secondary.add(key)
    return dict(main), dict(secondary)


def side_values(side: Side | None, prefix: str) -> dict:
    """The five cells of one side as report values (numbers, amounts as Decimal, the text)."""
    side = side or Side()
    return {
        f"{prefix}_projects": len(side.projects),
        f"{prefix}_sections": len(side.sections),
        f"{prefix}_budget": side.budget,
        f"{prefix}_winning": side.winning,
        f"{prefix}_places": places_text(side.places, with_experts=(prefix == "main")),
    }


def computed_values(main: Side | None, secondary: Side | None) -> dict:
    return side_values(main, "main") | side_values(secondary, "sec")


# --- values as typed and as shown ------------------------------------------------------------------------

class FigureError(ValueError):
    """A typed figure that cannot be a report value; the message is Chinese."""


def parse_value(cell: Cell, text: str | None):
    """A typed cell value: counts as int, amounts as Decimal (up to 4 decimals, 万元), text as text.
    Blank is None. Full-width digits and thousands separators are accepted."""
    raw = (text or "").strip()
    if cell.kind is Kind.TEXT:
        if len(raw) > 500:
            raise FigureError(f"“{cell.label}”不能超过 500 个字。")
        return raw
    if not raw:
        return None
    raw = raw.translate(FULLWIDTH).replace(",", "").replace(" ", "")
    if cell.kind is Kind.COUNT:
        if not (raw.isascii() and raw.isdigit()):
            raise FigureError(f"“{cell.label}”应为不小于 0 的整数。")
        if len(raw) > 7:
            raise FigureError(f"“{cell.label}”不能超过 {MAX_COUNT}。")
        value = int(raw)
        if value > MAX_COUNT:
            raise FigureError(f"“{cell.label}”不能超过 {MAX_COUNT}。")
        return value
    if len(raw) > 20 or not all(ch.isdigit() or ch == "." for ch in raw) or not raw.isascii():
        if raw.startswith("-") or raw.lower() in ("nan", "inf", "infinity", "-inf"):
            raise FigureError(f"“{cell.label}”应为不小于 0 的金额（万元）。")
        raise FigureError(f"“{cell.label}”应为金额（万元），如 1234.56。")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise FigureError(f"“{cell.label}”应为金额（万元），如 1234.56。") from None
    if not value.is_finite() or value < 0:
        raise FigureError(f"“{cell.label}”应为不小于 0 的金额（万元）。")
    if value >= MAX_AMOUNT:
        raise FigureError(f"“{cell.label}”金额过大，请以万元为单位填写。")
    if value != value.quantize(Decimal("0.0001")):
        raise FigureError(f"“{cell.label}”最多保留 4 位小数（万元）。")
    return value


FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def to_text(cell: Cell, value) -> str:
    """A value as stored in JSON and shown on the form: amounts without trailing zeros beyond 2 places."""
    if value is None:
        return ""
    if cell.kind is Kind.AMOUNT:
        return amount_text(Decimal(value))
    return str(value)


def amount_text(value: Decimal) -> str:
    value = Decimal(value).quantize(Decimal("0.0001"))
    text = f"{value:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


def from_text(cell: Cell, text: str | None):
    """The inverse of to_text for values read back from storage."""
    if cell.kind is Kind.TEXT:
        return text or ""
    if text in (None, ""):
        return None
    return int(text) if cell.kind is Kind.COUNT else Decimal(text)


def totals(rows: list[dict]) -> dict:
    """The 合计 row: the sum of each numeric cell over the rows (a blank cell adds nothing; a column blank in
    every row stays blank). Text cells have no total."""
    out = {}
    for cell in CELLS:
        if not cell.numeric:
            out[cell.key] = ""
            continue
        present = [row.get(cell.key) for row in rows if row.get(cell.key) is not None]
        out[cell.key] = sum(present, Decimal(0) if cell.kind is Kind.AMOUNT else 0) if present else None
    return out


def share(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal, None when there is no whole."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def share_over(rows: list[dict]) -> Decimal | None:
    """Remote share (主场标段数 / 标段数) over several rows or months, counting only those whose total
    (all_sections) was entered: a remote count without its total would push the share past 100%."""
    part = sum((row.get("main_sections") or 0) for row in rows if row.get("all_sections") is not None)
    whole = sum(row["all_sections"] for row in rows if row.get("all_sections") is not None)
    return share(part, whole)


def change(current, previous) -> Decimal | int | None:
    """Month-over-month difference (None when either side is blank)."""
    if current is None or previous is None:
        return None
    return current - previous


def entered_missing(values: dict) -> list[str]:
    """The entered cells still blank (a report cannot be submitted with them blank)."""
    return [f"{GROUP_LABELS['all']}·{c.label}" for c in ENTERED if values.get(c.key) is None]


def consistency_problems(values: dict) -> list[str]:
    """Figures that cannot both be true: remote evaluations are a part of all evaluations."""
    problems = []
    for kind, label in (("projects", "项目数量"), ("sections", "标段数量")):
        whole, part = values.get(f"all_{kind}"), values.get(f"main_{kind}")
        if whole is not None and part is not None and part > whole:
            problems.append(f"远程异地评标（主场）{label} {part} 大于工程建设项目评标{label} {whole}。")
    projects, sections = values.get("all_projects"), values.get("all_sections")
    if projects is not None and sections is not None and projects > sections:
        problems.append(f"项目数量 {projects} 大于标段数量 {sections}：每个项目至少有一个标段。")
    return problems
