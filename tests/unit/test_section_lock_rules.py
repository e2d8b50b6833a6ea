"""Which section fields a direct edit may change while requests, bookings or an ended evaluation hold it."""
import pytest

from portal.projects.rules import SCOPE_FIELDS, TIMING_FIELDS, locked_fields, section_change_problem


@pytest.mark.parametrize("held, ended, expected", [
    (False, False, ()),
    (True, False, TIMING_FIELDS),
    (True, True, TIMING_FIELDS + SCOPE_FIELDS),
    (False, True, TIMING_FIELDS + SCOPE_FIELDS),
])
def test_locked_fields(held, ended, expected):
    assert locked_fields(held, ended) == expected


@pytest.mark.parametrize("changed, held, ended, field, words", [
    (set(), True, True, None, None),
    ({"name", "code"}, True, True, None, None),                       # never locked
    ({"evaluation_date"}, False, False, None, None),                  # nothing holds it
    ({"evaluation_date"}, True, False, "evaluation_date", "评标日期只能通过场地变更申请调整"),
    ({"start_time", "main_center_id"}, True, False, "start_time", "评标开始时间、主场交易中心只能通过场地变更申请调整"),
    ({"contract_estimate_wan"}, True, False, None, None),             # re-decided and told, not refused
    ({"contract_estimate_wan"}, True, True, "contract_estimate_wan", "合同估算价已冻结"),
    ({"category", "prequalification"}, True, True, "category", "项目类别、资格预审已冻结"),
    ({"evaluation_date"}, True, True, "evaluation_date", "评审已经结束"),
])
def test_a_change_of_a_locked_field_is_refused_with_what_and_why(changed, held, ended, field, words):
    problem = section_change_problem(changed, held, ended, "申请 KC20260001 已接受")
    if field is None:
        assert problem is None
    else:
        assert problem[0] == field and words in problem[1]
        if not ended:
            assert "KC20260001" in problem[1]


@pytest.mark.parametrize("changed, across, refused", [
    ({"prequalification"}, True, True),     # live requests to another province: no prequalification (rules 3.4)
    ({"prequalification"}, False, False),
    ({"name"}, True, False),
])
def test_a_section_asking_across_provinces_cannot_become_a_prequalification(changed, across, refused):
    problem = section_change_problem(changed, True, False, prequalification_across=across)
    assert (problem is not None) is refused
    if refused:
        assert problem[0] == "prequalification" and "资格预审项目暂不列入跨省" in problem[1]
