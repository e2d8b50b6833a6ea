"""The security admin's numbers of the password rule and the login lockout (安全设置): saved from /auth/security
within their ranges and audited, then used by the password forms and the login throttle."""
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import SecurityThresholds
from portal.extensions import db
from tests import factories

ADDRESS = "203.0.113.77"


def _numbers(**changes):
    data = {"th-min_password_length": "10", "th-free_failures": "5", "th-first_lock_seconds": "30",
            "th-max_lock_minutes": "15", "th-address_free_failures": "30", "th-save": "y"}
    data.update({f"th-{k}": v for k, v in changes.items()})
    return data


def test_the_page_shows_the_numbers_in_force(login_as):
    page = login_as("secadmin").get("/auth/security").get_data(as_text=True)
    assert 'name="th-min_password_length"' in page and 'value="10"' in page
    assert "连续失败 5 次后锁定 30 秒起" in page


def test_the_security_admin_changes_the_numbers_and_the_change_is_audited(login_as):
    admin = login_as("secadmin")
    saved = admin.post("/auth/security", data=_numbers(min_password_length="12", free_failures="3",
                                                        max_lock_minutes="60"))
    assert saved.status_code == 303
    row = db.session.get(SecurityThresholds, 1)
    assert (row.min_password_length, row.free_failures, row.max_lock_seconds) == (12, 3, 3600)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "security_thresholds")).one()
    assert entry.username == "secadmin" and "密码最短长度 10→12" in entry.summary
    assert "连续失败 3 次后锁定" in admin.get("/auth/security").get_data(as_text=True)
    # the per-role settings on the same page are untouched by it
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "role_policy")).all() == []


def test_numbers_out_of_range_are_refused_and_nothing_is_saved(login_as):
    admin = login_as("secadmin")
    for changes, message in (({"min_password_length": "6"}, "密码最短长度应为 8–64 个字符"),
                             ({"first_lock_seconds": "600", "max_lock_minutes": "5"}, "最长锁定时长不能短于首次锁定时长"),
                             ({"free_failures": "abc"}, "")):
        refused = admin.post("/auth/security", data=_numbers(**changes))
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert db.session.get(SecurityThresholds, 1) is None


def test_only_the_security_admin_may_change_them(login_as):
    for username in ("sysadmin", "province", "auditor"):
        assert login_as(username).post("/auth/security", data=_numbers(min_password_length="20")).status_code == 403
    assert db.session.get(SecurityThresholds, 1) is None


def test_a_longer_minimum_applies_to_the_next_password_change(login_as):
    login_as("secadmin").post("/auth/security", data=_numbers(min_password_length="16"))
    client = login_as("agent")
    refused = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                   "new_password": "Qz7#kd!pW2", "confirm": "Qz7#kd!pW2"})
    assert "密码至少 16 个字符" in refused.get_data(as_text=True)     # the form again, with the message


def test_fewer_free_failures_lock_sooner(app, login_as, users):
    login_as("secadmin").post("/auth/security", data=_numbers(free_failures="3", first_lock_seconds="45"))
    client = app.test_client()
    for n in range(3):
        client.post("/auth/login", data={"username": "province", "password": f"wrong-{n}"},
                    environ_base={"REMOTE_ADDR": ADDRESS})
    refused = client.post("/auth/login", data={"username": "province", "password": factories.PASSWORD},
                          environ_base={"REMOTE_ADDR": ADDRESS})
    assert refused.status_code == 429 and "请在 45 秒后再试" in refused.get_data(as_text=True)

