"""Backup and restore (issue 11): back up, change, restore, find the data as it was — on SQLite through the
online backup API, on PostgreSQL through pg_dump/pg_restore (whichever the suite runs on) — uploads included;
a damaged or foreign backup changes nothing."""
import io
import json
import tarfile

import pytest
from sqlalchemy import func, inspect, select, text

from portal import backup, storage
from portal.auth.models import LoginSession
from portal.extensions import db
from portal.models_base import utcnow
from portal.orgs.models import TradingCenter
from tests import factories


def _names():
    db.session.expire_all()
    return sorted(db.session.scalars(select(TradingCenter.name)))


def test_backup_change_restore_finds_the_data_and_files_as_they_were(app, orgs, users, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    big = bytes(range(256)) * (storage.CHUNK // 256 * 2 + 3)      # three chunks
    storage.put("a.pdf", "notices", io.BytesIO(b"%PDF-1.4 before"), "application/pdf")
    storage.put("big.pdf", "notices", io.BytesIO(big), "application/pdf")
    center = orgs.center(factories.CHANGCHUN)
    center.address = "备份前的地址"
    db.session.commit()
    before = _names()

    open_row = LoginSession(user_id=users["agent"].id, key_sha256="2" * 64, created_at=utcnow(),
                            last_seen_at=utcnow())
    db.session.add(open_row)
    db.session.commit()
    manifest = backup.backup(app, tmp_path / "backup")
    assert manifest["database"] == db.engine.dialect.name and manifest["revision"]
    # The files are rows of the database: its copy carries them, no upload folder is needed.
    assert set(manifest["files"]) == {"database.sqlite" if db.engine.dialect.name == "sqlite"
                                      else "database.dump"}
    assert not (tmp_path / "uploads").exists()

    center = orgs.center(factories.CHANGCHUN)
    center.address = "备份后改过的地址"
    db.session.delete(orgs.center(factories.YUSHU))
    db.session.commit()
    storage.remove(["a.pdf", "big.pdf"])
    storage.put("a.pdf", "notices", io.BytesIO(b"changed"), "application/pdf")
    storage.put("b.pdf", "notices", io.BytesIO(b"added later"), "application/pdf")
    db.session.commit()
    assert _names() != before

    backup.restore(app, tmp_path / "backup")
    assert _names() == before
    # Sessions open in the backup do not come back: every account logs in again.
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.ended_at.is_(None))) == 0
    assert orgs.center(factories.CHANGCHUN).address == "备份前的地址"
    db.session.expire_all()
    assert storage.read("a.pdf") == b"%PDF-1.4 before" and storage.read("big.pdf") == big
    assert storage.facts("big.pdf").size == len(big) and storage.facts("b.pdf") is None


def test_an_older_backup_brings_its_upload_folder_back_for_the_upgrade(app, orgs, tmp_path, monkeypatch):
    """A backup made before the files moved into the database carries uploads.tar: the restore unpacks it
    where migration 0020 reads it (`flask db upgrade` then moves the files in, tests/web/test_migrations.py)."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    backup.backup(app, tmp_path / "backup")
    (tmp_path / "old" / "uploads" / "notices").mkdir(parents=True)
    (tmp_path / "old" / "uploads" / "notices" / "old.pdf").write_bytes(b"%PDF-1.4 old")
    with tarfile.open(tmp_path / "backup" / "uploads.tar", "w") as tar:
        tar.add(tmp_path / "old" / "uploads", arcname="uploads")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["uploads.tar"] = {"bytes": (tmp_path / "backup" / "uploads.tar").stat().st_size,
                                        "sha256": backup._sha256(tmp_path / "backup" / "uploads.tar")}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    backup.restore(app, tmp_path / "backup")
    assert (tmp_path / "uploads" / "notices" / "old.pdf").read_bytes() == b"%PDF-1.4 old"


def test_an_older_backup_restores_over_a_newer_schema(app, orgs, tmp_path, monkeypatch):
    """Yesterday's backup after a release that added a table (with a foreign key into the old ones, and on
    PostgreSQL a function): the restore empties the schema first, so the database comes back exactly at the
    backup's revision, ready for `flask db upgrade`."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    manifest = backup.backup(app, tmp_path / "backup")
    postgres = db.engine.dialect.name == "postgresql"
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE newer_release (id INTEGER PRIMARY KEY, center_id INTEGER NOT NULL "
                              "REFERENCES trading_centers (id))"))
            conn.execute(text("INSERT INTO newer_release (id, center_id) VALUES (1, :c)"),
                         {"c": orgs.center(factories.YUSHU).id})
            if postgres:
                conn.execute(text("CREATE FUNCTION newer_release_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1'"))
        backup.restore(app, tmp_path / "backup")
        tables = inspect(db.engine).get_table_names()
        assert "newer_release" not in tables and "login_sessions" in tables
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == manifest["revision"]
            if postgres:
                assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'newer_release_fn'")).scalar() == 0
        assert factories.YUSHU in _names()
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS newer_release"))
            if postgres:
                conn.execute(text("DROP FUNCTION IF EXISTS newer_release_fn()"))


def test_a_damaged_backup_is_refused_and_changes_nothing(app, orgs, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    backup.backup(app, tmp_path / "backup")
    orgs.center(factories.CHANGCHUN).address = "恢复失败也不该丢"
    db.session.commit()
    damaged = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database"))
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(backup.BackupError, match="校验值不符"):
        backup.restore(app, tmp_path / "backup")
    db.session.expire_all()
    assert orgs.center(factories.CHANGCHUN).address == "恢复失败也不该丢"


def test_a_backup_of_another_database_kind_or_a_newer_schema_is_refused(app, orgs, tmp_path):
    backup.backup(app, tmp_path / "backup")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["database"] = "mysql"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(backup.BackupError, match="不能恢复到"):
        backup.restore(app, tmp_path / "backup")
    manifest["database"], manifest["revision"] = db.engine.dialect.name, "9999"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(backup.BackupError, match="比本程序新"):
        backup.restore(app, tmp_path / "backup")
    with pytest.raises(backup.BackupError, match="已存在"):
        backup.backup(app, tmp_path / "backup")


def test_the_commands_back_up_and_restore(app, orgs, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    db.session.delete(orgs.center(factories.YUSHU))
    db.session.commit()
    refused = runner.invoke(args=["restore", str(tmp_path / "b")], input="n\n")
    assert refused.exit_code != 0 and factories.YUSHU not in _names()
    result = runner.invoke(args=["restore", str(tmp_path / "b"), "--yes"])
    assert result.exit_code == 0, result.output
    assert factories.YUSHU in _names()
