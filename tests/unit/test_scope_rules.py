"""Must a section use remote off-site evaluation? Every branch of seed 000, part 一, as a table."""
from datetime import time
from decimal import Decimal

import pytest

from portal.projects.rules import (
    STARTER_THRESHOLDS,
    AmountError,
    Category,
    CombinedPart,
    Level,
    SectionFacts,
    SiblingSection,
    ThresholdCategory,
    kind_amounts,
    parse_amount,
    scope_decision,
    start_time_warning,
)

T = ThresholdCategory
C = CombinedPart
W = Decimal


def facts(category, contract=None, investment=None, budget=None, epc=None, parts=(), special=False,
          insufficient=False, mandatory=True):
    """`epc`: the amounts of the parts by kind (an EPC's, or a combined procurement's)."""
    return SectionFacts(
        category=Category(category),
        estimates=tuple(None if v is None else W(v) for v in (contract, investment, budget)),
        part_amounts={k: W(v) for k, v in (epc or {}).items()},
        combined_parts=frozenset(parts),
        special_expert_needs=special,
        local_pool_insufficient=insufficient,
        mandatory_tender=mandatory,
    )


def sibling(code, **amounts):
    kinds = {"construction": T.CONSTRUCTION, "goods": T.GOODS, "services": T.SERVICES}
    return SiblingSection(code, {kinds[k]: W(v) for k, v in amounts.items()})


CASES = [
    # (id, facts, level, a reason that must be given)
    ("construction-at-threshold", facts("construction", 1000), Level.MUST, "达到工程施工类（含工程总承包）标准 1000 万元"),
    ("construction-below", facts("construction", "999.9999"), Level.NOT_REQUIRED, "未达到工程施工类"),
    ("highest-of-three-counts", facts("construction", 500, 1200, 300), Level.MUST, "1200 万元（项目投资概算）"),
    ("budget-alone", facts("construction", None, None, 1000), Level.MUST, "1000 万元（资金预算）"),
    ("goods-at-threshold", facts("goods", 800), Level.MUST, "设备、材料等货物采购类标准 800 万元"),
    ("goods-below", facts("goods", 799), Level.NOT_REQUIRED, "未达到设备、材料等货物采购类标准"),
    ("services-at-threshold", facts("services", 400), Level.MUST, "勘察、设计、监理等服务类标准 400 万元"),
    ("services-below", facts("services", "399.99"), Level.NOT_REQUIRED, "可根据需要自愿采用"),
    ("goods-above-services-threshold-not-enough", facts("goods", 500), Level.NOT_REQUIRED, "未达到"),
    ("epc-whole-at-threshold", facts("epc", 1000), Level.MUST, "工程总承包估算价 1000 万元，达到"),
    ("epc-goods-part", facts("epc", 900, epc={T.GOODS: 800}), Level.MUST, "总承包货物部分估算价 800 万元，达到"),
    ("epc-services-part", facts("epc", 900, epc={T.SERVICES: 400}), Level.MUST, "整个总承包发包应当采用"),
    ("epc-construction-part-below", facts("epc", 900, epc={T.CONSTRUCTION: 999}), Level.NOT_REQUIRED,
     "总承包施工部分估算价 999 万元，未达到"),
    ("epc-all-parts-below", facts("epc", 950, epc={T.CONSTRUCTION: 600, T.GOODS: 300, T.SERVICES: 50}),
     Level.NOT_REQUIRED, "总承包服务部分估算价 50 万元，未达到"),
    ("epc-part-without-whole-estimate", facts("epc", None, epc={T.GOODS: 900}), Level.MUST, "整个总承包发包应当采用"),
    ("combined-services-only", facts("combined", 400, parts=[C.DESIGN, C.SUPERVISION]), Level.MUST,
     "同一项目合并采购：设计、监理"),
    # 一(一)2: each part of a combined procurement against its own kind's threshold, as for an EPC (issue 23:
    # the whole was compared with the lowest threshold, so 850万 of 施工+设备 "must" while the same EPC need not)
    ("combined-construction-goods-parts-below", facts("combined", 850, parts=[C.CONSTRUCTION, C.GOODS],
                                                      epc={T.CONSTRUCTION: 500, T.GOODS: 350}),
     Level.NOT_REQUIRED, "合并采购货物部分估算价 350 万元，未达到设备、材料等货物采购类标准 800 万元"),
    ("combined-as-epc-same-content", facts("epc", 850, epc={T.CONSTRUCTION: 500, T.GOODS: 350}),
     Level.NOT_REQUIRED, "总承包货物部分估算价 350 万元，未达到"),
    ("combined-goods-part-at-threshold", facts("combined", 850, parts=[C.CONSTRUCTION, C.GOODS],
                                               epc={T.CONSTRUCTION: 50, T.GOODS: 800}),
     Level.MUST, "合并采购货物部分估算价 800 万元，达到设备、材料等货物采购类标准 800 万元"),
    ("combined-goods-part-below", facts("combined", 850, parts=[C.CONSTRUCTION, C.GOODS],
                                        epc={T.CONSTRUCTION: "50.0001", T.GOODS: "799.9999"}),
     Level.NOT_REQUIRED, "合并采购货物部分估算价 799.9999 万元，未达到"),
    ("combined-construction-part-at-threshold", facts("combined", 1200, parts=[C.CONSTRUCTION, C.SUPERVISION],
                                                      epc={T.CONSTRUCTION: 1000, T.SERVICES: 200}),
     Level.MUST, "合并采购施工部分估算价 1000 万元，达到工程施工类"),
    ("combined-services-part-at-threshold", facts("combined", 900, parts=[C.DESIGN, C.CONSTRUCTION],
                                                  epc={T.CONSTRUCTION: 500, T.SERVICES: 400}),
     Level.MUST, "任一部分达到本类标准"),
    ("combined-parts-unknown", facts("combined", 850, parts=[C.CONSTRUCTION, C.GOODS]), Level.INCOMPLETE,
     "请填写合并采购中货物部分的估算价"),
    ("combined-part-unknown-but-whole-below", facts("combined", 790, parts=[C.SURVEY, C.GOODS],
                                                    epc={T.SERVICES: 100}),
     Level.NOT_REQUIRED, "合并采购估算价 790 万元，未达到设备、材料等货物采购类标准 800 万元，其中货物部分也不会达到"),
    ("combined-below", facts("combined", 790, parts=[C.CONSTRUCTION, C.GOODS]), Level.NOT_REQUIRED,
     "合并采购估算价 790 万元，未达到"),
    ("combined-survey-design-construction", facts("combined", 399, parts=[C.SURVEY, C.DESIGN, C.CONSTRUCTION]),
     Level.NOT_REQUIRED, "勘察、设计、施工"),
    # 一(一)3 is "原则上应采用" like cases 1 and 2 (issue 23: it was 宜采用, Level.SHOULD)
    ("special-and-insufficient", facts("goods", 100, special=True, insufficient=True), Level.MUST,
     "本地专家库相应专业专家数量不足"),
    ("special-but-sufficient", facts("goods", 100, special=True), Level.NOT_REQUIRED, "本地专家库能够满足"),
    ("special-insufficient-and-above", facts("services", 500, special=True, insufficient=True), Level.MUST,
     "本地专家库相应专业专家数量不足"),
    ("no-estimate", facts("construction"), Level.INCOMPLETE, "请至少填写"),
    ("no-estimate-but-special-insufficient", facts("services", special=True, insufficient=True), Level.MUST,
     "专家数量不足"),
    # only 依法必须招标 projects are in scope: a voluntary tender is never required, whatever it is
    ("voluntary-above", facts("construction", 1200, mandatory=False), Level.NOT_REQUIRED, "不属于依法必须招标的项目"),
    ("voluntary-special-insufficient", facts("goods", 100, special=True, insufficient=True, mandatory=False),
     Level.NOT_REQUIRED, "自愿招标"),
    ("voluntary-epc-part", facts("epc", 900, epc={T.GOODS: 900}, mandatory=False), Level.NOT_REQUIRED,
     "不适用“原则上应采用远程异地评标”的规定"),
    ("zero", facts("services", 0), Level.NOT_REQUIRED, "0 万元"),
]


@pytest.mark.parametrize("section, level, reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scope_decision(section, level, reason):
    decision = scope_decision(section, STARTER_THRESHOLDS)
    assert decision.level is level
    assert any(reason in r for r in decision.reasons), decision.reasons


# 合并计算 (化整为零): one project's same-kind sections are added up and compared with that kind's threshold
SUM_CASES = [
    # (id, facts, siblings, level, a reason that must be given)
    ("two-supervision-sections-450", facts("services", 250), [sibling("A2", services=200)], Level.MUST,
     "合并计算：同一项目服务类标段 本标段 250 万元 + A2 200 万元 = 450 万元，达到勘察、设计、监理等服务类标准 400 万元"),
    ("the-other-of-the-two", facts("services", 200), [sibling("A1", services=250)], Level.MUST, "不得化整为零"),
    ("services-sum-exactly-at-threshold", facts("services", 150), [sibling("A1", services=250)], Level.MUST,
     "= 400 万元，达到"),
    ("services-sum-below", facts("services", "149.9999"), [sibling("A1", services=250)], Level.NOT_REQUIRED,
     "= 399.9999 万元，未达到"),
    ("construction-three-sections", facts("construction", 300),
     [sibling("B1", construction=400), sibling("B2", construction=300)], Level.MUST, "= 1000 万元，达到工程施工类"),
    ("goods-sum", facts("goods", 500), [sibling("C1", goods=300)], Level.MUST, "同一项目货物类标段"),
    ("other-kinds-are-not-added", facts("services", 250), [sibling("D1", construction=900, goods=700)],
     Level.NOT_REQUIRED, "未达到勘察、设计、监理等服务类标准 400 万元"),
    ("an-epc-counts-as-construction", facts("construction", 500), [sibling("E1", construction=500)], Level.MUST,
     "= 1000 万元"),
    ("a-combined-parts-add-to-their-kinds", facts("combined", 700, parts=[C.DESIGN, C.GOODS],
                                                   epc={T.SERVICES: 300, T.GOODS: 400}),
     [sibling("F1", services=100)], Level.MUST, "本标段 300 万元 + F1 100 万元 = 400 万元"),
    ("a-voluntary-section-adds-nothing-and-is-not-required", facts("services", 250, mandatory=False),
     [sibling("G1", services=200)], Level.NOT_REQUIRED, "自愿招标"),
]


@pytest.mark.parametrize("section, siblings, level, reason", [c[1:] for c in SUM_CASES], ids=[c[0] for c in SUM_CASES])
def test_same_kind_sections_of_a_project_are_added_up(section, siblings, level, reason):
    decision = scope_decision(section, STARTER_THRESHOLDS, siblings)
    assert decision.level is level
    assert any(reason in r for r in decision.reasons), decision.reasons


@pytest.mark.parametrize("section, expected", [
    (facts("construction", 500, 700), {T.CONSTRUCTION: W(700)}),
    (facts("epc", 900, epc={T.GOODS: 800}), {T.CONSTRUCTION: W(900)}),
    (facts("services", None), {}),
    (facts("combined", 700, parts=[C.DESIGN, C.SUPERVISION]), {T.SERVICES: W(700)}),
    (facts("combined", 700, parts=[C.DESIGN, C.GOODS], epc={T.GOODS: 400}), {T.GOODS: W(400)}),
    (facts("combined", 700, parts=[C.DESIGN, C.GOODS], epc={T.GOODS: 400, T.CONSTRUCTION: 9}), {T.GOODS: W(400)}),
    (facts("goods", 900, mandatory=False), {}),
])
def test_what_a_section_adds_to_its_projects_sums(section, expected):
    assert kind_amounts(section) == expected


def test_all_three_cases_read_in_principle_shall():
    assert Level.MUST.label == "原则上应采用远程异地评标"
    for section in (facts("construction", 1000), facts("combined", 900, parts=[C.GOODS, C.DESIGN],
                                                         epc={T.GOODS: 800, T.SERVICES: 100}),
                    facts("services", 10, special=True, insufficient=True)):
        assert scope_decision(section, STARTER_THRESHOLDS).level is Level.MUST


def test_the_estimate_is_the_highest_of_the_three():
    decision = scope_decision(facts("construction", "10.5", "12.25", 11), STARTER_THRESHOLDS)
    assert decision.estimate == W("12.25")


def test_thresholds_are_data():
    raised = {T.CONSTRUCTION: W(1200), T.GOODS: W(800), T.SERVICES: W(400)}
    assert scope_decision(facts("construction", 1100), STARTER_THRESHOLDS).level is Level.MUST
    assert scope_decision(facts("construction", 1100), raised).level is Level.NOT_REQUIRED


def test_a_category_without_a_threshold_cannot_make_it_must():
    decision = scope_decision(facts("goods", 5000), {T.CONSTRUCTION: W(1000)})
    assert decision.level is Level.NOT_REQUIRED
    assert any("尚未设定限额标准" in r for r in decision.reasons)
    combined = scope_decision(facts("combined", 5000, parts=[C.DESIGN, C.GOODS]), {})
    assert combined.level is Level.NOT_REQUIRED


def test_combined_procurement_needs_its_parts():
    with pytest.raises(ValueError):
        scope_decision(facts("combined", 900), STARTER_THRESHOLDS)


@pytest.mark.parametrize("level, exemptable", [(Level.MUST, True), (Level.SHOULD, True),
                                               (Level.NOT_REQUIRED, False), (Level.INCOMPLETE, False)])
def test_which_levels_need_a_written_explanation(level, exemptable):
    assert level.exemptable is exemptable


@pytest.mark.parametrize("text, expected", [
    ("", None), ("   ", None), (None, None),
    ("1200", W(1200)), (" 1200 ", W(1200)), ("1200.5", W("1200.5")), ("0.0001", W("0.0001")), ("0", W(0)),
    ("100000000", W(10) ** 8),
])
def test_parse_amount_accepts(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text, message", [
    ("１２３４", "全角"),
    ("1２3", "全角"),
    ("1,234", "千位分隔符"),
    ("1，234", "千位分隔符"),
    ("1 234", "千位分隔符"),
    ("-5", "负数"),
    ("100000000.01", "明显不合理"),
    ("999999999999", "明显不合理"),
    ("1200万", "单位固定为万元"),
    ("1200元", "单位固定为万元"),
    ("abc", "金额应为数字"),
    ("1e5", "金额应为数字"),
    ("12.34567", "最多 4 位小数"),
    ("NaN", "金额应为数字"),
    ("Infinity", "金额应为数字"),
    (".5", "金额应为数字"),
    ("١٢٣", "金额应为数字"),
])
def test_parse_amount_refuses_with_a_message(text, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text)


@pytest.mark.parametrize("start, warns", [(None, False), (time(8, 30), False), (time(11, 59), False),
                                          (time(12, 0), True), (time(14, 0), True)])
def test_an_afternoon_start_warns(start, warns):
    warning = start_time_warning(start)
    assert (warning is not None) is warns
    if warns:
        assert "原则上应安排在工作日上午" in warning
