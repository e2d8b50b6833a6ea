"""The audit log page: scope and filters."""
from portal.audit import services as audit
from portal.extensions import db


def test_the_audit_admin_sees_all_a_prefecture_admin_only_its_region(login_as, orgs, users):
    audit.record("update", "workstation", label="长春的记录", region_id=orgs.region("changchun").id,
                 actor=users["changchun"])
    audit.record("update", "workstation", label="吉林的记录", region_id=orgs.region("jilin").id, actor=users["jilin"])
    db.session.commit()
    auditor = login_as("auditor").get("/audit/").get_data(as_text=True)
    assert "长春的记录" in auditor and "吉林的记录" in auditor
    assert login_as("province").get("/audit/").status_code == 403     # business rights only (三员分立)
    changchun = login_as("changchun").get("/audit/").get_data(as_text=True)
    assert "长春的记录" in changchun and "吉林的记录" not in changchun
    supervisor = login_as("supervisor").get("/audit/").get_data(as_text=True)
    assert "长春的记录" in supervisor and "吉林的记录" not in supervisor


def test_audit_filters(login_as, orgs, users):
    audit.record("retire", "workstation", label="CC-9", region_id=None, actor=users["province"])
    audit.record("create", "venue", label="新场所", region_id=None, actor=users["province"])
    db.session.commit()
    client = login_as("auditor")
    page = client.get("/audit/?action=retire").get_data(as_text=True)
    assert "CC-9" in page and "新场所" not in page
    page = client.get("/audit/?object_type=venue").get_data(as_text=True)
    assert "新场所" in page and "CC-9" not in page
    assert "没有符合条件的记录" in client.get("/audit/?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    assert "CC-9" in client.get("/audit/?start=not-a-date").get_data(as_text=True)
