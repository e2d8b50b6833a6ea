"""The monthly dispatch report's rules: months, the deadline ("10 日前"), counting the remote columns, the
text cells, totals, typed values, the life cycle."""
from datetime import date
from decimal import Decimal

import pytest

from portal.reports import rules
from portal.reports.rules import CELL, GuestUse, Move, Status


@pytest.mark.parametrize("text, expected", [
    ("2026-10", date(2026, 10, 1)), ("2026-01", date(2026, 1, 1)), ("2099-12", date(2099, 12, 1)),
    ("2026-13", None), ("2026-00", None), ("1999-12", None), ("2026-1", None), ("２０２６-10", None),
    ("2026/10", None), ("", None), (None, None), ("2026-10-01", None),
])
def test_parse_month(text, expected):
    assert rules.parse_month(text) == expected


# "每月 10 日前" includes the 10th (issue 23): the due day is the last day on time
@pytest.mark.parametrize("month, due_day, due, last_on_time", [
    (date(2026, 10, 1), 10, date(2026, 11, 10), date(2026, 11, 10)),
    (date(2026, 12, 1), 10, date(2027, 1, 10), date(2027, 1, 10)),    # December's report is due in January
    (date(2026, 1, 1), 15, date(2026, 2, 15), date(2026, 2, 15)),     # the day is a setting
    (date(2026, 1, 1), 31, date(2026, 2, 28), date(2026, 2, 28)),     # never past a short month
])
def test_due_date(month, due_day, due, last_on_time):
    assert rules.due_date(month, due_day) == due
    assert rules.last_day_on_time(month, due_day) == last_on_time
    assert rules.first_late_day(month, due_day) == date.fromordinal(due.toordinal() + 1)


def test_one_wording_of_the_deadline():
    assert rules.due_text(date(2026, 11, 1)) == "2026年12月10日前（含当日）"
    assert rules.due_wording(date(2027, 1, 10)) == "2027年1月10日前（含当日）"


@pytest.mark.parametrize("submitted_on, today, late", [
    (date(2026, 11, 1), date(2026, 11, 1), False),
    (date(2026, 11, 9), date(2026, 11, 20), False),   # the 9th is before the 10th
    (date(2026, 11, 10), date(2026, 11, 10), False),  # "10 日前" includes the 10th: on time
    (date(2026, 11, 11), date(2026, 11, 11), True),   # the 11th is late
    (date(2026, 12, 3), date(2026, 12, 3), True),
    (None, date(2026, 11, 9), False),                 # not yet submitted, not yet due
    (None, date(2026, 11, 10), False),                # the due date itself: still time
    (None, date(2026, 11, 11), True),                 # not submitted by the due date: late
])
def test_is_late(submitted_on, today, late):
    assert rules.is_late(submitted_on, date(2026, 10, 1), today) is late


@pytest.mark.parametrize("today, month, expected", [
    (date(2026, 11, 21), date(2026, 10, 1), True), (date(2026, 11, 1), date(2026, 10, 1), True),
    (date(2026, 10, 31), date(2026, 10, 1), False), (date(2026, 11, 21), date(2026, 11, 1), False),
])
def test_a_month_is_filed_once_it_has_ended(today, month, expected):
    assert rules.may_file(month, today) is expected


@pytest.mark.parametrize("today, month", [
    (date(2026, 11, 21), date(2026, 10, 1)), (date(2027, 1, 5), date(2026, 12, 1)), (date(2026, 3, 1), date(2026, 2, 1)),
])
def test_reporting_month_is_last_month(today, month):
    assert rules.reporting_month(today) == month


@pytest.mark.parametrize("today, left", [(date(2026, 11, 1), 9), (date(2026, 11, 9), 1), (date(2026, 11, 10), 0),
                                         (date(2026, 11, 12), -2)])
def test_days_left(today, left):
    assert rules.days_left(date(2026, 10, 1), today) == left


def use(section, project, main, guest, place, experts, *, budget="100", winning="90", order=None, main_place=None):
    return GuestUse(section_id=section, project_id=project, main_region_id=main,
                    main_place=main_place or {1: "省中心", 2: "长春", 3: "吉林", 4: "四平"}.get(main, "?"),
                    guest_region_id=guest, guest_place=place,
                    place_order=order if order is not None else (100 + guest if guest else len(place)),
                    budget=Decimal(budget) if budget is not None else None,
                    winning=Decimal(winning) if winning is not None else None, experts=experts)


# A fixture month: regions 2 (长春), 3 (吉林), 4 (四平); 辽宁省 and 湖北省 are other provinces.
MONTH = [
    use(10, 100, 2, None, "辽宁省", 3, budget="1000", winning="950"),       # 长春 main, cross-province guest
    use(11, 100, 2, 3, "吉林", 2, budget="500", winning=None),              # same project, in-province guest
    use(12, 101, 2, 3, "吉林", 3, budget="300", winning="280"),             # second 吉林 time
    use(12, 101, 2, 4, "四平", 1, budget="300", winning="280"),             # same section, a second guest
    use(13, 102, 3, 2, "长春", 2, budget="200", winning="190"),             # 吉林 main, 长春 hosts
    use(14, 103, 2, 2, "长春", 2, budget="50", winning="45"),               # within 长春: main side only
    use(15, 104, 3, None, "湖北省", 2, budget="80", winning="75"),
    use(16, 105, 3, None, "湖北省", 4, budget="20", winning="18"),          # 湖北 twice
]


def test_tally_main_side():
    main, secondary = rules.tally(MONTH)
    values = rules.computed_values(main.get(2), secondary.get(2))
    assert values["main_projects"] == 3          # 100, 101, 103
    assert values["main_sections"] == 4          # 10, 11, 12, 14: section 12 once for two guests
    assert values["main_budget"] == Decimal("1850")
    assert values["main_winning"] == Decimal("1275")   # 950 + 280 + 45; section 11 not recorded yet
    assert main[2].winning_missing == 1
    assert values["main_places"] == "辽宁省, 专家3人; 长春1次, 专家2人; 吉林2次, 专家5人; 四平1次, 专家1人"


def test_tally_secondary_side_counts_other_regions_only():
    main, secondary = rules.tally(MONTH)
    changchun = rules.computed_values(main.get(2), secondary.get(2))
    assert (changchun["sec_projects"], changchun["sec_sections"]) == (1, 1)   # only 吉林's section 13
    assert changchun["sec_budget"] == Decimal("200") and changchun["sec_winning"] == Decimal("190")
    assert changchun["sec_places"] == "吉林1次"
    jilin = rules.computed_values(main.get(3), secondary.get(3))
    assert (jilin["sec_projects"], jilin["sec_sections"], jilin["sec_places"]) == (2, 2, "长春2次")
    assert jilin["main_places"] == "湖北省2次, 专家6人; 长春1次, 专家2人"
    siping = rules.computed_values(main.get(4), secondary.get(4))
    assert (siping["main_sections"], siping["sec_sections"], siping["sec_places"]) == (0, 1, "长春1次")
    assert siping["main_places"] == ""


def test_inbound_work_counts_on_the_hosts_secondary_side_under_the_main_venues_province():
    """吉林 hosts two 湖北 evaluations and one 辽宁 one (main venues of other provinces: no region here)."""
    inbound = [
        GuestUse(section_id=20, project_id=200, main_region_id=None, main_place="湖北省", main_order=-990,
                 guest_region_id=3, guest_place="吉林", place_order=103, budget=Decimal("900"), winning=None,
                 experts=2),
        GuestUse(section_id=21, project_id=201, main_region_id=None, main_place="湖北省", main_order=-990,
                 guest_region_id=3, guest_place="吉林", place_order=103, budget=Decimal("100"),
                 winning=Decimal("95"), experts=1),
        GuestUse(section_id=22, project_id=202, main_region_id=None, main_place="辽宁省", main_order=-998,
                 guest_region_id=3, guest_place="吉林", place_order=103, budget=Decimal("50"), winning=None,
                 experts=3),
    ]
    main, secondary = rules.tally(MONTH + inbound)
    jilin = rules.computed_values(main.get(3), secondary.get(3))
    assert (jilin["sec_projects"], jilin["sec_sections"]) == (5, 5)
    assert jilin["sec_budget"] == Decimal("1850") and jilin["sec_winning"] == Decimal("375")   # 800 + 1050; 280 + 95
    # Other provinces first (by their order), named without a count when once, as on the main side.
    assert jilin["sec_places"] == "辽宁省; 湖北省2次; 长春2次"
    assert jilin["main_places"] == "湖北省2次, 专家6人; 长春1次, 专家2人"   # its own main side unchanged
    assert None not in main   # another province's main venue has no row of its own


def test_an_empty_month_counts_zero():
    values = rules.computed_values(None, None)
    assert values == {"main_projects": 0, "main_sections": 0, "main_budget": Decimal(0), "main_winning": Decimal(0),
                      "main_places": "", "sec_projects": 0, "sec_sections": 0, "sec_budget": Decimal(0),
                      "sec_winning": Decimal(0), "sec_places": ""}


@pytest.mark.parametrize("name, label", [
    ("长春地区", "长春"), ("吉林地区", "吉林"), ("延边州", "延边州"), ("长白山开发区", "长白山开发区"),
    ("梅河口市", "梅河口市"), ("省公共资源交易中心", "省中心"), ("地区", "地区"),
])
def test_place_label(name, label):
    assert rules.place_label(name) == label


def test_totals_add_numbers_keep_blanks_and_leave_text():
    rows = [{"all_projects": 3, "all_budget": Decimal("1.5"), "main_places": "辽宁省, 专家3人"},
            {"all_projects": 4, "all_budget": None},
            {"all_projects": None, "all_budget": Decimal("2.25")}]
    total = rules.totals(rows)
    assert total["all_projects"] == 7 and total["all_budget"] == Decimal("3.75")
    assert total["all_sections"] is None and total["main_places"] == ""


@pytest.mark.parametrize("key, text, expected", [
    ("all_projects", "12", 12), ("all_projects", "１２", 12), ("all_projects", "1,200", 1200), ("all_projects", "", None),
    ("all_budget", "1234.5678", Decimal("1234.5678")), ("all_budget", "０.５", Decimal("0.5")), ("all_budget", "0", Decimal(0)),
    ("main_places", " 辽宁省, 专家3人 ", "辽宁省, 专家3人"), ("main_places", "", ""),
])
def test_parse_value(key, text, expected):
    assert rules.parse_value(CELL[key], text) == expected


@pytest.mark.parametrize("key, text, message", [
    ("all_projects", "-1", "整数"), ("all_projects", "1.5", "整数"), ("all_projects", "十二", "整数"),
    ("all_projects", "99999999", "不能超过"), ("all_budget", "abc", "金额"), ("all_budget", "-3", "不小于 0"),
    ("all_budget", "1.23456", "4 位小数"), ("all_budget", "100000000", "过大"), ("all_budget", "NaN", "不小于 0"),
    ("all_budget", "Infinity", "不小于 0"), ("main_places", "字" * 501, "500"),
    ("all_projects", "9" * 5000, "不能超过"), ("main_sections", "1" * 4400, "不能超过"),
    ("all_budget", "-0", "不小于 0"), ("all_budget", "1e3", "金额"), ("all_budget", "1" * 30, "金额"),
])
def test_parse_value_refuses(key, text, message):
    with pytest.raises(rules.FigureError, match=message):
        rules.parse_value(CELL[key], text)


@pytest.mark.parametrize("key, value", [
    ("all_budget", Decimal("1234.5")), ("all_budget", Decimal("0.0001")), ("all_budget", Decimal("12")),
    ("all_projects", 7), ("main_places", "吉林2次, 专家5人"),
])
def test_values_read_back_exactly(key, value):
    cell = CELL[key]
    assert rules.from_text(cell, rules.to_text(cell, value)) == value


def test_amount_text_keeps_two_places_at_least():
    assert [rules.amount_text(Decimal(v)) for v in ("12", "12.5", "0.0001", "1234.5670")] == \
        ["12.00", "12.50", "0.0001", "1234.567"]


@pytest.mark.parametrize("status, move, kwargs, problem", [
    (None, Move.SUBMIT, {}, None),
    (Status.DRAFT, Move.SUBMIT, {}, None),
    (Status.RETURNED, Move.SUBMIT, {}, None),
    (Status.SUBMITTED, Move.SUBMIT, {}, "不能重复报送"),
    (Status.DRAFT, Move.SUBMIT, {"missing": ["项目数量"]}, "请先填写：项目数量"),
    (Status.SUBMITTED, Move.RETURN, {"comment": "预算金额有误"}, None),
    (Status.SUBMITTED, Move.RETURN, {"comment": "  "}, "退回意见"),
    (Status.DRAFT, Move.RETURN, {"comment": "x"}, "只有已报送"),
    (Status.RETURNED, Move.RETURN, {"comment": "x"}, "只有已报送"),
])
def test_life_cycle(status, move, kwargs, problem):
    result = rules.move_problem(status, move, **kwargs)
    assert (result is None) if problem is None else (problem in result)


def test_consistency_problems():
    assert rules.consistency_problems({"all_projects": 3, "all_sections": 5, "main_projects": 2, "main_sections": 5}) == []
    problems = rules.consistency_problems({"all_projects": 6, "all_sections": 5, "main_projects": 7, "main_sections": 6})
    assert len(problems) == 3 and "大于" in problems[0]


@pytest.mark.parametrize("part, whole, expected", [
    (1, 3, Decimal("33.3")), (0, 5, Decimal("0.0")), (5, 0, None), (None, 5, None), (2, None, None), (4, 4, Decimal("100.0")),
])
def test_share(part, whole, expected):
    assert rules.share(part, whole) == expected


def test_share_over_counts_only_rows_with_a_total():
    rows = [{"main_sections": 3, "all_sections": 15}, {"main_sections": 2, "all_sections": None},
            {"main_sections": 0, "all_sections": 5}]
    assert rules.share_over(rows) == Decimal("15.0")
    assert rules.share_over([{"main_sections": 4, "all_sections": None}]) is None


def test_the_attachment_has_fourteen_columns_in_three_groups():
    assert len(rules.CELLS) == 14
    assert [len(rules.group_cells(g)) for g, _ in rules.GROUPS] == [4, 5, 5]
    assert [c.key for c in rules.ENTERED] == ["all_projects", "all_sections", "all_budget", "all_winning"]


# --- review: approve (审核通过) and reopen -----------------------------------------------------------------

S, M = rules.Status, rules.Move


@pytest.mark.parametrize("status, move, comment, allowed", [
    (S.SUBMITTED, M.APPROVE, "", True),
    (S.DRAFT, M.APPROVE, "", False),
    (S.RETURNED, M.APPROVE, "", False),
    (S.APPROVED, M.APPROVE, "", False),        # approved once: final
    (S.APPROVED, M.SUBMIT, "", False),         # the region cannot resubmit an approved month
    (S.APPROVED, M.RETURN, "请核对", False),    # not returned: reopened, with its own record
    (S.APPROVED, M.REOPEN, "补报一个标段", True),
    (S.APPROVED, M.REOPEN, "  ", False),       # a reopening says why
    (S.SUBMITTED, M.REOPEN, "请核对", False),   # a submitted report is returned, not reopened
    (S.SUBMITTED, M.RETURN, "请核对", True),
])
def test_review_moves(status, move, comment, allowed):
    assert (rules.move_problem(status, move, comment=comment) is None) is allowed


@pytest.mark.parametrize("status, editable, filed", [
    (S.DRAFT, True, False), (S.RETURNED, True, False), (S.SUBMITTED, False, True), (S.APPROVED, False, True)])
def test_an_approved_report_is_filed_and_locked(status, editable, filed):
    assert status.editable is editable and status.filed is filed
