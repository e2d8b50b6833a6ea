"""Expert rules: ID-card check digits (GB 11643-1999), names, specialty codes, masking."""
import pytest

from portal.experts.rules import (
    check_digit,
    id_number_problem,
    mask_id_number,
    mask_phone,
    name_problem,
    normalise_name,
    parent_code,
    specialty_code_problem,
    specialty_count_problem,
)

# Check digits computed by hand from the standard's weights (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11 -> 10X98765432)
VALID = ["11010519491231002X", "440524198001010013", "220102198001010012", "220102198001010100"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers(number):
    assert id_number_problem(number) is None
    assert id_number_problem(number.lower()) is None      # a lower-case x is accepted


@pytest.mark.parametrize("number, message", [
    ("", "请填写身份证号码"),
    ("110105194912310021", "校验位不正确"),
    ("220102198001010018", "校验位不正确"),
    ("220102800101001", "15 位旧身份证号码"),
    ("2201021980010100", "应为 18 位"),
    ("22010219800101001Y", "应为 18 位"),
    ("220102 19800101001", "应为 18 位"),
    ("220102198002300017", "出生日期无效"),
    ("２２０１０２１９８００１０１００１９", "半角数字"),
    ("000000198001010013", "前两位应为省级行政区划代码"),
    ("220102209912310017", "出生日期不合理"),
    ("220102180001010017", "出生日期不合理"),
])
def test_invalid_numbers(number, message):
    assert message in id_number_problem(number)


def test_check_digit_table():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4" and check_digit("44052419800101001") == "3"


@pytest.mark.parametrize("number, masked", [("220102198001010012", "2201************12"),
                                            ("11010519491231002X", "1101************2X")])
def test_masking_never_shows_the_whole_number(number, masked):
    assert mask_id_number(number) == masked
    assert number[4:16] not in mask_id_number(number)


def test_phone_masking():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("") == ""


@pytest.mark.parametrize("raw, name", [("王 伟", "王伟"), ("买买提•艾力", "买买提·艾力"), ("买买提.艾力", "买买提·艾力"),
                                       ("买买提・艾力", "买买提·艾力")])
def test_names_are_normalised(raw, name):
    assert normalise_name(raw) == name


@pytest.mark.parametrize("name, problem", [
    ("王伟", None), ("欧阳娜娜", None), ("王䶮", None), ("𠮷祥", None), ("买买提·艾力", None), ("阿依古丽·吐尔逊·买买提", None),
    ("魏薛潘", None),   # simplified characters that look old are not traditional
    ("陳偉", "繁体字（“陳”应为“陈”、“偉”应为“伟”）"),
    ("张國", "“國”应为“国”"),
    ("", "请填写姓名"),
    ("Wang Wei", "只能由汉字组成"),
    ("王伟1", "只能由汉字组成"),
    ("·艾力", "只能由汉字组成"),
    ("买买提··艾力", "只能由汉字组成"),
    ("王" * 31, "最多 30 个字"),
])
def test_names(name, problem):
    result = name_problem(name)
    assert (result is None) if problem is None else (problem in result)


@pytest.mark.parametrize("code, parent, problem", [
    ("A", None, None), ("A01", "A", None), ("A0101", "A01", None),
    ("A01", None, "应属于上级 A"), ("A0101", "A", "应属于上级 A01"), ("A", "B", "不应有上级"),
    ("a01", "A", "专业代码格式"), ("A1", "A", "专业代码格式"), ("A010101", "A0101", "专业代码格式"),
])
def test_specialty_codes(code, parent, problem):
    result = specialty_code_problem(code, parent)
    assert (result is None) if problem is None else (problem in result)


def test_parent_codes():
    assert parent_code("A0101") == "A01" and parent_code("A01") == "A" and parent_code("A") is None


@pytest.mark.parametrize("n, ok", [(0, False), (1, True), (5, True), (6, False)])
def test_at_most_five_specialties(n, ok):
    assert (specialty_count_problem(n) is None) is ok


@pytest.mark.parametrize("holder_region, region, message", [
    (3, 3, "该身份证号码已在该地区专家库登记，请在原记录上修改，不要重复登记。"),
    (3, 5, "该身份证号码已在省内其他地区登记，请联系省级管理员办理转移。"),
    (3, None, "该身份证号码已在省内其他地区登记，请联系省级管理员办理转移。"),
])
def test_a_registered_id_number_is_refused_without_naming_another_region(holder_region, region, message):
    from portal.experts.rules import duplicate_id_problem

    assert duplicate_id_problem(holder_region, region) == message
