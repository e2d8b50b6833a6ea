"""The pure rules of guest-seat requests: every life-cycle transition, time ranges, filing checks, ranking."""
from datetime import date, datetime, time, UTC

import pytest

from portal.bookings.rules import (
    outcome_text,
    ALLOWED,
    Action,
    CenterOption,
    FilingFacts,
    Move,
    Side,
    Status,
    TransitionRefused,
    allowed_actions,
    evaluation_range,
    filing_problems,
    next_status,
    overlaps,
    rank_centers,
    seats_problem,
)

S, A = Status, Action
MAIN, GUEST = Side.MAIN, Side.GUEST
TODAY, EVAL = date(2026, 12, 10), date(2026, 12, 3)

# Every transition the life cycle allows: (status, action, side, extra move facts) -> new status.
ALLOWED_CASES = [
    (S.DRAFT, A.SUBMIT, MAIN, {}, S.SUBMITTED),
    (S.DRAFT, A.EDIT, MAIN, {}, S.DRAFT),
    (S.DRAFT, A.WITHDRAW, MAIN, {}, S.WITHDRAWN),
    (S.SUBMITTED, A.EDIT, MAIN, {"needs_reconfirmation": True}, S.SUBMITTED),
    (S.SUBMITTED, A.WITHDRAW, MAIN, {"reason": "项目暂停"}, S.WITHDRAWN),
    (S.SUBMITTED, A.ACCEPT, GUEST, {"seats_requested": 3, "seats_assigned": 3}, S.ACCEPTED),
    (S.SUBMITTED, A.ACCEPT, GUEST, {"seats_requested": 3, "seats_assigned": 2}, S.PARTLY_ACCEPTED),
    (S.SUBMITTED, A.REJECT, GUEST, {"reason": "当日工位已满"}, S.REJECTED),
    (S.ACCEPTED, A.EDIT, MAIN, {}, S.ACCEPTED),
    (S.ACCEPTED, A.EDIT, MAIN, {"needs_reconfirmation": True}, S.SUBMITTED),
    (S.ACCEPTED, A.CANCEL, MAIN, {"reason": "招标终止"}, S.CANCELLED),
    (S.ACCEPTED, A.CANCEL, GUEST, {"reason": "停电检修"}, S.CANCELLED),
    (S.ACCEPTED, A.COMPLETE, MAIN, {"today": TODAY, "evaluation_date": EVAL}, S.COMPLETED),
    (S.ACCEPTED, A.COMPLETE, GUEST, {"today": EVAL, "evaluation_date": EVAL}, S.COMPLETED),
    (S.PARTLY_ACCEPTED, A.EDIT, MAIN, {"needs_reconfirmation": True}, S.SUBMITTED),
    (S.PARTLY_ACCEPTED, A.EDIT, MAIN, {}, S.PARTLY_ACCEPTED),
    (S.PARTLY_ACCEPTED, A.CANCEL, GUEST, {"reason": "网络故障"}, S.CANCELLED),
    (S.PARTLY_ACCEPTED, A.CANCEL, MAIN, {"reason": "改为本地评标"}, S.CANCELLED),
    (S.PARTLY_ACCEPTED, A.COMPLETE, GUEST, {"today": TODAY, "evaluation_date": EVAL}, S.COMPLETED),
    (S.PARTLY_ACCEPTED, A.COMPLETE, MAIN, {"today": TODAY, "evaluation_date": EVAL}, S.COMPLETED),
]


@pytest.mark.parametrize("status, action, side, facts, expected", ALLOWED_CASES)
def test_allowed_transition(status, action, side, facts, expected):
    assert next_status(status, Move(action, side, **facts)) is expected


def test_the_cases_cover_every_allowed_status_action_side():
    covered = {(s, a, side) for s, a, side, _, _ in ALLOWED_CASES}
    table = {(s, a, side) for (s, a), sides in ALLOWED.items() for side in sides}
    assert covered == table


def _refused_combinations():
    for status in Status:
        for action in Action:
            for side in Side:
                if side not in ALLOWED.get((status, action), frozenset()):
                    yield status, action, side


@pytest.mark.parametrize("status, action, side", list(_refused_combinations()))
def test_every_other_transition_is_refused_with_a_chinese_message(status, action, side):
    move = Move(action, side, reason="原因", seats_requested=2, seats_assigned=2, today=TODAY, evaluation_date=EVAL)
    with pytest.raises(TransitionRefused) as refused:
        next_status(status, move)
    assert "不能" in str(refused.value)


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN, S.CANCELLED, S.COMPLETED])
def test_ended_requests_allow_nothing(status):
    assert allowed_actions(status, MAIN) == [] and allowed_actions(status, GUEST) == []


@pytest.mark.parametrize("move, message", [
    (Move(A.REJECT, GUEST, reason="  "), "拒绝须填写原因"),
    (Move(A.ACCEPT, GUEST, seats_requested=3, seats_assigned=0), "请至少选择一个工位"),
    (Move(A.ACCEPT, GUEST, seats_requested=3, seats_assigned=4), "不能分配 4 个工位"),
])
def test_answers_that_lack_what_they_need(move, message):
    with pytest.raises(TransitionRefused, match=message):
        next_status(S.SUBMITTED, move)


def test_cancelling_needs_a_reason_and_completing_waits_for_the_evaluation_day():
    with pytest.raises(TransitionRefused, match="取消预订须填写原因"):
        next_status(S.ACCEPTED, Move(A.CANCEL, MAIN))
    with pytest.raises(TransitionRefused, match="评标日期之前"):
        next_status(S.ACCEPTED, Move(A.COMPLETE, GUEST, today=date(2026, 12, 2), evaluation_date=EVAL))


def test_evaluation_range_is_china_wall_clock_in_utc():
    starts, ends = evaluation_range(date(2026, 12, 3), time(9, 0), 240)
    assert starts == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert ends == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("a, b, clash", [
    ((9, 13), (13, 17), False),   # one ends when the other starts
    ((9, 13), (12, 14), True),
    ((9, 13), (10, 11), True),    # inside
    ((9, 13), (8, 9), False),
    ((9, 13), (8, 18), True),     # around
])
def test_overlaps_of_half_open_ranges(a, b, clash):
    def at(hour):
        return datetime(2026, 12, 3, hour, tzinfo=UTC)

    assert overlaps(at(a[0]), at(a[1]), at(b[0]), at(b[1])) is clash
    assert overlaps(at(b[0]), at(b[1]), at(a[0]), at(a[1])) is clash


def _facts(**changes):
    values = dict(today=date(2026, 11, 27), evaluation_date=date(2026, 12, 3), latest_filing_date=date(2026, 11, 30),
                  deadline_rule="评标开始前 3 个工作日（不含评标当日）", evaluation_is_working_day=True,
                  day_description="工作日", committee_size=7, guest_seats=(2, 2))
    values.update(changes)
    return FilingFacts(**values)


@pytest.mark.parametrize("changes, field, fragment", [
    ({}, None, None),
    ({"today": date(2026, 11, 30)}, None, None),                       # the last day is still in time
    ({"today": date(2026, 12, 1)}, "evaluation_date", "最迟应于 2026-11-30 提交"),
    ({"evaluation_is_working_day": False, "day_description": "元旦"}, "evaluation_date", "是元旦，不是工作日"),
    ({"committee_size": 6}, "committee_size", "5 人以上单数"),
    ({"committee_size": 3, "guest_seats": (1,)}, "committee_size", "5 人以上单数"),
    ({"committee_size": 5, "guest_seats": (3, 2)}, "committee_size", "应少于评标委员会人数"),
])
def test_filing_problems(changes, field, fragment):
    problems = filing_problems(_facts(**changes))
    if field is None:
        assert problems == []
    else:
        assert problems[0][0] == field and fragment in problems[0][1]


@pytest.mark.parametrize("seats, capacity, cross, fragment", [
    (0, 10, False, "至少为 1 个"),
    (11, 10, False, "共有可用评标工位 10 个，不能申请 11 个"),
    (5, 4, True, "支持跨省远程异地评标的可用工位 4 个"),
    (4, 4, True, None),
])
def test_seats_problem(seats, capacity, cross, fragment):
    problem = seats_problem(seats, "某中心", capacity, cross)
    assert (problem is None) if fragment is None else (fragment in problem)


def _option(cid, allowed=True, free=5, experts=(10,)):
    return CenterOption(center_id=cid, name=f"中心{cid}", province="吉林省", cross_province=False, allowed=allowed,
                        reason="", free_seats=free, total_seats=10, expert_counts=experts)


def test_ranking_puts_the_best_fit_first():
    options = [
        _option(1, allowed=False, free=10, experts=(50,)),   # may not be asked: last
        _option(2, free=1, experts=(50,)),                   # too few free seats
        _option(3, free=4, experts=(2,)),                    # enough seats, too few experts
        _option(4, free=4, experts=(30,)),                   # enough of both, more experts
        _option(5, free=9, experts=(20,)),                   # enough of both
        _option(6, free=9, experts=None),                    # pool not in this portal
    ]
    assert [o.center_id for o in rank_centers(options, 3)] == [4, 5, 6, 3, 2, 1]


def test_the_fewest_experts_across_the_needed_specialties_decides():
    assert _option(1, experts=(30, 2)).enough_experts(3) is False
    assert _option(1, experts=(30, 3)).enough_experts(3) is True
    assert _option(1, experts=None).enough_experts(3) is None


@pytest.mark.parametrize("status, text", [
    (Status.ACCEPTED, "已接受"), (Status.REJECTED, "已拒绝"), (Status.WITHDRAWN, "已撤回"), (Status.CANCELLED, "已取消"),
    (Status.COMPLETED, "已完成"), (Status.SUBMITTED, "已提交，待客场确认"), (Status.PARTLY_ACCEPTED, "已部分接受"),
    (Status.DRAFT, "已保存为草稿"),
])
def test_what_a_request_has_become_reads_once(status, text):
    assert outcome_text(status) == text and "已已" not in f"申请 KC2026-00002 {text}"
