"""Rules of the workstation registry, as plain tables."""
import pytest

from portal.workstations import rules


@pytest.mark.parametrize("raw, expected", [
    ("cc-a01", "CC-A01"), ("  JL-01 ", "JL-01"), ("", ""), (None, ""),
])
def test_codes_are_stored_upper_case_without_surrounding_blanks(raw, expected):
    assert rules.normalise_code(raw) == expected


@pytest.mark.parametrize("code, problem", [
    ("CC-A01", None),
    ("A", None),
    ("SZX_01.2", None),
    ("", "请填写工位编号。"),
    ("CC A01", "工位编号不能包含空格。"),
    ("CC\tA01", "工位编号不能包含空格。"),
    ("CC\u3000A01", "工位编号不能包含空格。"),  # full-width space, as Chinese input methods type it
    ("X" * 33, "工位编号最多 32 个字符。"),
    ("-A01", "工位编号只能由字母、数字、横线（-）、下划线（_）和点（.）组成，并以字母或数字开头。"),
    ("工位01", "工位编号只能由字母、数字、横线（-）、下划线（_）和点（.）组成，并以字母或数字开头。"),
    ("=CMD()", "工位编号只能由字母、数字、横线（-）、下划线（_）和点（.）组成，并以字母或数字开头。"),
])
def test_code_problem(code, problem):
    assert rules.code_problem(code) == problem


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), ("支持", True), ("不支持", False), ("Y", True), ("n", False),
    ("√", True), ("×", False), (1, True), (0, False), (1.0, True), (True, True), ("1", True),
    ("", None), ("可能", None), (2, None), (None, None),
])
def test_parse_bool_reads_the_usual_spellings(raw, expected):
    assert rules.parse_bool(raw) is expected


@pytest.mark.parametrize("raw, expected", [(None, ""), (12.0, "12"), (12.5, "12.5"), ("  a ", "a"), (7, "7")])
def test_cell_text(raw, expected):
    assert rules.cell_text(raw) == expected


def test_missing_headers_names_each_required_column():
    assert rules.missing_headers(["交易中心", "评标场所"]) == ["工位编号", "支持跨省远程异地评标"]
    assert rules.missing_headers([h for _, h, _ in rules.IMPORT_COLUMNS]) == []


CENTERS = {"长春市公共资源交易中心": 1, "榆树市公共资源交易中心": 2}


def row(**values):
    base = {"center": "长春市公共资源交易中心", "venue": "第一评标区", "code": "CC-01", "cross_province": "是"}
    base.update(values)
    return base


def errors_of(rows, existing=frozenset()):
    check = rules.check_import_rows(list(enumerate(rows, start=2)), CENTERS, set(existing))
    return [(e.row, e.column, e.message) for e in check.errors], check


def test_a_valid_row_is_parsed_with_defaults():
    errors, check = errors_of([row()])
    assert errors == []
    assert check.ok
    parsed = check.rows[0]
    assert parsed["center_id"] == 1 and parsed["code"] == "CC-01" and parsed["cross_province"] is True
    assert parsed["has_av"] is True and parsed["has_id_reader"] is False and parsed["status"] == "available"


@pytest.mark.parametrize("values, column, message", [
    ({"center": ""}, "交易中心", "请填写交易中心。"),
    ({"center": "吉林市公共资源交易中心"}, "交易中心", "交易中心“吉林市公共资源交易中心”不存在或不在您的管辖范围内。"),
    ({"venue": ""}, "评标场所", "请填写评标场所。"),
    ({"venue": "场" * 81}, "评标场所", "评标场所最多 80 个字符。"),
    ({"code": "CC 01"}, "工位编号", "工位编号不能包含空格。"),
    ({"code": None}, "工位编号", "请填写工位编号。"),
    ({"cross_province": ""}, "支持跨省远程异地评标", "请填写“是”或“否”。"),
    ({"cross_province": "大概"}, "支持跨省远程异地评标", "无法识别“大概”，请填写“是”或“否”。"),
    ({"has_av": "也许"}, "音视频设备", "无法识别“也许”，请填写“是”或“否”。"),
    ({"status": "坏了"}, "状态", "状态“坏了”无效，请填写“可用”或“维护中”。"),
    ({"notes": "备" * 201}, "备注", "备注最多 200 个字符。"),
])
def test_each_bad_cell_is_reported_with_row_and_column(values, column, message):
    errors, check = errors_of([row(**values)])
    assert errors == [(2, column, message)]
    assert not check.ok and check.rows == []


def test_a_code_already_registered_in_the_center_is_refused():
    errors, _ = errors_of([row(code="cc-01")], existing={(1, "CC-01")})
    assert errors == [(2, "工位编号", "工位编号“CC-01”在该交易中心已登记。")]


def test_the_same_code_in_another_center_is_allowed():
    errors, check = errors_of([row(code="A1"), row(center="榆树市公共资源交易中心", code="A1")])
    assert errors == [] and len(check.rows) == 2


def test_a_code_repeated_in_the_file_names_the_first_row():
    errors, _ = errors_of([row(code="A1"), row(code="B1"), row(code="a1")])
    assert errors == [(4, "工位编号", "工位编号“A1”与第 2 行重复。")]


def test_all_errors_of_all_rows_are_collected():
    errors, check = errors_of([row(center="", code="x y"), row(code="B2"), row(code="B3", status="?")])
    assert [(r, c) for r, c, _ in errors] == [(2, "交易中心"), (2, "工位编号"), (4, "状态")]
    assert not check.ok


@pytest.mark.parametrize("required, actual, complies, shortfall", [
    (10, 12, True, 0), (10, 10, True, 0), (10, 9, False, 1), (10, 0, False, 10), (0, 0, True, 0),
])
def test_standing_secondary_venue_needs_at_least_ten_cross_province_workstations(required, actual, complies, shortfall):
    result = rules.standing_compliance(required, actual)
    assert (result.complies, result.shortfall) == (complies, shortfall)


@pytest.mark.parametrize("text, number", [
    ("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("两百", 200), ("一百零五", 105),
    ("一千零一", 1001), ("二〇二六", 2026), ("零", 0),
])
def test_chinese_numbers(text, number):
    assert rules.chinese_number(text) == number


def test_venue_names_sort_as_people_count():
    names = ["第三评标区", "第十评标区", "第一评标区", "第二评标区", "评标室A10", "评标室A2", "远程异地评标区", "第十一评标区"]
    assert sorted(names, key=rules.venue_sort_key) == [
        "第一评标区", "第二评标区", "第三评标区", "第十评标区", "第十一评标区", "评标室A2", "评标室A10", "远程异地评标区"]
    assert sorted(["第一评标区", "第二评标区", "第三评标区"]) == ["第一评标区", "第三评标区", "第二评标区"]  # why a key
