"""Reading the State Council's yearly notice (国务院办公厅关于 XXXX 年部分节假日安排的通知) as pasted: pure.

A notice lists, per holiday, the days off (放假) and the make-up working days (上班), e.g.

    一、元旦：1月1日（周三）放假1天，不调休。
    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
    三、清明节：4月4日（周五）至6日（周日）放假，共3天。
    六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。

`parse_notice` reads every numbered item; an item it cannot read, a weekday annotation that contradicts its
date, a day count that contradicts the range, or a statutory holiday the notice leaves out is refused with the
line's number and text. The preamble, the closing paragraph and the signature are not items and are skipped.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from .rules import STATUTORY_FESTIVALS, WEEKDAY_NAMES, statutory_holidays

MAX_TEXT = 20000
MAX_RANGE_DAYS = 15   # the longest break of any notice so far is 9 days (8 in 2025's 国庆节、中秋节)
NUMERALS = "一二三四五六七八九十"
FESTIVAL_RE = "|".join(STATUTORY_FESTIVALS)

TITLE_RE = re.compile(r"国务院办公厅关于\s*(\d{4})\s*年部分节假日安排的通知")
BODY_YEAR_RE = re.compile(r"现将\s*(\d{4})\s*年")
DOCUMENT_RE = re.compile(r"国办发明电\s*〔\s*\d{4}\s*〕\s*\d+\s*号")
# An item starts with a Chinese ordinal and a festival's name: 「一、元旦：」, 「六、国庆节、中秋节：」.
ITEM_START_RE = re.compile(rf"[{NUMERALS}]+\s*、\s*(?:{FESTIVAL_RE})")
ITEM_RE = re.compile(rf"^(?P<ordinal>[{NUMERALS}]+)\s*、\s*(?P<names>(?:{FESTIVAL_RE})(?:\s*[、和与及]\s*(?:{FESTIVAL_RE}))*)"
                     r"\s*[：:]\s*(?P<body>.*)$")
DAY = r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日(?:（(?P<{p}note>[^）]*)）)?"
OFF_RE = re.compile(r"^" + DAY.format(p="a") + r"(?:至" + DAY.format(p="b") + r")?放假(?P<rest>[^。]*)。?")
COUNT_RE = re.compile(r"共(\d{1,2})天|^(\d{1,2})天")
ONE_DAY = r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:（[^）]*）)?"
WORK_RE = re.compile(rf"^(?P<days>{ONE_DAY}(?:、{ONE_DAY})*)上班。?")
WORK_DAY_RE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:（(?P<note>[^）]*)）)?")
WEEKDAY_RE = re.compile(r"(?:周|星期)([一二三四五六日天])")


@dataclass(frozen=True)
class NoticeProblem:
    """One reason the text is refused; `line` is 1-based, None for the text as a whole."""

    line: int | None
    text: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"第 {self.line} 行“{self.text[:60]}”：{self.message}"


@dataclass(frozen=True)
class NoticeItem:
    """One holiday of the notice: its days off and its make-up working days."""

    names: tuple[str, ...]        # ("国庆节", "中秋节")
    days_off: tuple[date, ...]
    working_days: tuple[date, ...]
    line: int

    @property
    def name(self) -> str:
        return "、".join(self.names)


@dataclass(frozen=True)
class ParsedNotice:
    year: int | None
    items: tuple[NoticeItem, ...] = ()
    problems: tuple[NoticeProblem, ...] = ()
    document: str = ""            # 国办发明电〔2024〕12号, when the text carries it
    title: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.items)

    @property
    def days_off(self) -> dict[date, str]:
        return {day: item.name for item in self.items for day in item.days_off}

    @property
    def working_days(self) -> dict[date, str]:
        return {day: item.name for item in self.items for day in item.working_days}

    @property
    def reference(self) -> str:
        """What an override records as its notice (≤ 200 characters)."""
        title = self.title or (f"国务院办公厅关于{self.year}年部分节假日安排的通知" if self.year else "节假日安排的通知")
        return (f"{title}（{self.document}）" if self.document else title)[:200]


class _Refused(ValueError):
    pass


def _normalise(line: str) -> str:
    """Full-width digits and colons to half-width, spaces dropped; Chinese punctuation kept as the notice has it."""
    text = unicodedata.normalize("NFKC", line)
    # NFKC turns （）、： into ()、: — put the brackets and the colon back as the patterns read them.
    text = text.replace("(", "（").replace(")", "）").replace(":", "：").replace(",", "，")
    return re.sub(r"\s+", "", text)


def _split_items(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, piece): a line holding several items (a paste without line breaks) is cut before each."""
    pieces = []
    for number, raw in enumerate(lines, start=1):
        line = _normalise(raw)
        if not line:
            continue
        starts = [m.start() for m in ITEM_START_RE.finditer(line)]
        if not starts:
            pieces.append((number, line))
            continue
        if starts[0] > 0:
            pieces.append((number, line[:starts[0]]))
        for begin, end in zip(starts, starts[1:] + [len(line)]):
            pieces.append((number, line[begin:end]))
    return pieces


def _day(year: int, month: str | None, day: str, explicit_year: str | None, default_month: int | None) -> date:
    if month is None and default_month is None:
        raise _Refused("日期缺少月份。")
    try:
        return date(int(explicit_year) if explicit_year else year, int(month) if month else default_month, int(day))
    except ValueError:
        raise _Refused(f"{month or default_month}月{day}日不是有效的日期。") from None


def _check_weekday(day: date, note: str | None):
    if not note:
        return
    found = WEEKDAY_RE.findall(note)
    for name in found:
        expected = WEEKDAY_NAMES[day.weekday()]
        if name.replace("天", "日") != expected:
            raise _Refused(f"{day.month}月{day.day}日是星期{expected}，通知写的是“{note}”，星期与日期不符。")


def _parse_item(match: re.Match, year: int, number: int) -> NoticeItem:
    names = tuple(dict.fromkeys(re.findall(FESTIVAL_RE, match["names"])))
    body = match["body"]
    off = OFF_RE.match(body)
    if off is None:
        raise _Refused("没有读到放假日期（应如“1月28日（周二）至2月4日（周二）放假调休，共8天。”）。")
    start = _day(year, off["am"], off["ad"], off["ay"], None)
    _check_weekday(start, off["anote"])
    end = start
    if off["bd"] is not None:
        end = _day(start.year, off["bm"], off["bd"], off["by"], None if off["bm"] else start.month)
        if off["bm"] is None and end < start:
            raise _Refused(f"结束日期 {end.day} 日早于开始日期 {start.month}月{start.day}日。")
        if off["bm"] is not None and off["by"] is None and end < start:   # 12月31日至1月2日: into the next year
            end = _day(start.year + 1, off["bm"], off["bd"], None, None)
        _check_weekday(end, off["bnote"])
    if end < start:
        raise _Refused("放假结束日期早于开始日期。")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise _Refused(f"放假共 {length} 天，超过 {MAX_RANGE_DAYS} 天，请核对日期。")
    counts = [int(a or b) for a, b in COUNT_RE.findall(off["rest"])]
    if counts and counts[-1] != length:
        raise _Refused(f"写的是共 {counts[-1]} 天，但 {start.month}月{start.day}日至{end.month}月{end.day}日是 {length} 天。")
    rest = body[off.end():]
    working: list[date] = []
    for sentence in filter(None, rest.split("。")):
        if "上班" not in sentence and "放假" not in sentence:
            continue   # advice such as 鼓励各单位……安排职工在除夕休息: it moves no day
        work = WORK_RE.match(sentence + "。")
        if work is None:
            raise _Refused(f"读不懂“{sentence[:30]}”（调休上班应如“1月26日（周日）、2月8日（周六）上班。”）。")
        for one in WORK_DAY_RE.finditer(work["days"]):
            day = _day(year, one["m"], one["d"], one["y"], None)
            _check_weekday(day, one["note"])
            if day.weekday() < 5:
                raise _Refused(f"调休上班日 {day.month}月{day.day}日是星期{WEEKDAY_NAMES[day.weekday()]}，"
                               "本来就是工作日，请核对。")
            working.append(day)
    days_off = tuple(start + timedelta(n) for n in range(length))
    both = set(days_off) & set(working)
    if both:
        day = min(both)
        raise _Refused(f"{day.month}月{day.day}日既放假又上班。")
    return NoticeItem(names, days_off, tuple(working), number)


def parse_notice(text: str | None) -> ParsedNotice:
    """The year, each holiday's days off and make-up working days, and every reason to refuse the text."""
    text = text or ""
    if not text.strip():
        return ParsedNotice(None, problems=(NoticeProblem(None, "", "请粘贴通知全文。"),))
    if len(text) > MAX_TEXT:
        return ParsedNotice(None, problems=(NoticeProblem(None, "", f"文本超过 {MAX_TEXT} 字，不像是一份节假日安排通知。"),))
    lines = text.splitlines()
    flat = _normalise(text)
    title_match = TITLE_RE.search(flat)
    year_text = title_match.group(1) if title_match else (m.group(1) if (m := BODY_YEAR_RE.search(flat)) else None)
    document = m.group(0) if (m := DOCUMENT_RE.search(flat)) else ""
    problems: list[NoticeProblem] = []
    year = int(year_text) if year_text else None
    if year is None:
        problems.append(NoticeProblem(None, "", "没有找到年份：通知应有标题“国务院办公厅关于 XXXX 年部分节假日安排的通知”。"))
    elif not 2000 <= year <= 2099:
        problems.append(NoticeProblem(None, "", "年份应在 2000 年至 2099 年之间。"))
        year = None
    items: list[NoticeItem] = []
    for number, piece in _split_items(lines):
        if not re.match(rf"[{NUMERALS}]+\s*、", piece):
            # Not an item: the preamble, the closing paragraph, the signature. A line that gives days off or make-up
            # days without being a numbered item would be silently lost: refuse it instead.
            if re.search(r"\d{1,2}月\d{1,2}日[^。]*(?:放假|上班)", piece) and not re.search(r"国务院令|通知如下", piece):
                problems.append(NoticeProblem(number, piece, "像是放假安排，但不是“一、元旦：……”这样带序号和节日名称的条目。"))
            continue
        match = ITEM_RE.match(piece)
        if match is None:
            problems.append(NoticeProblem(number, piece, "读不懂这一条：应以序号和节日名称开头，如“一、元旦：”。"))
            continue
        if year is None:
            continue
        try:
            items.append(_parse_item(match, year, number))
        except _Refused as refusal:
            problems.append(NoticeProblem(number, piece, str(refusal)))
    if year is not None and not items and not problems:
        problems.append(NoticeProblem(None, "", "没有读到任何节假日安排（如“一、元旦：1月1日（周三）放假1天，不调休。”）。"))
    if year is not None and items:
        # A missing statutory day is only worth telling once every line was read: an unreadable item's days
        # would otherwise be reported twice.
        problems.extend(_cross_checks(year, items, statutory_too=not problems))
    title = f"国务院办公厅关于{year}年部分节假日安排的通知" if year and title_match else ""
    return ParsedNotice(year, tuple(items), tuple(problems), document, title)


def _cross_checks(year: int, items: list[NoticeItem], statutory_too: bool = True) -> list[NoticeProblem]:
    """Across items: no day twice, and every statutory holiday of the year is a day off in the notice."""
    problems = []
    seen: dict[date, NoticeItem] = {}
    for item in items:
        for day in (*item.days_off, *item.working_days):
            if day in seen and seen[day] is not item:
                problems.append(NoticeProblem(item.line, item.name,
                                              f"{day.month}月{day.day}日在“{seen[day].name}”一条中已经出现过。"))
            seen.setdefault(day, item)
    if not statutory_too:
        return problems
    off = {day for item in items for day in item.days_off}
    for day, name in statutory_holidays(year).items():
        if day not in off:
            problems.append(NoticeProblem(None, "", f"{day.month}月{day.day}日（{name}）是《全国年节及纪念日放假办法》规定的"
                                                    "法定节假日，通知中没有它的放假安排：请粘贴通知全文。"))
    return problems


@dataclass(frozen=True)
class ComparedDay:
    """One date of the notice or of the statute, as the computed year has it and as the notice would make it."""

    day: date
    statutory: str            # the 放假办法's festival, or ""
    notice: str               # "放假" / "上班" / "" (the notice does not mention it)
    holiday: str              # the notice item's name
    working_now: bool
    working_after: bool

    @property
    def changes(self) -> bool:
        return self.working_now is not self.working_after


def compare(parsed: ParsedNotice, calendar) -> list[ComparedDay]:
    """Every date the notice or the statute names, beside what the calendar answers now (for confirmation)."""
    if parsed.year is None:
        return []
    statutory = statutory_holidays(parsed.year)
    off, work = parsed.days_off, parsed.working_days
    rows = []
    for day in sorted({*statutory, *off, *work}):
        now = calendar.is_working_day(day)
        after = True if day in work else (False if day in off else now)
        rows.append(ComparedDay(day, statutory.get(day, ""), "上班" if day in work else ("放假" if day in off else ""),
                                work.get(day) or off.get(day, ""), now, after))
    return rows
