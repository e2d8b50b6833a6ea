"""Training sessions (宣贯培训): times, capacity, enrolment, cancelling, attendance, the preselected audience,
and the training record (培训台账) with the monthly report's remark."""
from types import SimpleNamespace
from datetime import date, datetime, timedelta, timezone, UTC

import pytest

from portal.auth.models import Role
from portal.training import access, rules
from portal.training.rules import Status, Trained

UTC = UTC
NOW = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
START = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("starts_at, ends_at, problem", [
    (None, START, "请填写开始和结束时间。"),
    (START, None, "请填写开始和结束时间。"),
    (None, None, "请填写开始和结束时间。"),
    (START, START - timedelta(hours=1), "结束时间应晚于开始时间。"),
    (START, START, "结束时间应晚于开始时间。"),                       # equal is not later
    (START, START + timedelta(days=14, seconds=1), "一期培训最长 14 天，请分期登记。"),
    (START, START + timedelta(days=30), "一期培训最长 14 天，请分期登记。"),
    (START, START + timedelta(days=14), None),                          # exactly 14 days is allowed
    (START, START + timedelta(minutes=1), None),
    (START, START + timedelta(hours=3), None),
    # compared as instants: 17:00 China time is 09:00 UTC (equal), 18:00 is 10:00 UTC (later)
    (START, datetime(2026, 10, 20, 17, 0, tzinfo=timezone(timedelta(hours=8))), "结束时间应晚于开始时间。"),
    (START, datetime(2026, 10, 20, 18, 0, tzinfo=timezone(timedelta(hours=8))), None),
])
def test_times_problem(starts_at, ends_at, problem):
    assert rules.times_problem(starts_at, ends_at) == problem


@pytest.mark.parametrize("capacity, enrolled, problem", [
    (0, 0, "名额应在 1 到 100000 之间。"),
    (-1, 0, "名额应在 1 到 100000 之间。"),
    (100_001, 0, "名额应在 1 到 100000 之间。"),
    (1, 0, None),
    (100_000, 0, None),
    (30, 30, None),                                                     # as many as enrolled
    (29, 30, "已有 30 人报名，名额不能少于 30。"),                       # below enrolled
    (50, 30, None),
])
def test_capacity_problem(capacity, enrolled, problem):
    assert rules.capacity_problem(capacity, enrolled) == problem


@pytest.mark.parametrize("status, starts_at, enrolled, capacity, already, problem", [
    (Status.DRAFT, START, 0, 10, False, "该培训未发布或已取消，不能报名。"),
    (Status.CANCELLED, START, 0, 10, False, "该培训未发布或已取消，不能报名。"),
    (Status.PUBLISHED, NOW, 0, 10, False, "培训已开始，报名已截止。"),               # starting now: closed
    (Status.PUBLISHED, NOW - timedelta(hours=1), 0, 10, False, "培训已开始，报名已截止。"),
    (Status.PUBLISHED, START, 3, 10, True, "您已报名该培训。"),
    (Status.PUBLISHED, START, 10, 10, True, "您已报名该培训。"),                     # already, even when full
    (Status.PUBLISHED, START, 10, 10, False, "名额已满，未能报名。"),
    (Status.PUBLISHED, START, 11, 10, False, "名额已满，未能报名。"),
    (Status.PUBLISHED, START, 9, 10, False, None),                                 # the last place
    (Status.PUBLISHED, START, 0, 10, False, None),
    (Status.PUBLISHED, NOW + timedelta(seconds=1), 0, 1, False, None),
])
def test_enrol_problem(status, starts_at, enrolled, capacity, already, problem):
    assert rules.enrol_problem(status, starts_at, NOW, enrolled, capacity, already) == problem


@pytest.mark.parametrize("starts_at, problem", [
    (NOW + timedelta(minutes=1), None),
    (START, None),
    (NOW, "培训已开始，不能取消报名。"),
    (NOW - timedelta(days=1), "培训已开始，不能取消报名。"),
])
def test_an_enrolment_is_cancelled_only_before_the_session_starts(starts_at, problem):
    assert rules.cancel_problem(starts_at, NOW) == problem


@pytest.mark.parametrize("status, starts_at, problem", [
    (Status.PUBLISHED, NOW, None),                                       # it has begun
    (Status.PUBLISHED, NOW - timedelta(days=3), None),
    (Status.PUBLISHED, NOW + timedelta(minutes=1), "培训开始后才能登记出勤。"),
    (Status.DRAFT, NOW - timedelta(days=1), "未发布或已取消的培训不能登记出勤。"),
    (Status.CANCELLED, NOW - timedelta(days=1), "未发布或已取消的培训不能登记出勤。"),
    (Status.CANCELLED, NOW + timedelta(days=1), "未发布或已取消的培训不能登记出勤。"),
])
def test_attendance_is_recorded_once_a_published_session_has_begun(status, starts_at, problem):
    assert rules.attendance_problem(status, starts_at, NOW) == problem


@pytest.mark.parametrize("role, offered, own", [
    (Role.AGENT, ["tenderee", "agency", "expert"], ["tenderee", "agency"]),   # the session's order
    (Role.AGENT, ["expert", "staff"], []),            # a session for experts and staff: not an agent's
    (Role.CENTER_STAFF, ["expert", "staff"], ["staff"]),
    (Role.PREFECTURE_ADMIN, ["tenderee", "staff"], ["staff"]),
    (Role.PROVINCE_ADMIN, ["staff"], ["staff"]),
    (Role.CENTER_STAFF, ["expert"], []),              # staff never enrol as experts
    (Role.SUPERVISOR, ["tenderee", "agency", "expert", "staff"], []),   # not a participant: the organisers add
    (Role.PUBLICITY, ["staff"], []),
    (Role.AGENT, [], []),
])
def test_an_account_enrols_only_as_what_it_is(role, offered, own):
    assert access.own_audiences(SimpleNamespace(role=role), offered) == own


def test_audiences_are_in_the_notices_order():
    assert list(rules.AUDIENCES.values()) == ["招标人", "代理机构", "评标专家", "交易中心工作人员"]


# --- the training record (培训台账) ---------------------------------------------------------------------------

TRAINED = [
    Trained(region_id=2, day=date(2026, 3, 5), audience="tenderee", people=6),
    Trained(region_id=2, day=date(2026, 3, 20), audience="tenderee", people=4),
    Trained(region_id=2, day=date(2026, 3, 5), audience="expert", people=40),
    Trained(region_id=2, day=date(2026, 4, 1), audience="agency", people=7),
    Trained(region_id=3, day=date(2026, 3, 9), audience="staff", people=12),
    Trained(region_id=3, day=date(2026, 3, 9), audience="expert", people=5),
    Trained(region_id=2, day=date(2025, 3, 5), audience="tenderee", people=100),   # another year
    Trained(region_id=2, day=date(2027, 3, 5), audience="tenderee", people=100),   # another year
    Trained(region_id=2, day=date(2026, 3, 5), audience="public", people=100),     # unknown audience
    Trained(region_id=2, day=date(2026, 3, 5), audience="agency", people=0),       # zero
    Trained(region_id=2, day=date(2026, 3, 5), audience="staff", people=-3),       # never negative
]
HELD = [(2, date(2026, 3, 5)), (2, date(2026, 3, 20)), (2, date(2026, 4, 1)), (3, date(2026, 3, 9)),
        (2, date(2025, 3, 5)), (4, date(2026, 5, 6)), (2, date(2027, 1, 1))]


@pytest.fixture
def record():
    return rules.record(2026, TRAINED, HELD)


@pytest.mark.parametrize("region_id, month, audience, people", [
    (2, 3, "tenderee", 10),           # two sessions in March summed
    (2, 3, "expert", 40),
    (2, 3, "agency", 0),              # zero counts leave nothing
    (2, 3, "staff", 0),
    (2, 3, "public", 0),              # unknown audience ignored
    (2, 3, None, 50),
    (2, 4, None, 7),
    (2, None, None, 57),              # other years ignored
    (3, 3, "staff", 12),
    (3, None, None, 17),
    (None, 3, None, 67),
    (None, 3, "expert", 45),
    (None, None, None, 74),
    (4, None, None, 0),               # held a session, no attendance recorded
    (2, 1, None, 0),
])
def test_record_sums_people_by_region_month_and_audience(record, region_id, month, audience, people):
    assert record.people(region_id, month, audience) == people


def test_record_keeps_only_the_years_cells_with_known_audiences_and_people(record):
    assert dict(record.cells) == {
        (2, 3, "tenderee"): 10, (2, 3, "expert"): 40, (2, 4, "agency"): 7, (3, 3, "staff"): 12, (3, 3, "expert"): 5,
    }
    assert record.year == 2026


@pytest.mark.parametrize("region_id, month, sessions", [
    (2, 3, 2), (2, 4, 1), (3, 3, 1), (4, 5, 1), (2, None, 3), (None, 3, 3), (None, None, 5), (2, 1, 0), (5, None, 0),
])
def test_record_counts_sessions_held_in_the_year(record, region_id, month, sessions):
    assert record.held(region_id, month) == sessions


def test_an_empty_record_has_nothing():
    empty = rules.record(2026, [], [])
    assert empty.people() == 0 and empty.held() == 0
    assert rules.remark(empty, 2, 3) == ""


@pytest.mark.parametrize("region_id, month, text", [
    (2, 3, "本月开展远程异地评标培训2期，培训招标人10人、评标专家40人。"),
    (2, 4, "本月开展远程异地评标培训1期，培训代理机构7人。"),
    (3, 3, "本月开展远程异地评标培训1期，培训评标专家5人、交易中心工作人员12人。"),   # in the notice's order
    (4, 5, "本月开展远程异地评标培训1期，参训人数未登记。"),                         # no attendance recorded
    (2, 1, ""),                                                                       # no sessions
    (5, 3, ""),
])
def test_remark_on_the_months_training(record, region_id, month, text):
    assert rules.remark(record, region_id, month) == text


def test_remark_is_empty_without_sessions_even_if_people_were_recorded():
    only_people = rules.record(2026, [Trained(region_id=2, day=date(2026, 3, 5), audience="expert", people=9)], [])
    assert rules.remark(only_people, 2, 3) == ""


def test_remark_lists_all_four_audiences():
    trained = [Trained(region_id=1, day=date(2026, 6, 1), audience=key, people=n)
               for key, n in [("staff", 4), ("expert", 3), ("agency", 2), ("tenderee", 1)]]
    record_ = rules.record(2026, trained, [(1, date(2026, 6, 1))])
    assert rules.remark(record_, 1, 6) == \
        "本月开展远程异地评标培训1期，培训招标人1人、代理机构2人、评标专家3人、交易中心工作人员4人。"
