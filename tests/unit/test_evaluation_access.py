"""The evaluation day's record rules (portal.evaluations.access), table-driven: each rule x role x own or
another venue, on plain objects (no app, no database).

The evaluation: main venue 长春 (center 1), a guest venue 吉林市 (center 2) and a partner province's guest
venue (center 3, no region here, so the main venue's staff run it). A second guest venue 榆树 (center 4)
appears where a rule tells two guest venues apart. The section's agent is user 7.
"""
from datetime import date
from types import SimpleNamespace as N

import pytest

from portal.auth.models import Role
from portal.auth.permissions import PERMISSIONS
from portal.evaluations import access
from portal.evaluations.access import DueReach, DueView

MAIN, GUEST, PARTNER, SECOND = 100, 200, 300, 400     # venue ids
AGENT_ID = 7


def _venue(venue_id, center_id, region_id, is_main=False):
    return N(id=venue_id, center_id=center_id, is_main=is_main, center=N(id=center_id, region_id=region_id))


def _evaluation(winner=False, second_guest=False):
    venues = [_venue(MAIN, 1, 10, is_main=True), _venue(GUEST, 2, 20), _venue(PARTNER, 3, None)]
    if second_guest:
        venues.append(_venue(SECOND, 4, 10))
    return N(id=1, main_center_id=1, venues=venues, winner_determined_on=date(2026, 12, 9) if winner else None)


USERS = {
    "main-staff": N(id=1, role=Role.CENTER_STAFF, center_id=1, region_id=10),
    "guest-staff": N(id=2, role=Role.CENTER_STAFF, center_id=2, region_id=20),
    "second-guest-staff": N(id=3, role=Role.CENTER_STAFF, center_id=4, region_id=10),
    "other-staff": N(id=4, role=Role.CENTER_STAFF, center_id=9, region_id=10),
    "staff-without-center": N(id=5, role=Role.CENTER_STAFF, center_id=None, region_id=10),
    "agent": N(id=AGENT_ID, role=Role.AGENT, center_id=None, region_id=None),
    "other-agent": N(id=8, role=Role.AGENT, center_id=None, region_id=None),
    "supervisor": N(id=9, role=Role.SUPERVISOR, center_id=None, region_id=10),
    "prefecture": N(id=10, role=Role.PREFECTURE_ADMIN, center_id=None, region_id=10),
    "province": N(id=11, role=Role.PROVINCE_ADMIN, center_id=None, region_id=None),
    "publicity": N(id=12, role=Role.PUBLICITY, center_id=None, region_id=None),
}
NOBODY = ["other-staff", "staff-without-center", "agent", "other-agent", "supervisor", "prefecture", "province",
          "publicity"]


def _audit_right(name) -> bool:
    """The permission table's 复核 right, which the loader passes in as a fact."""
    return USERS[name].role in PERMISSIONS["evaluation.verify"]


# --- venues ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, venues", [
    ("main-staff", {MAIN, PARTNER}),         # the own venue, and the partner province's guest venue
    ("guest-staff", {GUEST}),
    ("second-guest-staff", {SECOND}),
    *[(name, set()) for name in NOBODY],
])
def test_who_acts_as_which_venue(name, venues):
    assert access.acting_venue_ids(USERS[name], _evaluation(second_guest=True)) == venues


@pytest.mark.parametrize("name, main, in_venues", [
    ("main-staff", True, True),
    ("guest-staff", False, True),
    ("second-guest-staff", False, True),
    ("other-staff", False, False),
    ("staff-without-center", False, False),
    ("agent", False, False),
    ("supervisor", False, False),
    ("province", False, False),
])
def test_main_staff_and_the_venues_staff(name, main, in_venues):
    evaluation = _evaluation(second_guest=True)
    assert access.is_main_staff(USERS[name], evaluation) is main
    assert access.in_venues(USERS[name], evaluation) is in_venues


@pytest.mark.parametrize("name, fixes, center", [
    ("main-staff", True, 1),
    ("guest-staff", False, 2),
    ("staff-without-center", False, None),
    ("agent", False, None),
    ("province", False, None),
    ("supervisor", False, None),
])
def test_the_main_centers_staff_fix_the_committee_and_see_their_ready_sections(name, fixes, center):
    assert access.may_fix_committee(USERS[name], 1) is fixes
    assert access.committee_center(USERS[name]) == center


# --- names, draws, seeds --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, winner, sees", [
    ("main-staff", False, {MAIN, PARTNER}),
    ("guest-staff", False, {GUEST}),
    ("supervisor", False, set()),
    ("supervisor", True, {MAIN, GUEST, PARTNER}),      # after the winner is determined
    ("main-staff", True, {MAIN, PARTNER}),             # the other venue's names stay with that venue
    ("guest-staff", True, {GUEST}),
    ("prefecture", True, set()),
    ("province", True, set()),
    ("agent", True, set()),
    ("other-staff", True, set()),
])
def test_drawn_names_are_seen_by_the_drawing_venue_and_supervisors_after_the_winner(name, winner, sees):
    evaluation = _evaluation(winner=winner)
    seen = {v.id for v in evaluation.venues if access.may_see_names(USERS[name], evaluation, v.id)}
    assert seen == sees


@pytest.mark.parametrize("name, sees_log, verifies", [
    ("main-staff", True, {MAIN, PARTNER}),
    ("guest-staff", True, {GUEST}),
    ("supervisor", True, {MAIN, GUEST, PARTNER}),    # the audit right (复核)
    ("prefecture", True, {MAIN, GUEST, PARTNER}),
    ("province", True, {MAIN, GUEST, PARTNER}),
    ("agent", False, set()),
    ("other-staff", False, set()),
])
def test_draw_records_and_their_re_run(name, sees_log, verifies):
    evaluation, user, right = _evaluation(), USERS[name], _audit_right(name)
    assert access.may_see_draws(user, evaluation, right) is sees_log
    assert {v.id for v in evaluation.venues if access.may_verify(user, evaluation, v.id, right)} == verifies


@pytest.mark.parametrize("name, winner, seeds", [
    ("main-staff", False, {MAIN, PARTNER}),
    ("guest-staff", False, {GUEST}),
    ("supervisor", False, set()),
    ("province", False, set()),
    ("supervisor", True, {MAIN, GUEST, PARTNER}),
    ("province", True, {MAIN, GUEST, PARTNER}),
    ("agent", True, {MAIN, GUEST, PARTNER}),
])
def test_the_seed_is_the_drawing_venues_until_the_winner(name, winner, seeds):
    evaluation = _evaluation(winner=winner)
    assert {v.id for v in evaluation.venues if access.may_see_seed(USERS[name], evaluation, v.id)} == seeds


# --- clues and files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, sees_section, reads_guests, reads_seconds", [
    ("main-staff", True, True, True),            # the main venue reads every guest venue's clue
    ("guest-staff", True, True, False),          # the filing venue, not another guest venue's
    ("second-guest-staff", True, False, True),
    ("supervisor", True, True, True),
    ("other-staff", False, False, False),
    ("prefecture", False, False, False),
    ("province", False, False, False),
    ("agent", False, False, False),
])
def test_clues_are_for_the_main_venue_the_filing_venue_and_supervisors(name, sees_section, reads_guests,
                                                                        reads_seconds):
    evaluation, user = _evaluation(second_guest=True), USERS[name]
    assert access.may_see_clues(user, evaluation) is sees_section
    assert access.may_read_clue(user, evaluation, GUEST) is reads_guests
    assert access.may_read_clue(user, evaluation, SECOND) is reads_seconds


@pytest.mark.parametrize("name, clue_file, handover_file", [
    ("main-staff", True, True),
    ("guest-staff", True, True),
    ("second-guest-staff", False, True),      # another guest venue's clue; but a venue's hand-over file
    ("supervisor", True, True),
    ("other-staff", False, False),
    ("prefecture", False, False),
    ("province", False, False),
    ("agent", False, False),
])
def test_files_follow_the_clue_or_the_hand_over(name, clue_file, handover_file):
    evaluation, user = _evaluation(second_guest=True), USERS[name]
    assert access.may_open_file(user, evaluation, clue_venue_id=GUEST) is clue_file
    assert access.may_open_file(user, evaluation, handover=True) is handover_file
    assert access.may_open_file(user, evaluation) is True     # a file of neither kind: whoever sees the page


# --- fees and payment ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, sees_fees, pays", [
    ("main-staff", True, False),
    ("guest-staff", True, False),
    ("agent", True, True),             # the section's agent pays
    ("other-agent", True, False),      # (finds no evaluation of another's section: the scope is OWN)
    ("supervisor", True, False),
    ("prefecture", True, False),
    ("province", True, False),
    ("other-staff", False, False),
    ("publicity", False, False),
])
def test_fees_and_who_pays(name, sees_fees, pays):
    user = USERS[name]
    assert access.may_see_fees(user, _evaluation()) is sees_fees
    assert access.may_pay(user, AGENT_ID) is pays
    assert access.may_pay(user, None) is False


# --- the deadlines board ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, reach", [
    ("main-staff", DueReach(DueView.CENTER, center_id=1)),
    ("guest-staff", DueReach(DueView.CENTER, center_id=2)),
    ("agent", DueReach(DueView.OWN, owner_id=AGENT_ID)),
    ("supervisor", DueReach(DueView.REGION_OVERDUE, region_id=10)),
    ("prefecture", DueReach(DueView.REGION_OVERDUE, region_id=10)),
    ("province", DueReach(DueView.ALL_OVERDUE)),
    ("publicity", DueReach(DueView.NONE)),
])
def test_the_deadlines_board_each_role_sees(name, reach):
    assert access.due_reach(USERS[name]) == reach
    assert reach.overdue_only is (name in ("supervisor", "prefecture", "province"))
