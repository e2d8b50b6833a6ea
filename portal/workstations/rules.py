"""Pure rules of the workstation registry: codes, spreadsheet cells, import rows, compliance, and the times
of workstation holds and local use (overlap, weekly repetition)."""
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..clock import CHINA

from ..spreadsheets import ImportCheck, RowError, cell_text, missing_columns  # noqa: F401 (the import's shapes)

CODE_MAX = 32
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_\-.]*$")

# Spreadsheet columns of the import template and the export, in order: (key, Chinese header, required)
IMPORT_COLUMNS = (
    ("center", "交易中心", True),
    ("venue", "评标场所", True),
    ("code", "工位编号", True),
    ("cross_province", "支持跨省远程异地评标", True),
    ("has_av", "音视频设备", False),
    ("has_id_reader", "身份证读卡器", False),
    ("has_signature_pad", "电子签名板", False),
    ("status", "状态", False),
    ("notes", "备注", False),
)
HEADER_TO_KEY = {header: key for key, header, _ in IMPORT_COLUMNS}
KEY_TO_HEADER = {key: header for key, header, _ in IMPORT_COLUMNS}
BOOL_KEYS = ("cross_province", "has_av", "has_id_reader", "has_signature_pad")
BOOL_DEFAULTS = {"has_av": True, "has_id_reader": False, "has_signature_pad": False}

TRUE_WORDS = {"是", "支持", "有", "y", "yes", "true", "1", "√", "✓", "具备"}
FALSE_WORDS = {"否", "不支持", "无", "n", "no", "false", "0", "×", "x", "不具备"}
IMPORT_STATUSES = {"可用": "available", "维护中": "maintenance", "维护": "maintenance"}
NAME_MAX = {"center": 80, "venue": 80, "notes": 200}


def normalise_code(raw: str | None) -> str:
    """Codes compare without case: stored in upper case, surrounding blanks removed."""
    return (raw or "").strip().upper()


def code_problem(code: str) -> str | None:
    """A Chinese message when `code` (already normalised) is not a valid workstation code."""
    if not code:
        return "请填写工位编号。"
    if len(code) > CODE_MAX:
        return f"工位编号最多 {CODE_MAX} 个字符。"
    if any(ch.isspace() for ch in code):
        return "工位编号不能包含空格。"
    if not CODE_RE.match(code):
        return "工位编号只能由字母、数字、横线（-）、下划线（_）和点（.）组成，并以字母或数字开头。"
    return None


def parse_bool(raw) -> bool | None:
    """是/否 and their usual spellings in Chinese spreadsheets; None when unrecognised."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw if raw is not None else "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def missing_headers(headers: list[str]) -> list[str]:
    return missing_columns(headers, IMPORT_COLUMNS)


def check_import_rows(rows: list[tuple[int, dict]], center_ids: dict[str, int],
                      existing_codes: set[tuple[int, str]]) -> ImportCheck:
    """Validate every row; the import goes ahead only when no row has an error.

    rows: (spreadsheet row number, {column key: raw cell}); center_ids: the centers the importer
    may write to, by name; existing_codes: (center id, code) already registered.
    """
    check = ImportCheck()
    seen: dict[tuple[int, str], int] = {}
    for row_no, raw in rows:
        errors = []
        parsed = {}
        center_name = cell_text(raw.get("center"))
        center_id = center_ids.get(center_name)
        if not center_name:
            errors.append(("center", "请填写交易中心。"))
        elif center_id is None:
            errors.append(("center", f"交易中心“{center_name}”不存在或不在您的管辖范围内。"))
        venue = cell_text(raw.get("venue"))
        if not venue:
            errors.append(("venue", "请填写评标场所。"))
        elif len(venue) > NAME_MAX["venue"]:
            errors.append(("venue", f"评标场所最多 {NAME_MAX['venue']} 个字符。"))
        code = normalise_code(cell_text(raw.get("code")))
        problem = code_problem(code)
        if problem:
            errors.append(("code", problem))
        elif center_id is not None:
            key = (center_id, code)
            if key in existing_codes:
                errors.append(("code", f"工位编号“{code}”在该交易中心已登记。"))
            elif key in seen:
                errors.append(("code", f"工位编号“{code}”与第 {seen[key]} 行重复。"))
            else:
                seen[key] = row_no
        for key in BOOL_KEYS:
            text = cell_text(raw.get(key))
            if not text and key in BOOL_DEFAULTS:
                parsed[key] = BOOL_DEFAULTS[key]
                continue
            value = parse_bool(text)
            if value is None:
                errors.append((key, "请填写“是”或“否”。" if not text else f"无法识别“{text}”，请填写“是”或“否”。"))
            parsed[key] = value
        status_text = cell_text(raw.get("status")) or "可用"
        status = IMPORT_STATUSES.get(status_text)
        if status is None:
            errors.append(("status", f"状态“{status_text}”无效，请填写“可用”或“维护中”。"))
        notes = cell_text(raw.get("notes"))
        if len(notes) > NAME_MAX["notes"]:
            errors.append(("notes", f"备注最多 {NAME_MAX['notes']} 个字符。"))
        for key, message in errors:
            check.errors.append(RowError(row_no, KEY_TO_HEADER[key], message))
        if not errors:
            parsed.update(center_id=center_id, center=center_name, venue=venue, code=code,
                          status=status, notes=notes or None, row=row_no)
            check.rows.append(parsed)
    return check


@dataclass(frozen=True)
class Compliance:
    required: int
    actual: int

    @property
    def complies(self) -> bool:
        return self.actual >= self.required

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.actual)


def standing_compliance(required: int, actual: int) -> Compliance:
    """Standing cross-province secondary venue rule (seed 000 part 四): at least `required`
    cross-province workstations (10 by default; "10 个以上" read as 10 or more)."""
    return Compliance(required=required, actual=actual)


# ---------------------------------------------------------------- the standing venues' record (常态化副场工作记录)

RECORD_MONTHS = 12


@dataclass(frozen=True)
class HostedMonth:
    """Cross-province work a standing venue hosted as guest venue (客场) in one month: the inbound evaluations
    (跨省评标场次), their guest seats (机位) and the experts placed there (专家人次)."""

    month: date              # the first day of the month
    evaluations: int = 0
    seats: int = 0
    experts: int = 0


def record_months(today: date, count: int = RECORD_MONTHS) -> list[date]:
    """The first days of the `count` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def month_last_day(month: date) -> date:
    """The last day of the month that starts on `month`."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def hosted_months(months: list[date], counted: dict[date, tuple[int, int, int]]) -> list[HostedMonth]:
    """One row per month of `months`, in their order, from (evaluations, seats, experts) counted by month; a month
    with nothing counted is a row of zeros (the record shows every month, not only the busy ones)."""
    return [HostedMonth(month, *counted.get(month, (0, 0, 0))) for month in months]


def hosted_total(rows: list[HostedMonth]) -> HostedMonth:
    """The sum of the months' rows (dated the first of them)."""
    return HostedMonth(rows[0].month if rows else date.min, sum(r.evaluations for r in rows),
                       sum(r.seats for r in rows), sum(r.experts for r in rows))


# ---------------------------------------------------------------- holds and local use (工位占用与本地使用)

# No hold is longer than a day: a maintenance block of several days is one hold per day (the overlap queries
# read the (workstation, start) index from start - MAX_HOLD_MINUTES on).
MAX_HOLD_MINUTES = 24 * 60
# A local use is recorded at most this far ahead, and its range (with a weekly repetition) at most this long.
MAX_DAYS_AHEAD = 400
MAX_RANGE_DAYS = 366
MAX_OCCURRENCES = 120
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open ranges [start, end) overlap: one ending when the other starts is no clash."""
    return a_start < b_end and b_start < a_end


def china_clock(value: datetime) -> str:
    """'2026-12-03 09:00' in China time (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def clash_text(code: str, starts: datetime, ends: datetime, label: str) -> str:
    """How a refusal names a taken workstation: which, when, by what (a label, never an expert)."""
    return f"工位 {code} 在 {china_clock(starts)}—{china_clock(ends)[11:]} 已被{label}占用"


def hold_range(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """[start, end) of one China day as UTC instants."""
    starts = datetime.combine(day, start, tzinfo=CHINA)
    ends = datetime.combine(day, end, tzinfo=CHINA)
    return starts.astimezone(UTC), ends.astimezone(UTC)


def occurrences(first: date, last: date, weekday: int | None) -> list[date]:
    """The days a local use covers: every day from first to last, or only one weekday (0 = Monday) of them
    ('every Tuesday morning' until the last date)."""
    days, day = [], first
    while day <= last:
        if weekday is None or day.weekday() == weekday:
            days.append(day)
        day += timedelta(days=1)
    return days


def local_use_problems(first: date | None, last: date | None, start: time | None, end: time | None,
                       weekday: int | None, seats: int | None, today: date) -> list[str]:
    """Chinese messages for a local use that cannot be recorded (empty when it can)."""
    if first is None or start is None or end is None:
        return ["请填写日期和起止时间。"]
    last = last or first
    problems = []
    if first < today:
        problems.append("开始日期不能早于今天。")
    if last < first:
        problems.append("结束日期不能早于开始日期。")
    if (first - today).days > MAX_DAYS_AHEAD:
        problems.append(f"最多登记 {MAX_DAYS_AHEAD} 天以内的使用。")
    if (last - first).days >= MAX_RANGE_DAYS:
        problems.append(f"日期范围最长 {MAX_RANGE_DAYS} 天。")
    if end <= start:
        problems.append("结束时间应晚于开始时间。")
    if seats is not None and seats < 1:
        problems.append("工位数至少为 1。")
    if not problems:
        days = occurrences(first, last, weekday)
        if not days:
            problems.append(f"所选日期范围内没有{WEEKDAYS[weekday]}。")
        elif len(days) > MAX_OCCURRENCES:
            problems.append(f"一次最多登记 {MAX_OCCURRENCES} 个日期，请缩短日期范围或按周重复。")
    return problems


# --- the order of venue names ------------------------------------------------------------------------------
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = re.compile(r"[0-9]+|[〇零一二两三四五六七八九十百千]+")


def chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零五 → 105; a run of digits alone (二〇二六) reads digit by digit."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            digit = _CN_DIGITS[ch]
    return total + (digit or 0)


def venue_sort_key(name: str) -> str:
    """The name with every number (Arabic or Chinese) zero-padded, so that names sort as people count:
    第一评标区 < 第二评标区 < 第三评标区 < 第十评标区, A2 < A10 (a plain text sort gives 第一、第三、第二, as the
    characters 一 U+4E00 < 三 U+4E09 < 二 U+4E8C)."""
    def padded(match: re.Match) -> str:
        raw = match.group(0)
        value = int(raw) if raw.isdigit() else chinese_number(raw)
        return f"{value:08d}"

    return _NUMBER.sub(padded, name or "")[:200]
