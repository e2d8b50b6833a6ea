"""Backup and restore of the database, the uploaded files with it (issue 11, reliability; issue 26).

A backup is a folder: `database.sqlite` (SQLite's online backup API: a consistent copy while the portal runs)
or `database.dump` (pg_dump's custom format) and `manifest.json` (when, which database kind, the schema's
migration revision, each file's size and SHA-256). Uploaded files live in the database (portal.storage)
since migration 0020, so the database's copy holds them; a backup made before carries `uploads.tar` (the
upload folder of that release).

Restore checks the manifest (files intact, same database kind, a revision this code knows), then replaces
the database — SQLite through the backup API into the live file; PostgreSQL by emptying the schema (every
table, sequence and function of it, also those a newer release added) and replaying the dump, both in one
psql transaction, so a failed restore leaves the database as it was — and, for an older backup, unpacks its
upload folder where migration 0020 finds it. An older backup comes back at its own revision: `flask db
upgrade` then brings it to this release (and its files into the database). Stop the portal's workers
before restoring.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from .auth.models import LoginSession, SessionEnd
from .extensions import db
from .models_base import utcnow
from .uploads import root as uploads_root


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Chinese."""

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq(url) -> tuple[str, dict]:
    """The database as a libpq URL without its password, and the environment that carries the password (so
    that it never shows in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup(app, target: Path) -> dict:
    """Write a backup folder at `target` (it must not exist yet); returns the manifest."""
    if target.exists():
        raise BackupError(f"备份目录 {target} 已存在，请换一个位置。")
    target.mkdir(parents=True, mode=0o700)
    url = db.engine.url
    kind = url.get_backend_name()
    revision = _revision()
    db.session.remove()
    try:
        if kind == "sqlite":
            database = target / "database.sqlite"
            source = sqlite3.connect(db.engine.url.database)
            try:
                copy = sqlite3.connect(database)
                with copy:
                    source.backup(copy)
                copy.close()
            finally:
                source.close()
        elif kind == "postgresql":
            database = target / "database.dump"
            address, env = _libpq(url)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={database}", address], env)
        else:
            raise BackupError(f"不支持备份 {kind} 数据库。")
        files = [database]
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), "database": kind,
                "revision": revision,
                "files": {f.name: {"bytes": f.stat().st_size, "sha256": _sha256(f)} for f in files}}
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def restore(app, source: Path) -> dict:
    """Put the database and uploads back as they were in the backup folder `source`."""
    manifest_path = source / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{source} 不是备份目录（缺少 manifest.json）。")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, facts in manifest["files"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != facts["sha256"]:
            raise BackupError(f"备份文件 {name} 缺失或已损坏（校验值不符），未做任何恢复。")
    url = db.engine.url
    kind = url.get_backend_name()
    database_file = "database.sqlite" if kind == "sqlite" else "database.dump"
    if database_file not in manifest.get("files", {}) or any(
            p.name not in manifest["files"] for p in source.iterdir() if p.name != "manifest.json"):
        raise BackupError("备份目录中的文件与其清单不一致（缺少数据库文件或有清单外的文件），未做任何恢复。")
    if manifest["database"] != kind:
        raise BackupError(f"备份来自 {manifest['database']} 数据库，不能恢复到 {kind} 数据库。")
    config = Config()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    scripts = ScriptDirectory.from_config(config)
    known = {script.revision for script in scripts.walk_revisions()}
    if manifest["revision"] and manifest["revision"] not in known:
        raise BackupError(f"备份的数据库结构版本 {manifest['revision']} 比本程序新，请用对应版本的程序恢复。")
    uploads = uploads_root(app)
    archive = source / "uploads.tar"
    staging = uploads.with_name(uploads.name + ".restoring")
    if archive.is_file():            # unpacked and checked before anything is replaced
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        if not (staging / "uploads").is_dir():
            shutil.rmtree(staging, ignore_errors=True)
            raise BackupError("备份中的上传文件包不完整，未做任何恢复。")
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        backup_db = sqlite3.connect(source / "database.sqlite")
        live = sqlite3.connect(db.engine.url.database)
        try:
            with live:
                backup_db.backup(live)
        finally:
            backup_db.close()
            live.close()
    else:
        address, env = _libpq(url)
        # The dump's SQL is written whole before psql starts (a dump that breaks half-way must not reach psql,
        # which would commit what it had read), beside the instance's own data rather than in /tmp.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=app.instance_path, prefix="restore-") as work:
            script, empty = Path(work) / "restore.sql", Path(work) / "empty.sql"
            empty.write_text(EMPTY_SCHEMA, encoding="utf-8")
            _run(["pg_restore", "--no-owner", "--no-comments", f"--file={script}", str(source / "database.dump")],
                 env)
            _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                  f"--dbname={address}", f"--file={empty}", f"--file={script}"], env)
    if archive.is_file():
        old = uploads.with_name(uploads.name + ".replaced")
        shutil.rmtree(old, ignore_errors=True)
        if uploads.exists():
            uploads.rename(old)
        (staging / "uploads").rename(uploads)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    try:
        _end_restored_sessions()
    except SQLAlchemyError as error:
        raise BackupError("数据库和上传文件已恢复，但未能结束备份中仍有效的登录会话"
                          f"（{error.__class__.__name__}）：请检查数据库连接后重新运行恢复命令。") from error
    return manifest


def _end_restored_sessions() -> None:
    """Sessions open in the backup were ended since (logout, another device, a password change): none comes
    back. Every account logs in again (a backup older than the session table has none)."""


    with db.engine.begin() as conn:
        if "login_sessions" in inspect(conn).get_table_names():
            conn.execute(LoginSession.__table__.update().where(LoginSession.ended_at.is_(None))
                         .values(ended_at=utcnow(), end_reason=SessionEnd.RESTORED))


# Drops what the schema holds, whichever release made it; run in the restore's transaction. A worker still
# connected makes it fail after 30 s instead of waiting without end.
EMPTY_SCHEMA = """
SET lock_timeout = '30s';
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.relname);
  END LOOP;
  FOR item IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind = 'S' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', item.relname);
  END LOOP;
  FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', item.signature);
  END LOOP;
END $$;
"""


def _run(command: list[str], env: dict) -> None:
    try:
        # A fixed program (pg_dump, pg_restore, psql) with its arguments as a list, no shell.
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # nosec B603
    except FileNotFoundError as error:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端（Debian：postgresql-client）。") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()[:500]}")
