"""Two factors and password age (issue 27 item 7): the pure rules."""
import pytest

from portal.auth import rules
from portal.auth.models import ADMINISTRATION_ROLES, Role

DAY = 86400


@pytest.mark.parametrize("role, required, days", [
    ("system_admin", True, 90), ("security_admin", True, 90), ("audit_admin", True, 90),
    ("province_admin", False, None), ("prefecture_admin", False, None), ("agent", False, None),
    ("center_staff", False, None), ("supervisor", False, None), ("publicity", False, None),
])
def test_default_policy_requires_two_factors_and_a_90_day_password_of_the_administration_roles(role, required, days):
    assert rules.default_policy(role) == rules.Policy(required, days)


def test_the_rules_know_the_same_administration_roles_as_the_models():
    assert rules.ADMINISTRATION_ROLE_VALUES == {r.value for r in ADMINISTRATION_ROLES}
    assert ADMINISTRATION_ROLES == {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


@pytest.mark.parametrize("role, policy, refused", [
    ("audit_admin", rules.Policy(False, 90), "必须使用双因素认证"),
    ("system_admin", rules.Policy(True, None), None),
    ("agent", rules.Policy(False, None), None),
    ("agent", rules.Policy(True, 30), None),
    ("agent", rules.Policy(False, 0), "1–3650"),
    ("agent", rules.Policy(False, 3651), "1–3650"),
    ("province_admin", rules.Policy(True, 3650), None),
])
def test_policy_problem(role, policy, refused):
    problem = rules.policy_problem(role, policy)
    assert (problem is None) if refused is None else (refused in problem)


@pytest.mark.parametrize("changed_at, now, days, expired", [
    (0, 89 * DAY, 90, False),
    (0, 90 * DAY, 90, True),
    (0, 10_000 * DAY, None, False),      # no maximum age
    (None, 1, 90, True),                 # never recorded: change it
    (None, 1, None, False),
])
def test_password_expired(changed_at, now, days, expired):
    assert rules.password_expired(changed_at, now, days) is expired


@pytest.mark.parametrize("candidates, last, accepted", [
    ([100], None, 100),
    ([100], 99, 100),
    ([100], 100, None),          # the same code again: refused (RFC 6238 5.2)
    ([99], 100, None),           # an older one after a newer was used
    ([99, 101], 99, 101),
    ([], None, None),
])
def test_accepted_step(candidates, last, accepted):
    assert rules.accepted_step(candidates, last) == accepted


@pytest.mark.parametrize("typed, totp", [("123456", True), (" 123 456 ", True), ("12345", False),
                                         ("1234567", False), ("abcd-efgh-jkmn-pqrs", False), ("", False)])
def test_is_totp_code(typed, totp):
    assert rules.is_totp_code(typed) is totp


def test_a_recovery_code_matches_however_it_is_typed():
    shown = rules.format_recovery_code("abcdefghjkmnpqrs")
    assert shown == "abcd-efgh-jkmn-pqrs"
    assert rules.recovery_digest(shown) == rules.recovery_digest("ABCD EFGH JKMN PQRS") == \
        rules.recovery_digest("abcdefghjkmnpqrs")
    assert rules.recovery_digest(shown) != rules.recovery_digest("abcd-efgh-jkmn-pqrt")


@pytest.mark.parametrize("now, started, pending", [(100, 100, True), (399, 100, True), (400, 100, False),
                                                   (100, None, False), (99, 100, False)])
def test_second_step_pending(now, started, pending):
    assert rules.second_step_pending(now, started) is pending
