"""三员分立 (issue 27 item 6): the system admin keeps the accounts, the security admin the security settings, the
audit admin the audit log; no account holds two of these roles; each one's actions are read by the audit admin,
the audit admin's by the security admin; the provincial admin keeps the business rights only."""
import csv
import io

import pytest
from sqlalchemy import func, select

from portal.audit import services as audit
from portal.audit.models import AuditEntry
from portal.auth.models import ADMINISTRATION_ROLES, Role, User
from portal.auth.permissions import PERMISSIONS
from portal.extensions import db
from tests import factories

SEPARATED = {"users.manage": Role.SYSTEM_ADMIN, "security.manage": Role.SECURITY_ADMIN,
             "audit.export": Role.AUDIT_ADMIN, "audit.verify": Role.AUDIT_ADMIN}


@pytest.mark.parametrize("action, holder", SEPARATED.items())
def test_each_administration_right_belongs_to_one_role_only(action, holder):
    assert set(PERMISSIONS[action]) == {holder}


def test_the_provincial_admin_keeps_the_business_rights_only():
    for action in ("users.manage", "security.manage", "audit.view", "audit.export", "audit.verify",
                   "audit.auditors"):
        assert Role.PROVINCE_ADMIN not in PERMISSIONS[action], action
    assert Role.PROVINCE_ADMIN in PERMISSIONS["thresholds.manage"]


def test_the_administration_roles_change_no_business_record():
    business = [a for a in PERMISSIONS if not a.startswith(("users.", "security.", "audit."))
                and not a.endswith((".view", ".catalogue", ".enrol", ".deadlines"))]
    for action in business:
        assert not ADMINISTRATION_ROLES & set(PERMISSIONS[action]), action


def test_no_account_can_hold_two_roles(app):
    """One role column per account, and no table gives an account a further role."""
    assert not isinstance(User.__table__.c.role.type.python_type, (list, set))
    for table in db.metadata.sorted_tables:
        if table.name != "users":
            assert not ({"role"} <= set(table.c.keys()) and "user_id" in table.c), table.name
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-admin", "keeper", "--role", "system"], input="a-strong-pass-2027\n" * 2)
    assert made.exit_code == 0, made.output
    again = runner.invoke(args=["create-admin", "KEEPER", "--role", "audit"], input="a-strong-pass-2027\n" * 2)
    assert again.exit_code != 0 and "一个账号只能担任一个角色" in again.output
    assert db.session.scalars(select(User.role).where(func.lower(User.username) == "keeper")).all() == \
        [Role.SYSTEM_ADMIN]


def test_create_admin_creates_the_three_administrators(app, orgs):
    runner = app.test_cli_runner()
    for username, role in (("sys", "system"), ("sec", "security"), ("aud", "audit")):
        result = runner.invoke(args=["create-admin", f"{username}-admin", "--role", role],
                               input="a-strong-pass-2027\n" * 2)
        assert result.exit_code == 0, result.output
    roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles == {"sys-admin": Role.SYSTEM_ADMIN, "sec-admin": Role.SECURITY_ADMIN, "aud-admin": Role.AUDIT_ADMIN}
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "create")).all()
    assert len(created) == 3 and {e.object_label for e in created} >= {"安全管理员（sec-admin）"}
    weak = runner.invoke(args=["create-admin", "weak-admin"], input="password1234\n" * 2)
    assert weak.exit_code != 0


def test_the_audit_admin_reads_the_system_and_security_admins_actions(login_as, orgs, users):
    sysadmin = login_as("sysadmin")
    response = sysadmin.post("/auth/users/new", data={
        "username": "newagent", "display_name": "新代理", "role": "agent", "active": "y",
        "password": "a-good-secret-99"})
    assert response.status_code == 303
    secadmin = login_as("secadmin")
    form = {"tf_system_admin": "y", "tf_security_admin": "y", "tf_audit_admin": "y", "tf_agent": "y",
            "age_system_admin": "90", "age_security_admin": "90", "age_audit_admin": "90"}
    assert secadmin.post("/auth/security", data=form).status_code == 303
    page = login_as("auditor").get("/audit/").get_data(as_text=True)
    assert "新代理" in page and "招标人/招标代理机构：双因素认证必须" in page
    assert ">sysadmin<" in page and ">secadmin<" in page


def test_the_security_admin_reads_the_audit_admins_own_actions_only(login_as, orgs, users):
    audit.record("update", "workstation", label="业务记录", actor=users["province"])
    db.session.commit()
    auditor = login_as("auditor")
    assert auditor.get("/audit/export.csv").status_code == 200
    assert auditor.post("/audit/verify").status_code == 200
    page = login_as("secadmin").get("/audit/").get_data(as_text=True)
    assert "审计管理员的操作记录" in page
    assert "导出 " in page and "日志完整" in page and "业务记录" not in page
    assert login_as("province").get("/audit/").status_code == 403
    assert login_as("secadmin").get("/audit/export.csv").status_code == 403


def test_the_audit_admin_exports_the_filtered_log_as_csv(login_as, orgs, users):
    audit.record("retire", "workstation", label="=HYPERLINK(\"http://evil\")", actor=users["province"])
    audit.record("create", "venue", label="新场所", actor=users["province"])
    db.session.commit()
    response = login_as("auditor").get("/audit/export.csv?action=retire")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    labels = [row[4] for row in rows[1:]]
    assert labels == ["'=HYPERLINK(\"http://evil\")"]          # not run as a formula by a spreadsheet
    export = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert export.username == "auditor" and "导出 1 条" in export.summary and "action=retire" in export.summary


def test_the_audit_admin_verifies_the_chain_from_the_page(login_as, orgs, users):
    client = login_as("auditor")
    assert "开始核验" in client.get("/audit/verify").get_data(as_text=True)
    page = client.post("/audit/verify").get_data(as_text=True)
    assert "日志完整" in page
    assert db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "verify")).one().startswith("日志完整")


def test_demo_accounts_include_the_three_administrators():
    from portal.demo import ACCOUNTS

    roles = [role for _, _, role, *_ in ACCOUNTS]
    assert {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN} <= set(roles)
    assert len(roles) == len(set(a[0] for a in ACCOUNTS))
    assert factories.TOTP_SECRET
