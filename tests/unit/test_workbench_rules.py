"""The workbench's pure rules: how urgent an item is, how its due date reads, which items a card lists first."""
from datetime import date

import pytest

from portal.calendar.services import build_calendar
from portal.workbench import access, rules
from portal.workbench.rules import Entry, Urgency

TODAY = date(2026, 12, 2)   # a Wednesday


@pytest.mark.parametrize("due, expected", [
    (None, Urgency.NONE),
    (date(2026, 11, 20), Urgency.OVERDUE),
    (date(2026, 12, 1), Urgency.OVERDUE),
    (date(2026, 12, 2), Urgency.TODAY),
    (date(2026, 12, 3), Urgency.SOON),
    (date(2026, 12, 5), Urgency.SOON),
    (date(2026, 12, 6), Urgency.LATER),
])
def test_urgency_by_days_left(due, expected):
    assert rules.urgency(due, TODAY) is expected


@pytest.mark.parametrize("due, verb, text", [
    (None, "截止", ""),
    (date(2026, 12, 1), "截止", "已逾期 1 天"),
    (date(2026, 11, 22), "截止", "已逾期 10 天"),
    (date(2026, 12, 2), "截止", "今天截止"),
    (date(2026, 12, 3), "截止", "明天截止"),
    (date(2026, 12, 9), "截止", "7 天后截止"),
    (date(2026, 12, 2), "评标", "今天评标"),
    (date(2026, 12, 3), "开班", "明天开班"),
    (date(2026, 12, 4), "答复", "2 天后答复"),
])
def test_due_dates_read_as_people_say_them(due, verb, text):
    assert rules.due_text(due, TODAY, verb) == text


@pytest.mark.parametrize("today, sunday", [
    (date(2026, 11, 30), date(2026, 12, 6)),   # Monday
    (date(2026, 12, 2), date(2026, 12, 6)),    # Wednesday
    (date(2026, 12, 6), date(2026, 12, 6)),    # Sunday: the week ends today
    (date(2026, 12, 31), date(2027, 1, 3)),    # across the year
])
def test_this_week_runs_to_sunday(today, sunday):
    assert rules.week_end(today) == sunday


@pytest.mark.parametrize("evaluation, answer_by", [
    (date(2026, 12, 4), date(2026, 12, 3)),    # Friday -> Thursday
    (date(2026, 12, 7), date(2026, 12, 4)),    # Monday -> the Friday before
    (date(2026, 10, 8), date(2026, 9, 30)),    # after the National Day holiday -> the last working day before it
])
def test_the_guest_center_answers_by_the_working_day_before_the_evaluation(evaluation, answer_by):
    assert rules.answer_by(build_calendar(), evaluation) == answer_by


@pytest.mark.parametrize("enrolled, capacity, filling", [
    (0, 30, False), (23, 30, False), (24, 30, True), (30, 30, True),
    (7, 10, True),      # 3 seats left
    (6, 10, False),
    (0, 3, True),       # a small session is always short of seats
    (0, 0, False),
])
def test_a_session_is_filling_up_from_80_percent_or_3_seats_left(enrolled, capacity, filling):
    assert rules.filling_up(enrolled, capacity) is filling


def test_overdue_first_then_by_date_undated_last_and_only_the_first_five():
    entries = [Entry("无期限", "/a"), Entry("下周", "/b", date(2026, 12, 9)), Entry("明天", "/c", date(2026, 12, 3)),
               Entry("逾期", "/d", date(2026, 11, 30)), Entry("今天", "/e", date(2026, 12, 2)),
               Entry("更早逾期", "/f", date(2026, 11, 1)), Entry("次序靠后", "/g", date(2026, 12, 3), rank=1)]
    lines = rules.ordered(entries, TODAY)
    assert [line.entry.title for line in lines] == ["更早逾期", "逾期", "今天", "明天", "次序靠后"]
    assert [line.text for line in lines[:3]] == ["已逾期 31 天", "已逾期 2 天", "今天截止"]
    assert len(rules.ordered(entries, TODAY, limit=10)) == 7
    assert rules.ordered(entries, TODAY, limit=10)[-1].entry.title == "无期限"


@pytest.mark.parametrize("dues, tone", [
    ([], ""),
    ([None], ""),
    ([date(2026, 12, 20)], ""),
    ([date(2026, 12, 20), date(2026, 12, 4)], "warning"),
    ([date(2026, 12, 2)], "warning"),
    ([date(2026, 12, 4), date(2026, 12, 1)], "danger"),
])
def test_a_card_is_coloured_by_its_most_urgent_item(dues, tone):
    made = rules.card("k", "标题", len(dues), [Entry(str(n), "/", d) for n, d in enumerate(dues)], TODAY, "/", "打开")
    assert made.tone == tone


class _User:
    def __init__(self, role, authenticated=True):
        self.role, self.is_authenticated = role, authenticated


def test_every_business_role_has_cards_and_a_visitor_none():
    from portal.auth.models import ADMINISTRATION_ROLES, Role

    for role in Role:
        # The three administrators (三员分立) work in their administration pages, not on business cards.
        assert bool(access.cards_for(_User(role))) is (role not in ADMINISTRATION_ROLES), role
    assert access.cards_for(_User(Role.CENTER_STAFF, authenticated=False)) == ()
    assert access.cards_for(_User(Role.CENTER_STAFF))[0] == "inbox"
