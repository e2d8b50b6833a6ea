"""May center A ask center B for guest seats on day D? (seed 004 三.1 and its attachment)"""
from datetime import date

import pytest

from portal.partners.rules import CenterFacts, PairingFacts, may_host_for, may_request_guest_seats, pairing_active_on

JILIN, HUBEI, HUNAN = 1, 2, 3
CHANGCHUN = CenterFacts(10, "长春市公共资源交易中心", JILIN)
JILIN_CITY = CenterFacts(11, "吉林市公共资源交易中心", JILIN)
CLOSED = CenterFacts(12, "已撤并中心", JILIN, active=False)
HUANGGANG = CenterFacts(20, "黄冈市公共资源交易中心", HUBEI)
CHANGSHA = CenterFacts(30, "长沙公共资源交易中心", HUNAN)

PAIRINGS = [
    # 长春 is supported by 长沙 from 2026-01-01 to 2026-06-30, and by 黄冈 from 2026-09-01 on.
    PairingFacts(CHANGCHUN.id, frozenset({CHANGSHA.id}), date(2026, 1, 1), date(2026, 6, 30)),
    PairingFacts(CHANGCHUN.id, frozenset({HUANGGANG.id}), date(2026, 9, 1), None),
    # 黄冈 (implementing) is supported by 吉林市 (partner): it does not make 吉林市 a main venue of 黄冈.
    PairingFacts(HUANGGANG.id, frozenset({JILIN_CITY.id}), date(2020, 3, 1), None),
]


@pytest.mark.parametrize("requester, guest, day, allowed, reason", [
    (CHANGCHUN, JILIN_CITY, date(2026, 3, 2), True, "省内远程异地评标"),
    (JILIN_CITY, CHANGCHUN, date(2030, 1, 1), True, "省内远程异地评标"),
    (CHANGCHUN, CHANGSHA, date(2026, 1, 1), True, "对口合作在 2026-01-01 有效"),
    (CHANGCHUN, CHANGSHA, date(2026, 6, 30), True, "对口合作在 2026-06-30 有效"),
    (CHANGCHUN, CHANGSHA, date(2026, 7, 1), False, "已于 2026-06-30 结束"),
    (CHANGCHUN, HUANGGANG, date(2026, 8, 31), False, "自 2026-09-01 起生效，2026-08-31 尚未生效"),
    (CHANGCHUN, HUANGGANG, date(2027, 5, 6), True, "对口合作单位"),
    (JILIN_CITY, HUANGGANG, date(2026, 10, 10), False, "不是吉林市公共资源交易中心的对口合作单位"),
    (HUANGGANG, JILIN_CITY, date(2026, 10, 10), True, "对口合作单位"),
    (HUANGGANG, CHANGCHUN, date(2026, 10, 10), False, "不是黄冈市公共资源交易中心的对口合作单位"),
    (CHANGCHUN, CHANGCHUN, date(2026, 10, 10), False, "不能向本交易中心申请"),
    (CHANGCHUN, CLOSED, date(2026, 10, 10), False, "已停用"),
])
def test_may_request_guest_seats(requester, guest, day, allowed, reason):
    decision = may_request_guest_seats(requester, guest, day, PAIRINGS)
    assert decision.allowed is allowed
    assert reason in decision.reason


def test_an_expired_and_a_future_pairing_together_name_the_end():
    pairings = [PairingFacts(CHANGCHUN.id, frozenset({CHANGSHA.id}), date(2025, 1, 1), date(2025, 12, 31)),
                PairingFacts(CHANGCHUN.id, frozenset({CHANGSHA.id}), date(2027, 1, 1), None)]
    decision = may_request_guest_seats(CHANGCHUN, CHANGSHA, date(2026, 6, 1), pairings)
    assert not decision.allowed and "已于 2025-12-31 结束" in decision.reason


@pytest.mark.parametrize("start, end, day, active", [
    (date(2026, 1, 1), None, date(2025, 12, 31), False),
    (date(2026, 1, 1), None, date(2026, 1, 1), True),
    (date(2026, 1, 1), None, date(2099, 1, 1), True),
    (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1), True),
    (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 2), False),
])
def test_pairing_in_force_from_start_to_end_inclusive(start, end, day, active):
    assert pairing_active_on(PairingFacts(1, frozenset({2}), start, end), day) is active


# --- inbound: a center of this province registers another province's request (the rule in reverse) ---------

CLOSED_PARTNER = CenterFacts(21, "已停用的外省中心", HUBEI, active=False)


@pytest.mark.parametrize("main, host, day, step, allowed, reason", [
    (HUANGGANG, JILIN_CITY, date(2026, 10, 10), None, True, "对口合作单位"),           # seed 004's pairing
    (HUANGGANG, JILIN_CITY, date(2020, 2, 29), None, False, "尚未生效；湖北省也尚未与本省完成联调联试"),
    (HUANGGANG, JILIN_CITY, date(2020, 2, 29), "passed", True, "已与本省完成联调联试"),  # registered by testing
    (HUANGGANG, CHANGCHUN, date(2026, 10, 10), None, False, "不是黄冈市公共资源交易中心的对口合作单位；"),
    (HUANGGANG, CHANGCHUN, date(2026, 10, 10), "routine", True, "已与本省完成联调联试"),
    (HUANGGANG, CHANGCHUN, date(2026, 10, 10), "testing", False, "尚未与本省完成联调联试"),
    (HUANGGANG, CHANGCHUN, date(2026, 10, 10), "suspended", False, "尚未与本省完成联调联试"),
    (CHANGSHA, JILIN_CITY, date(2026, 10, 10), "planned", False, "不是长沙公共资源交易中心的对口合作单位"),
    (CHANGCHUN, JILIN_CITY, date(2026, 10, 10), None, False, "省内的客场机位申请由主场在本系统提出"),
    (CLOSED_PARTNER, JILIN_CITY, date(2026, 10, 10), "routine", False, "已停用的外省中心已停用"),
    (HUANGGANG, CLOSED, date(2026, 10, 10), "routine", False, "已撤并中心已停用"),
])
def test_may_host_for_another_provinces_main_venue(main, host, day, step, allowed, reason):
    decision = may_host_for(main, host, day, PAIRINGS, JILIN, step, "湖北省" if main.province_id == HUBEI else "湖南省")
    assert decision.allowed is allowed
    assert reason in decision.reason
