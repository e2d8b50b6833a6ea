"""The database going away mid-request (issue 11, reliability): the person gets a Chinese page (503, never a
stack trace, rendered without the database), and nothing of the request is kept — not the record, not its
audit entry, not the audit chain's head. The failure is the driver's own error, raised where the connection
would break: before a statement of the request reaches the database."""
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from portal.audit.models import AuditChainHead, AuditEntry
from portal.extensions import db
from portal.notices.models import Notice
from tests.web.test_notices import notice_form


@contextmanager
def database_goes_away(when):
    """Every statement for which `when(statement)` holds fails as a dropped connection does."""
    def before(conn, cursor, statement, parameters, context, executemany):
        if when(statement):
            raise OperationalError(statement, parameters, ConnectionError("server closed the connection unexpectedly"))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_a_save_cut_off_half_way_keeps_nothing_and_says_so_in_chinese(login_as):
    client = login_as("publicity")
    head_before = db.session.get(AuditChainHead, 1).entries
    with database_goes_away(lambda sql: sql.lstrip().startswith("INSERT INTO audit_entries")):
        response = client.post("/notices/new", data=notice_form(), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "数据库暂时无法连接" in page and "没有保存任何内容" in page
    assert "Traceback" not in page and "OperationalError" not in page and "INSERT" not in page
    db.session.expire_all()
    assert db.session.scalars(select(Notice)).all() == []                 # the notice was inserted, then undone
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "publish")).all() == []
    assert db.session.get(AuditChainHead, 1).entries == head_before
    # The database is back: the same save goes through.
    assert client.post("/notices/new", data=notice_form(), content_type="multipart/form-data").status_code == 303


def test_a_page_asked_for_while_the_database_is_gone(login_as):
    client = login_as("agent")
    with database_goes_away(lambda sql: True):
        page = client.get("/workstations/")
        fragment = client.get("/workstations/?q=A", headers={"HX-Request": "true"})
    assert page.status_code == 503 and "数据库暂时无法连接" in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True) and "退出" not in page.get_data(as_text=True)
    assert fragment.status_code == 503 and "<html" not in fragment.get_data(as_text=True)
    assert client.get("/workstations/").status_code == 200
