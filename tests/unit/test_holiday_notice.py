"""Reading the State Council's yearly holiday notice as pasted (国务院办公厅关于 XXXX 年部分节假日安排的通知).

The 2025 and 2026 texts are typed below; every day in them was checked against chinesecalendar's own data for
those years, and parsing them must reproduce those years exactly (every date: the same working/non-working
answer as chinesecalendar).
"""
from datetime import date, timedelta

import chinese_calendar
import pytest

from portal.calendar.notice import parse_notice
from portal.calendar.rules import Override, WorkCalendar

D = date.fromisoformat

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　根据2024年11月10日国务院令第795号公布的《国务院关于修改〈全国年节及纪念日放假办法〉的决定》，为便于各地区、各部门及早合理安排节假日旅游、交通运输、生产经营等有关工作，经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周三）放假1天，不调休。
　　二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
　　三、清明节：4月4日（周五）至6日（周日）放假，共3天。
　　四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
　　五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
　　六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2024年11月12日
"""

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2025年11月4日
"""


def calendar_from(parsed):
    """A calendar that knows the year only from the parsed notice (no library data at all)."""
    overrides = [Override(day, False, "通知", name) for day, name in parsed.days_off.items()]
    overrides += [Override(day, True, "通知", name) for day, name in parsed.working_days.items()]
    return WorkCalendar(overrides={o.day: o for o in overrides}, announced_years=frozenset([parsed.year]))


@pytest.mark.parametrize("text, year", [(NOTICE_2025, 2025), (NOTICE_2026, 2026)])
def test_a_pasted_notice_reproduces_its_year_exactly(text, year):
    parsed = parse_notice(text)
    assert parsed.ok, [str(p) for p in parsed.problems]
    assert parsed.year == year
    assert set(parsed.days_off) == {d for d in chinese_calendar.holidays if d.year == year}
    assert set(parsed.working_days) == {d for d in chinese_calendar.workdays if d.year == year}
    calendar = calendar_from(parsed)
    day = date(year, 1, 1)
    while day.year == year:
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += timedelta(1)


def test_the_2025_notice_item_by_item():
    parsed = parse_notice(NOTICE_2025)
    assert parsed.document == "国办发明电〔2024〕12号"
    assert parsed.reference == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"
    got = {item.name: (item.days_off[0], item.days_off[-1], len(item.days_off), item.working_days)
           for item in parsed.items}
    assert got == {
        "元旦": (D("2025-01-01"), D("2025-01-01"), 1, ()),
        "春节": (D("2025-01-28"), D("2025-02-04"), 8, (D("2025-01-26"), D("2025-02-08"))),
        "清明节": (D("2025-04-04"), D("2025-04-06"), 3, ()),   # "至6日": the month is the start's
        "劳动节": (D("2025-05-01"), D("2025-05-05"), 5, (D("2025-04-27"),)),
        "端午节": (D("2025-05-31"), D("2025-06-02"), 3, ()),
        "国庆节、中秋节": (D("2025-10-01"), D("2025-10-08"), 8, (D("2025-09-28"), D("2025-10-11"))),
    }
    assert [item.line for item in parsed.items] == [6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize("line, first, last, working", [
    # the "至N日" short form: the end day in the start's month
    ("三、清明节：4月4日（周五）至6日（周日）放假，共3天。", "2025-04-04", "2025-04-06", ()),
    ("二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。",
     "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
    # 中秋节 and 国庆节 in one item, in either order
    ("六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。",
     "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ("七、中秋节、国庆节：10月1日（周三）至8日（周三）放假调休，共8天。", "2025-10-01", "2025-10-08", ()),
    # a month given for the end
    ("五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。", "2025-05-31", "2025-06-02", ()),
    # 星期 instead of 周, half-width brackets and colon, full-width digits, spaces
    ("三、清明节: ４月４日(星期五) 至 6日(星期日) 放假, 共3天。", "2025-04-04", "2025-04-06", ()),
    # one day, no count, no annotation
    ("一、元旦：1月1日放假。", "2025-01-01", "2025-01-01", ()),
    # advice that moves no day is skipped
    ("二、春节：1月28日至2月4日放假调休，共8天。鼓励各单位结合带薪年休假等制度落实，安排职工弹性休息。",
     "2025-01-28", "2025-02-04", ()),
])
def test_item_forms(line, first, last, working):
    text = "国务院办公厅关于2025年部分节假日安排的通知\n" + line
    parsed = parse_notice(text if "2026" not in first else text.replace("2025", "2026"))
    item = next(i for i in parsed.items if i.days_off[0] == D(first))
    assert (item.days_off[0], item.days_off[-1]) == (D(first), D(last))
    assert item.working_days == tuple(D(d) for d in working)
    assert all(p.line is None for p in parsed.problems)   # only "the other festivals are missing"


def test_a_notice_pasted_without_line_breaks_is_read_item_by_item():
    one_line = "".join(line.strip() for line in NOTICE_2025.splitlines())
    parsed = parse_notice(one_line)
    assert parsed.ok and len(parsed.items) == 6


@pytest.mark.parametrize("bad, message", [
    ("三、清明节：4月4日（周六）至6日（周日）放假，共3天。", "4月4日是星期五，通知写的是“周六”，星期与日期不符"),
    ("三、清明节：4月4日（周五）至6日（周一）放假，共3天。", "4月6日是星期日"),
    ("三、清明节：4月4日（周五）至6日（周日）放假，共4天。", "写的是共 4 天"),
    ("三、清明节：4月4日（周五）至2日（周日）放假，共3天。", "早于开始日期"),
    ("三、清明节：4月31日至5月2日放假，共3天。", "4月31日不是有效的日期"),
    ("三、清明节：清明当天放假。", "没有读到放假日期"),
    ("三、清明节：4月4日（周五）至6日（周日）放假，共3天。4月7日（周一）上班。", "本来就是工作日"),
    ("三、清明节：4月4日（周五）至6日（周日）放假，共3天。4月12日（周六）不上班。", "读不懂"),
    ("三、清明节：4月4日（周五）至6日（周日）放假，共3天。4月5日（周六）上班。", "既放假又上班"),
    ("三、植树节：3月12日放假。", "读不懂这一条"),
    ("清明节：4月4日（周五）至6日（周日）放假，共3天。", "不是“一、元旦：……”这样带序号和节日名称的条目"),
])
def test_an_unreadable_line_is_refused_with_its_number_and_text(bad, message):
    lines = NOTICE_2025.splitlines()
    number = next(n for n, line in enumerate(lines, start=1) if "三、清明节" in line)
    lines[number - 1] = bad
    parsed = parse_notice("\n".join(lines))
    assert not parsed.ok
    problem = next(p for p in parsed.problems if p.line == number)
    assert message in problem.message, [str(p) for p in parsed.problems]
    assert str(problem).startswith(f"第 {number} 行“")


def test_every_unreadable_line_gets_its_own_message():
    text = NOTICE_2025.replace("（周三）放假1天", "（周四）放假1天").replace("共5天", "共6天")
    parsed = parse_notice(text)
    assert sorted(p.line for p in parsed.problems if p.line) == [6, 9]


@pytest.mark.parametrize("text, message", [
    ("", "请粘贴通知全文"),
    ("   \n ", "请粘贴通知全文"),
    ("一、元旦：1月1日（周三）放假1天，不调休。", "没有找到年份"),
    ("国务院办公厅关于2025年部分节假日安排的通知\n各省、自治区、直辖市人民政府：", "没有读到任何节假日安排"),
    ("国务院办公厅关于2025年部分节假日安排的通知\n一、元旦：1月1日（周三）放假1天，不调休。", "4月4日（清明节）是《全国年节及纪念日放假办法》规定的法定节假日"),
    ("国务院办公厅关于2150年部分节假日安排的通知\n一、元旦：1月1日放假。", "年份应在 2000 年至 2099 年之间"),
    ("x" * 20001, "超过 20000 字"),
])
def test_texts_that_are_not_a_whole_notice(text, message):
    parsed = parse_notice(text)
    assert not parsed.ok
    assert any(message in str(p) for p in parsed.problems), [str(p) for p in parsed.problems]


def test_a_day_in_two_items_is_refused():
    text = NOTICE_2025.replace("五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。",
                               "五、端午节：5月1日（周四）至3日（周六）放假，共3天。")
    parsed = parse_notice(text)
    assert any("已经出现过" in p.message for p in parsed.problems)


def test_the_year_comes_from_the_body_when_the_title_is_missing():
    body = "\n".join(NOTICE_2025.splitlines()[4:])
    parsed = parse_notice(body)
    assert parsed.ok and parsed.year == 2025 and parsed.reference == "国务院办公厅关于2025年部分节假日安排的通知"
