"""The evaluation day's pure rules: committee composition, avoidance, the draw, the end instruction, fees."""
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.evaluations import rules
from portal.evaluations.rules import Avoid, AvoidanceFacts, Candidate, FeeStandard, MemberState, VenuePlan

MAIN = VenuePlan("主场", True, 0)


def plan(main, *guests):
    """Venues: the main venue with `main` experts, and guests as (experts, seats)."""
    return [VenuePlan("主场", True, main)] + [VenuePlan(f"客场{i}", False, e, s) for i, (e, s) in enumerate(guests, 1)]


@pytest.mark.parametrize("size, reps, venues, problem", [
    (5, 1, plan(2, (2, 2)), None),
    (7, 2, plan(3, (2, 3)), None),
    (5, 0, plan(3, (2, 2)), None),
    (9, 3, plan(3, (3, 3)), None),               # 6 of 9 experts: exactly two thirds
    (3, 0, plan(1, (2, 2)), "5 人以上单数"),
    (6, 1, plan(3, (2, 2)), "应为单数"),
    (51, 1, plan(25, (25, 25)), "不能超过 49"),
    (5, 2, plan(1, (2, 2)), "三分之二"),          # 3 of 5 experts: less than two thirds
    (7, 3, plan(2, (2, 2)), "至少 5 名专家"),
    (5, 1, plan(2, (1, 2)), "应等于"),            # 3 experts drawn, 4 needed
    (5, 1, plan(1, (3, 2)), "只预订了 2 个机位"),
    (5, 1, plan(4, (0, 2)), "没有安排专家"),
    (5, 0, plan(0, (5, 5)), "主场至少应有一名"),
    (5, 1, plan(0, (4, 4)), None),                # the tenderee's representative sits at the main venue
])
def test_committee_composition(size, reps, venues, problem):
    problems = rules.committee_problems(size, reps, venues)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("a, b, same", [
    ("长春市城市建设局", "长春市城市建设局", True),
    ("长春市城市建设局", " 长春市 城市建设局 ", True),
    ("吉林（长春）设计院", "吉林(长春)设计院", True),
    ("ＡＢＣ设计院", "abc设计院", True),
    ("长春市城市建设局", "长春市城市建设集团", False),
    ("", "", True),
])
def test_organisation_names_compare_loosely(a, b, same):
    assert (rules.normalise_org(a) == rules.normalise_org(b)) is same


def test_parse_names_splits_lines_and_semicolons_without_repeats():
    assert rules.parse_names("甲公司\n乙公司；丙公司;甲 公司\n\n") == ["甲公司", "乙公司", "丙公司"]


FACTS = AvoidanceFacts(tenderee="长春市城市建设局", bidders=("吉林某建设集团", "长春某路桥公司"),
                       supervising_departments=("长春市住房和城乡建设局",), recent_tenderee_ids=frozenset({7}),
                       same_day_ids=frozenset({8}), committee_ids=frozenset({9}))


@pytest.mark.parametrize("candidate, reason", [
    (Candidate(1, "长春某设计院"), None),
    (Candidate(2, "长春市城市建设局"), Avoid.TENDEREE),
    (Candidate(3, "吉林某建设集团"), Avoid.BIDDER),
    (Candidate(4, "长春某路桥公司 "), Avoid.BIDDER),
    (Candidate(5, "长春市住房和城乡建设局"), Avoid.SUPERVISOR),
    (Candidate(7, "某大学"), Avoid.RECENT),
    (Candidate(8, "某大学"), Avoid.SAME_DAY),
    (Candidate(9, "某大学"), Avoid.ON_COMMITTEE),
    (Candidate(10, ""), None),
])
def test_avoidance(candidate, reason):
    assert rules.avoidance_reason(candidate, FACTS) is reason


def test_split_eligible_sorts_and_counts_the_excluded():
    candidates = [Candidate(12, "a"), Candidate(3, "长春市城市建设局"), Candidate(1, "b"), Candidate(7, "c")]
    eligible, excluded = rules.split_eligible(candidates, FACTS)
    assert eligible == [1, 12]
    assert excluded == {Avoid.TENDEREE: 1, Avoid.RECENT: 1}


def test_a_stored_draw_re_runs_to_the_same_members_in_the_same_order():
    seed = rules.new_seed()
    candidates = list(range(100, 160))
    first = rules.draw(candidates, 5, seed)
    assert rules.draw(candidates, 5, seed) == first
    assert len(set(first)) == 5 and set(first) <= set(candidates)
    # The order of the stored candidate list does not matter: the result depends on ids and seed only.
    assert rules.draw(list(reversed(candidates)), 5, seed) == first


def test_a_different_seed_gives_a_different_draw():
    candidates = list(range(1, 200))
    results = {tuple(rules.draw(candidates, 5, rules.new_seed())) for _ in range(20)}
    assert len(results) == 20


def test_the_seed_is_256_bits_of_hex():
    seed = rules.new_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0


@pytest.mark.parametrize("count, n", [(6, 5), (-1, 5)])
def test_a_draw_cannot_take_more_than_the_candidates_or_a_negative_count(count, n):
    with pytest.raises(ValueError):
        rules.draw(list(range(n)), count, rules.new_seed())


def test_over_ten_thousand_draws_every_eligible_expert_is_chosen_uniformly():
    """Chi-square goodness of fit: 30 candidates, 3 chosen per draw, 10,000 draws (p = 0.001 critical value)."""
    candidates = list(range(1, 31))
    counts = dict.fromkeys(candidates, 0)
    draws, k = 10_000, 3
    for _ in range(draws):
        for expert in rules.draw(candidates, k, secrets.token_hex(32)):
            counts[expert] += 1
    expected = draws * k / len(candidates)
    statistic = rules.chi_square(list(counts.values()), expected)
    assert statistic < rules.chi_square_critical(len(candidates) - 1), (statistic, counts)
    assert min(counts.values()) > 0


def test_the_chi_square_check_would_catch_a_biased_draw():
    """The same check refuses a draw that favours low ids (so the test above can fail)."""
    counts = [1100 if i < 5 else 980 for i in range(30)]
    expected = sum(counts) / 30
    assert rules.chi_square(counts, expected) > rules.chi_square_critical(29)


@pytest.mark.parametrize("df, critical", [(10, 29.59), (29, 58.30), (100, 149.45)])
def test_chi_square_critical_values_match_the_tables(df, critical):
    assert rules.chi_square_critical(df) == pytest.approx(critical, rel=0.01)


@pytest.mark.parametrize("checks, missing", [
    ((True, True, True, 5, True), []),
    ((False, True, True, 5, True), ["身份证"]),
    ((True, False, True, 5, True), ["照片"]),
    ((True, True, False, 5, True), ["通讯工具"]),
    ((True, True, True, None, True), ["工位"]),
    ((True, True, True, 5, False), ["回避"]),
])
def test_sign_in_needs_every_check(checks, missing):
    problems = rules.sign_in_problems(*checks)
    assert len(problems) == len(missing)
    for word, problem in zip(missing, problems):
        assert word in problem


@pytest.mark.parametrize("members, expected", [
    ([MemberState("甲", True, (True, True, True))], []),
    ([], ["还没有专家"]),
    ([MemberState("甲", False, (False, False, False))], ["甲尚未签到"]),
    ([MemberState("甲", True, (True, False, True))], ["甲尚未签署评标汇总表"]),
    ([MemberState("甲", True, (False, False, False)), MemberState("乙", True, (True, True, True))],
     ["甲尚未签署个人评审表、评标汇总表、评标报告"]),
])
def test_the_end_instruction_waits_for_every_signature(members, expected):
    problems = rules.end_problems(members)
    assert len(problems) == len(expected)
    for word, problem in zip(expected, problems):
        assert word in problem


JILIN_STANDARD = FeeStandard(base=Decimal(600), base_hours=4, extra_hour=Decimal(100), cap=Decimal(1000))


@pytest.mark.parametrize("standard, minutes, fee", [
    (JILIN_STANDARD, 0, "600.00"),
    (JILIN_STANDARD, 240, "600.00"),
    (JILIN_STANDARD, 241, "700.00"),       # a started hour counts
    (JILIN_STANDARD, 300, "700.00"),
    (JILIN_STANDARD, 301, "800.00"),
    (JILIN_STANDARD, 480, "1000.00"),
    (JILIN_STANDARD, 720, "1000.00"),      # the daily cap
    (FeeStandard(base=Decimal("800.50")), 600, "800.50"),   # no extra rate, no cap
    (FeeStandard(base=Decimal(500), base_hours=2, extra_hour=Decimal("80.25")), 185, "660.50"),
])
def test_expert_fee(standard, minutes, fee):
    assert rules.expert_fee(standard, minutes) == Decimal(fee)


MAIN_STANDARD = FeeStandard(base=Decimal(800), extra_hour=Decimal(100), cap=Decimal(1200))


@pytest.mark.parametrize("is_main, own, meal, minutes, fee, meal_owed", [
    (True, JILIN_STANDARD, Decimal(60), 300, "900.00", "0.00"),   # main venue: main standard, no guest meal
    (False, JILIN_STANDARD, Decimal(60), 300, "700.00", "60.00"),  # guest: own standard plus the meal
    (False, JILIN_STANDARD, None, 300, "700.00", "0.00"),
    (False, None, Decimal(60), 300, None, "60.00"),                # no published standard: unknown fee
])
def test_what_each_expert_is_owed_depends_on_the_venue(is_main, own, meal, minutes, fee, meal_owed):
    result = rules.owed(is_main, own, MAIN_STANDARD, meal, minutes)
    assert result.fee == (Decimal(fee) if fee else None)
    assert result.meal == Decimal(meal_owed)
    assert result.total == (Decimal(fee) + Decimal(meal_owed) if fee else None)
    assert ("主场标准" if is_main else ("客场标准" if own else "未公布")) in result.basis


def test_fee_standard_describes_itself_in_chinese():
    assert JILIN_STANDARD.describe() == "4 小时以内 600 元，超过部分每小时 100 元，每天最高 1000 元"


# --- replacements: the closed list and the limit ----------------------------------------------------------------

@pytest.mark.parametrize("kind, text, earlier, approved, says", [
    (rules.ReplaceReason.CONFLICT, "", 0, False, None),
    (rules.ReplaceReason.ABSENT, "", 1, False, None),
    (rules.ReplaceReason.DECLINED, "", 0, False, None),
    (rules.ReplaceReason.OTHER, "", 0, False, "请写明具体情况"),
    (rules.ReplaceReason.OTHER, "  ", 0, False, "请写明具体情况"),
    (rules.ReplaceReason.OTHER, "专家航班延误", 1, False, None),
    (rules.ReplaceReason.ABSENT, "", 2, False, "已更换 2 次，第 3 次更换须经行政监督部门同意"),
    (rules.ReplaceReason.ABSENT, "", 2, True, None),
    (rules.ReplaceReason.ABSENT, "", 3, False, "第 4 次"),
    (rules.ReplaceReason.OTHER, "", 2, True, "请写明具体情况"),
])
def test_a_replacement_needs_its_reason_and_after_two_an_approval(kind, text, earlier, approved, says):
    problem = rules.replacement_problem(kind, text, earlier, approved)
    assert (problem is None) is (says is None)
    if says:
        assert says in problem


def test_the_closed_list_of_replacement_reasons():
    assert [r.choice for r in rules.ReplaceReason] == ["回避", "未到场", "身体原因", "其他（须写明）"]


# --- every exclusion stored and re-checked -------------------------------------------------------------------

DRAW_FACTS = rules.AvoidanceFacts(tenderee="长春市城市建设局", bidders=("吉林某建设集团",), committee_ids=frozenset({9}))
DRAW_POOL = {1: rules.Candidate(1, "长春某设计院"), 2: rules.Candidate(2, "长春市城市建设局"),
        3: rules.Candidate(3, "吉林某建设集团"), 4: rules.Candidate(4, ""), 9: rules.Candidate(9, "")}


def test_classify_keeps_every_excluded_id_with_its_reason():
    eligible, excluded = rules.classify(list(DRAW_POOL.values())[::-1], DRAW_FACTS)
    assert eligible == [1, 4]
    assert excluded == [(2, rules.Avoid.TENDEREE), (3, rules.Avoid.BIDDER), (9, rules.Avoid.ON_COMMITTEE)]


@pytest.mark.parametrize("eligible, excluded, says", [
    ([1, 4], {2: rules.Avoid.TENDEREE, 3: rules.Avoid.BIDDER, 9: rules.Avoid.ON_COMMITTEE}, None),
    ([4, 1], {2: rules.Avoid.TENDEREE}, "升序"),
    ([1, 3, 4], {2: rules.Avoid.TENDEREE}, "候选名单中 1 名专家按回避规则应当排除"),
    ([1, 4], {2: rules.Avoid.BIDDER}, "1 名专家的排除原因与回避规则不符"),
    ([1, 4], {2: rules.Avoid.TENDEREE, 4: rules.Avoid.RECENT}, "同时出现"),
    ([1, 77], {}, "已不在专家库中"),
    ([1], {4: rules.Avoid.SAME_DAY}, "排除原因与回避规则不符"),
])
def test_a_stored_candidate_list_is_re_checked(eligible, excluded, says):
    problems = rules.eligibility_problems(eligible, excluded, DRAW_POOL, DRAW_FACTS)
    assert (problems == []) is (says is None)
    if says:
        assert any(says in p for p in problems), problems


# --- changing a fixed committee, and whom a shortage is addressed to ------------------------------------------

@pytest.mark.parametrize("drawn, wanted, facts_changed, says", [
    ({}, {"main": {1: 2}, "7": {1: 2}}, True, None),                                   # nobody drew yet
    ({"main": ("主场", {1: 2})}, {"main": {1: 2}, "7": {2: 2}}, False, None),          # the guest changes
    ({"main": ("主场", {1: 2})}, {"main": {1: 3}, "7": {1: 1}}, False, "主场已抽取专家"),
    ({"main": ("主场", {1: 2})}, {"main": {2: 2}, "7": {1: 2}}, False, "主场已抽取专家"),   # another specialty
    ({"7": ("客场（吉林市）", {1: 2})}, {"main": {1: 2}}, False, "客场（吉林市）已抽取专家"),
    ({"main": ("主场", {1: 2})}, {"main": {1: 2}, "7": {1: 2}}, True, "回避期限不能再修改"),
])
def test_a_venues_part_changes_until_that_venue_drew(drawn, wanted, facts_changed, says):
    problems = rules.committee_change_problems(drawn, wanted, facts_changed)
    assert (problems == []) is (says is None)
    if says:
        assert any(says in p for p in problems), problems


def test_a_shortage_is_addressed_to_whoever_can_act():
    main = rules.shortage_message("A0101 给排水", "主场（长春）", 2, 0, is_main=True)
    guest = rules.shortage_message("A0101 给排水", "客场（吉林市）", 2, 0, is_main=False)
    assert "请在“评标委员会组成”中调整主场的专业或人数" in main
    assert "本场所无法抽取" in guest and "已通知主场" in guest and "请调整" not in guest
    assert "改由主场抽取" in rules.shortage_notice("A0101 给排水", "客场（吉林市）", 2, 0)


@pytest.mark.parametrize("paid_on, problem", [
    (date(2026, 12, 9), None),                      # the evaluation day
    (date(2026, 12, 12), None),                     # today
    (date(2026, 12, 13), "不能晚于今天"),
    (date(2026, 12, 8), "不能早于评标日期"),
])
def test_a_payment_day_lies_between_the_evaluation_and_today(paid_on, problem):
    found = rules.payment_date_problem(paid_on, date(2026, 12, 9), date(2026, 12, 12))
    assert (found is None) if problem is None else (problem in found)


# --- an external guest venue (外省客场): the partner's confirmed sign-in and what its experts are owed -------------

DAY = date(2026, 12, 9)
NOW = datetime(2026, 12, 9, 15, 0)    # China time, naive as the form gives it


@pytest.mark.parametrize("count, needed, signed_in_at, field, says", [
    (3, 3, datetime(2026, 12, 9, 8, 40), None, None),
    (0, 3, datetime(2026, 12, 9, 8, 40), None, None),             # nobody came: a count all the same
    (2, 3, datetime(2026, 12, 9, 15, 0), None, None),             # now exactly
    (None, 3, datetime(2026, 12, 9, 8, 40), "count", "请填写"),
    (-1, 3, datetime(2026, 12, 9, 8, 40), "count", "不能为负数"),
    (4, 3, datetime(2026, 12, 9, 8, 40), "count", "不能超过 3 人"),  # more than the experts it was to draw
    (3, 3, None, "signed_in_at", "请填写签到时间"),
    (3, 3, datetime(2026, 12, 9, 15, 1), "signed_in_at", "不能晚于现在"),
    (3, 3, datetime(2026, 12, 8, 23, 59), "signed_in_at", "应在评标当日（2026-12-09）"),
])
def test_the_partners_sign_in_count_and_time(count, needed, signed_in_at, field, says):
    found = rules.external_sign_in_problem(count, needed, signed_in_at, DAY, NOW)
    if says is None:
        assert found is None
    else:
        assert found[0] == field and says in found[1]


PARTNER = FeeStandard(base=Decimal(500), base_hours=4, extra_hour=Decimal(80), cap=Decimal(900))


@pytest.mark.parametrize("count, standard, meal, minutes, fee, meal_total, total, says", [
    (3, PARTNER, Decimal(50), 240, "1500.00", "150.00", "1650.00", "3 人 × 每人 550.00 元"),
    (3, PARTNER, Decimal(50), 300, "1740.00", "150.00", "1890.00", "评审 5 小时 0 分"),   # a started hour: 580 each
    (2, PARTNER, Decimal(50), 720, "1800.00", "100.00", "1900.00", "每天最高 900 元"),     # the partner's cap
    (3, PARTNER, None, 240, "1500.00", "0.00", "1500.00", "客场未列明就餐费用"),
    (0, PARTNER, Decimal(50), 240, "0.00", "0.00", "0.00", "签到 0 人"),
    (3, None, Decimal(50), 240, None, "150.00", None, "劳务费标准尚未录入"),
])
def test_what_an_external_venues_experts_are_owed_together(count, standard, meal, minutes, fee, meal_total,
                                                          total, says):
    result = rules.external_owed(count, standard, meal, minutes)
    assert result.fee == (Decimal(fee) if fee else None)
    assert result.meal == Decimal(meal_total)
    assert result.total == (Decimal(total) if total else None)
    assert says in result.basis and len(result.basis) <= 300


@pytest.mark.parametrize("minutes, paid", [(0, 1), (-30, 1), (90, 90), (720, 720), (800, 720)])
def test_the_time_paid_for_runs_from_the_start_to_the_end_within_limits(minutes, paid):
    start = datetime(2026, 12, 9, 9, 0)
    assert rules.paid_minutes(start, start + timedelta(minutes=minutes), 720) == paid
