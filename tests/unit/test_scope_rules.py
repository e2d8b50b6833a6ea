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
    ThresholdCategory,
    parse_amount,
    scope_decision,
    start_time_warning,
)

T = ThresholdCategory
C = CombinedPart
W = Decimal


def facts(category, contract=None, investment=None, budget=None, epc=None, parts=(), special=False,
          insufficient=False):
    return SectionFacts(
        category=Category(category),
        estimates=tuple(None if v is None else W(v) for v in (contract, investment, budget)),
        epc_parts={k: W(v) for k, v in (epc or {}).items()},
        combined_parts=frozenset(parts),
        special_expert_needs=special,
        local_pool_insufficient=insufficient,
    )


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
    ("combined-construction-goods", facts("combined", 850, parts=[C.CONSTRUCTION, C.GOODS]), Level.MUST,
     "合并采购估算价 850 万元，达到设备、材料等货物采购类标准 800 万元"),
    ("combined-below", facts("combined", 790, parts=[C.CONSTRUCTION, C.GOODS]), Level.NOT_REQUIRED,
     "合并采购估算价 790 万元，未达到"),
    ("combined-survey-design-construction", facts("combined", 399, parts=[C.SURVEY, C.DESIGN, C.CONSTRUCTION]),
     Level.NOT_REQUIRED, "勘察、设计、施工"),
    ("special-and-insufficient", facts("goods", 100, special=True, insufficient=True), Level.SHOULD,
     "本地专家库相应专业专家数量不足"),
    ("special-but-sufficient", facts("goods", 100, special=True), Level.NOT_REQUIRED, "本地专家库能够满足"),
    ("special-insufficient-and-above", facts("services", 500, special=True, insufficient=True), Level.MUST,
     "本地专家库相应专业专家数量不足"),
    ("no-estimate", facts("construction"), Level.INCOMPLETE, "请至少填写"),
    ("no-estimate-but-special-insufficient", facts("services", special=True, insufficient=True), Level.SHOULD,
     "专家数量不足"),
    ("zero", facts("services", 0), Level.NOT_REQUIRED, "0 万元"),
]


@pytest.mark.parametrize("section, level, reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scope_decision(section, level, reason):
    decision = scope_decision(section, STARTER_THRESHOLDS)
    assert decision.level is level
    assert any(reason in r for r in decision.reasons), decision.reasons


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
