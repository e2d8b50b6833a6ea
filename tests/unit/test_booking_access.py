"""Record-level access of guest-seat requests (portal.bookings.access): each rule x role x own or other center.

Plain objects stand in for accounts and requests: the rules read attributes, never the database.
"""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.auth.models import Role
from portal.auth.permissions import PERMISSIONS as TABLE
from portal.bookings import access
from portal.bookings.rules import Action, Side, Status

MAIN_CENTER, GUEST_CENTER, OTHER_CENTER = 1, 2, 3
OWNER, OTHER_AGENT = 10, 11
A, S = Action, Status
MAIN, GUEST = Side.MAIN, Side.GUEST

# Accounts by what they are to the request below: its agent, the staff of its main, guest or another center,
# and the roles that oversee rather than act (even when their account belongs to one of its centers).
USERS = {
    "owner agent": SimpleNamespace(id=OWNER, role=Role.AGENT, center_id=None, region_id=None),
    "other agent": SimpleNamespace(id=OTHER_AGENT, role=Role.AGENT, center_id=None, region_id=None),
    "agent of the main center": SimpleNamespace(id=12, role=Role.AGENT, center_id=MAIN_CENTER, region_id=7),
    "main staff": SimpleNamespace(id=20, role=Role.CENTER_STAFF, center_id=MAIN_CENTER, region_id=7),
    "guest staff": SimpleNamespace(id=21, role=Role.CENTER_STAFF, center_id=GUEST_CENTER, region_id=8),
    "other staff": SimpleNamespace(id=22, role=Role.CENTER_STAFF, center_id=OTHER_CENTER, region_id=7),
    "staff of no center": SimpleNamespace(id=23, role=Role.CENTER_STAFF, center_id=None, region_id=7),
    "province admin": SimpleNamespace(id=30, role=Role.PROVINCE_ADMIN, center_id=MAIN_CENTER, region_id=None),
    "prefecture admin": SimpleNamespace(id=31, role=Role.PREFECTURE_ADMIN, center_id=MAIN_CENTER, region_id=7),
    "supervisor": SimpleNamespace(id=32, role=Role.SUPERVISOR, center_id=None, region_id=7),
    "publicity": SimpleNamespace(id=33, role=Role.PUBLICITY, center_id=GUEST_CENTER, region_id=8),
}
OVERSEERS = ["province admin", "prefecture admin", "supervisor", "publicity"]


def _request(status=S.SUBMITTED, cross=False, inbound=False):
    return SimpleNamespace(main_center_id=MAIN_CENTER, guest_center_id=GUEST_CENTER, cross_province=cross or inbound,
                           inbound=inbound, status=status)


# --- sides ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, cross, expected", [
    ("owner agent", False, {MAIN}),
    ("owner agent", True, {MAIN}),
    ("other agent", False, set()),
    ("agent of the main center", False, set()),      # an agent acts for the projects it registered only
    ("main staff", False, {MAIN}),
    ("main staff", True, {MAIN, GUEST}),             # another province's guest center has no staff here
    ("guest staff", False, {GUEST}),
    ("guest staff", True, {GUEST}),
    ("other staff", False, set()),
    ("other staff", True, set()),
    ("staff of no center", True, set()),
    *[(who, cross, set()) for who in OVERSEERS for cross in (False, True)],
])
def test_the_sides_an_account_stands_on(who, cross, expected):
    assert access.sides(USERS[who], _request(cross=cross), OWNER) == expected


@pytest.mark.parametrize("who, expected", [
    ("guest staff", {MAIN, GUEST}),     # an inbound request: the main venue of another province has no staff here
    ("owner agent", {MAIN}),            # (the account that registered it is the project's owner)
    ("other agent", set()),
    ("other staff", set()),
    ("staff of no center", set()),
    *[(who, set()) for who in OVERSEERS],
])
def test_the_guest_staff_act_for_an_inbound_requests_main_side(who, expected):
    assert access.sides(USERS[who], _request(inbound=True), OWNER) == expected


@pytest.mark.parametrize("who, expected", [
    ("owner agent", True), ("other agent", False), ("agent of the main center", False),
    ("main staff", True), ("guest staff", False), ("other staff", False), ("staff of no center", False),
    *[(who, False) for who in OVERSEERS],
])
def test_who_files_for_a_section(who, expected):
    assert access.files_for(USERS[who], MAIN_CENTER, OWNER) is expected


def test_staff_of_no_center_is_no_centers_staff():
    assert access.is_staff_of(USERS["staff of no center"], None) is False


# --- actions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status, cross, expected", [
    ("owner agent", S.DRAFT, False, {A.SUBMIT, A.EDIT, A.WITHDRAW}),
    ("owner agent", S.SUBMITTED, False, {A.EDIT, A.WITHDRAW}),
    ("owner agent", S.ACCEPTED, False, {A.EDIT, A.CANCEL, A.COMPLETE}),
    ("main staff", S.SUBMITTED, False, {A.EDIT, A.WITHDRAW}),
    ("main staff", S.SUBMITTED, True, {A.EDIT, A.WITHDRAW, A.ACCEPT, A.REJECT}),
    ("main staff", S.PARTLY_ACCEPTED, False, {A.EDIT, A.CANCEL, A.COMPLETE}),
    ("guest staff", S.DRAFT, False, set()),
    ("guest staff", S.SUBMITTED, False, {A.ACCEPT, A.REJECT}),
    ("guest staff", S.ACCEPTED, False, {A.CANCEL, A.COMPLETE}),
    ("guest staff", S.REJECTED, False, set()),
    ("other staff", S.SUBMITTED, False, set()),
    ("other agent", S.ACCEPTED, False, set()),
    *[(who, status, False, set()) for who in OVERSEERS for status in (S.DRAFT, S.SUBMITTED, S.ACCEPTED)],
    *[(who, status, False, set()) for who in ("owner agent", "main staff", "guest staff")
      for status in (S.WITHDRAWN, S.CANCELLED, S.COMPLETED)],
])
def test_the_actions_an_account_may_take_now(who, status, cross, expected):
    assert access.actions(USERS[who], _request(status, cross), OWNER) == expected


@pytest.mark.parametrize("who, status, cross, action, expected", [
    # The side that may take it now.
    ("owner agent", S.DRAFT, False, A.SUBMIT, MAIN),
    ("main staff", S.SUBMITTED, False, A.WITHDRAW, MAIN),
    ("guest staff", S.SUBMITTED, False, A.ACCEPT, GUEST),
    ("guest staff", S.SUBMITTED, False, A.REJECT, GUEST),
    ("guest staff", S.ACCEPTED, False, A.CANCEL, GUEST),
    ("main staff", S.ACCEPTED, False, A.COMPLETE, MAIN),
    ("main staff", S.SUBMITTED, True, A.ACCEPT, GUEST),     # answering for another province's center
    ("main staff", S.ACCEPTED, True, A.CANCEL, MAIN),       # on both sides: the main side first
    # The right side in the wrong status: the life cycle says why not (422), not the access rule.
    ("owner agent", S.SUBMITTED, False, A.SUBMIT, MAIN),
    ("guest staff", S.WITHDRAWN, False, A.ACCEPT, GUEST),
    ("main staff", S.CANCELLED, False, A.CANCEL, MAIN),
    ("main staff", S.WITHDRAWN, True, A.REJECT, GUEST),
    # A side that never takes the action, or no side at all: refused (403).
    ("guest staff", S.SUBMITTED, False, A.WITHDRAW, None),
    ("guest staff", S.ACCEPTED, False, A.EDIT, None),
    ("main staff", S.SUBMITTED, False, A.ACCEPT, None),
    ("owner agent", S.SUBMITTED, False, A.REJECT, None),
    ("other staff", S.ACCEPTED, False, A.CANCEL, None),
    ("other agent", S.DRAFT, False, A.SUBMIT, None),
    *[(who, S.ACCEPTED, False, action, None) for who in OVERSEERS for action in (A.CANCEL, A.EDIT, A.ACCEPT)],
])
def test_the_side_an_action_is_taken_on(who, status, cross, action, expected):
    assert access.acting_side(USERS[who], _request(status, cross), OWNER, action) is expected


def test_every_action_needs_a_permission_of_the_table():
    assert set(access.PERMISSIONS) == {None, *Action}
    assert all(permission in TABLE for permission in access.PERMISSIONS.values())


@pytest.mark.parametrize("action", list(Action))
def test_the_roles_granted_an_action_include_the_side_that_takes_it(action):
    """Whoever may take an action on some side holds the table's permission for it (so the 403 is the table's)."""
    granted = set(TABLE[access.PERMISSIONS[action]])
    for who, user in USERS.items():
        takes = any(access.acting_side(user, _request(status, cross), OWNER, action)
                    for status in Status for cross in (False, True))
        assert not takes or user.role in granted, (who, action)


# --- calendars, feeds, fees -----------------------------------------------------------------------------------

VISIBLE = [MAIN_CENTER, OTHER_CENTER]


@pytest.mark.parametrize("who, wanted, visible, expected", [
    ("main staff", None, [MAIN_CENTER], MAIN_CENTER),             # its own center by default
    ("main staff", MAIN_CENTER, [MAIN_CENTER], MAIN_CENTER),
    ("main staff", OTHER_CENTER, [MAIN_CENTER], None),            # another center's: not found
    ("guest staff", None, [MAIN_CENTER], None),                   # its own is not among those it may see
    ("prefecture admin", OTHER_CENTER, VISIBLE, OTHER_CENTER),
    ("prefecture admin", GUEST_CENTER, VISIBLE, None),            # another region's center
    ("prefecture admin", None, VISIBLE, MAIN_CENTER),             # the account's center
    ("supervisor", None, VISIBLE, MAIN_CENTER),                   # no center: the first it may see
    ("supervisor", OTHER_CENTER, VISIBLE, OTHER_CENTER),
    ("supervisor", None, [], None),
    ("province admin", GUEST_CENTER, [MAIN_CENTER, GUEST_CENTER, OTHER_CENTER], GUEST_CENTER),
])
def test_whose_calendar_the_page_shows(who, wanted, visible, expected):
    assert access.calendar_center_id(USERS[who], wanted, visible) == expected


@pytest.mark.parametrize("who, center_id, expected", [
    ("main staff", MAIN_CENTER, True),
    ("main staff", OTHER_CENTER, False),
    ("guest staff", GUEST_CENTER, True),
    ("guest staff", MAIN_CENTER, False),
    ("staff of no center", None, False),
    ("owner agent", MAIN_CENTER, False),
    ("agent of the main center", MAIN_CENTER, False),
    *[(who, MAIN_CENTER, False) for who in OVERSEERS],
    ("publicity", GUEST_CENTER, False),
])
def test_who_manages_a_centers_feeds(who, center_id, expected):
    assert access.may_manage_feeds(USERS[who], center_id) is expected


@pytest.mark.parametrize("who, expected", [
    ("main staff", MAIN_CENTER), ("guest staff", GUEST_CENTER), ("staff of no center", None),
    ("province admin", None), ("prefecture admin", None), ("owner agent", None),
])
def test_whose_feeds_the_feeds_page_shows(who, expected):
    assert access.feeds_center_id(USERS[who]) == expected


@pytest.mark.parametrize("who, expected", [
    ("main staff", MAIN_CENTER), ("guest staff", GUEST_CENTER), ("province admin", MAIN_CENTER),
    ("staff of no center", None), ("supervisor", None),
])
def test_whose_fee_standards_the_fee_link_opens(who, expected):
    assert access.fees_center_id(USERS[who]) == expected


# --- the one place ---------------------------------------------------------------------------------------------

def test_no_service_or_view_of_bookings_compares_a_role():
    package = Path(access.__file__).parent
    offending = [f"{path.relative_to(package)}:{n}" for folder in ("services", "views")
                 for path in sorted((package / folder).glob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"Role\.|\.role\b", line)]
    assert not offending, offending
