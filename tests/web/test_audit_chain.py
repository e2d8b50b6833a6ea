"""The audit log cannot be quietly changed (issue 11): the database refuses UPDATE and DELETE of entries (on
SQLite and PostgreSQL), every entry is chained to the previous by a hash, and `flask audit verify` finds an
edit, a removal or an insertion made behind the portal's back (by someone who set the triggers aside)."""
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.audit import chain
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.services import record, verify_chain
from portal.extensions import db
from tests.conftest import audit_triggers_set_aside


def _entries(n=5):
    for i in range(n):
        record("create", "notice", label=f"第{i}条", summary=f"测试 {i}", after={"标题": f"公告{i}", "n": i})
    db.session.commit()


def _behind_the_portals_back(statement, params=None):
    """What a database owner could do: set the triggers aside, change the table, put them back."""
    with db.engine.begin() as conn, audit_triggers_set_aside(conn):
        conn.execute(text(statement), params or {})


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_a_whole_log_verifies(app):
    _entries()
    result = _verify(app)
    assert result.exit_code == 0 and "审计日志完整：5 条记录" in result.output
    head = db.session.get(AuditChainHead, 1)
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert head.entries == 5 and head.last_hash == last.entry_hash


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET summary = 'x'", "DELETE FROM audit_entries"])
def test_the_database_refuses_changes_to_entries(statement):
    _entries(2)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == 2


def test_an_edited_entry_is_found(app):
    _entries()
    third = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(2)).first()
    _behind_the_portals_back("UPDATE audit_entries SET summary = '改过了' WHERE id = :id", {"id": third})
    result = _verify(app)
    assert result.exit_code == 1 and f"第 {third} 号记录内容与其校验值不符" in result.output


def test_a_removed_entry_is_found(app):
    _entries()
    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    _behind_the_portals_back("DELETE FROM audit_entries WHERE id = :id", {"id": ids[1]})
    result = _verify(app)
    assert result.exit_code == 1 and f"第 {ids[2]} 号记录与前一条记录的链接不符" in result.output


def test_removing_the_last_entries_is_found(app):
    _entries()
    last = db.session.scalar(select(db.func.max(AuditEntry.id)))
    _behind_the_portals_back("DELETE FROM audit_entries WHERE id = :id", {"id": last})
    result = _verify(app)
    assert result.exit_code == 1 and "链尾不符：记录 4 条，链头登记 5 条" in result.output


def test_an_inserted_entry_is_found(app):
    _entries(3)
    row = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().first()
    values = {name: getattr(row, name) for name in chain.FIELDS}
    forged = chain.entry_hash(values, None)      # a plausible hash, but nothing links to it rightly
    _behind_the_portals_back(
        "INSERT INTO audit_entries (created_at, username, action, object_type, object_label, summary, prev_hash, "
        "entry_hash) VALUES (:created_at, 'x', 'delete', 'notice', 'y', 'z', NULL, :h)",
        {"created_at": row.created_at, "h": forged})
    assert _verify(app).exit_code == 1


def test_concurrent_writers_never_fork_the_chain(app):
    """Eight threads write at once (as eight workers would); the head serialises them into one chain."""
    errors = []

    def write(n):
        with app.app_context():
            try:
                for i in range(5):
                    record("update", "notice", label=f"线程{n}", summary=str(i))
                    db.session.commit()
            except Exception as error:          # noqa: BLE001 - reported below
                errors.append(repr(error))
                db.session.rollback()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read, problem = verify_chain()
    assert problem is None and read == 40 - len(errors)
    assert len(errors) <= 2, errors          # SQLite may answer "database is locked" under this contention


def _rehash_everything():
    """What a database owner could do beyond an edit: recompute every hash and the head, so that the chain is
    consistent again."""
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    previous = None
    with db.engine.begin() as conn, audit_triggers_set_aside(conn):
        for row in rows:
            values = {name: getattr(row, name) for name in chain.FIELDS}
            values["summary"] = conn.execute(text("SELECT summary FROM audit_entries WHERE id = :id"),
                                             {"id": row.id}).scalar()
            digest = chain.entry_hash(values, previous)
            conn.execute(text("UPDATE audit_entries SET prev_hash = :p, entry_hash = :h WHERE id = :id"),
                         {"p": previous, "h": digest, "id": row.id})
            previous = digest
        conn.execute(text("UPDATE audit_chain_head SET last_hash = :h WHERE id = 1"), {"h": previous})
    db.session.expire_all()


def test_an_anchor_kept_off_site_finds_a_log_edited_and_re_hashed(app, tmp_path):
    _entries(4)
    runner = app.test_cli_runner()
    anchored = runner.invoke(args=["audit", "anchor", "--output", str(tmp_path / "anchor.json")])
    assert anchored.exit_code == 0 and '"entries": 4' in anchored.output
    _entries(2)                                   # the log goes on after the anchor
    result = runner.invoke(args=["audit", "verify", "--anchor", str(tmp_path / "anchor.json")])
    assert result.exit_code == 0 and "与 1 个锚点相符" in result.output, result.output

    second = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id).offset(1)).first()
    _behind_the_portals_back("UPDATE audit_entries SET summary = '改过了' WHERE id = :id", {"id": second})
    _rehash_everything()
    assert _verify(app).exit_code == 0           # the chain alone cannot tell any more
    result = runner.invoke(args=["audit", "verify", "--anchor", str(tmp_path / "anchor.json")])
    assert result.exit_code == 1 and "第 4 条记录的校验值与锚点" in result.output, result.output


def test_an_anchor_finds_entries_removed_before_it(app, tmp_path):
    _entries(3)
    runner = app.test_cli_runner()
    runner.invoke(args=["audit", "anchor", "--output", str(tmp_path / "anchor.json")])
    _behind_the_portals_back("DELETE FROM audit_entries")
    _behind_the_portals_back("UPDATE audit_chain_head SET last_hash = NULL, entries = 0 WHERE id = 1")
    assert _verify(app).exit_code == 0           # an empty log is a consistent chain
    result = runner.invoke(args=["audit", "verify", "--anchor", str(tmp_path / "anchor.json")])
    assert result.exit_code == 1 and "日志不足 3 条" in result.output
    (tmp_path / "bad.json").write_text("not json", encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", "--anchor", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "锚点文件不是 JSON" in result.output
