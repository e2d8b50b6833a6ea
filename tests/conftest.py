"""Fixtures: one schema per test session (built by the real migrations), emptied after every test.

DATABASE_URL selects PostgreSQL (CI runs the suite on both); otherwise a SQLite file in a temp folder.
"""
import os
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from portal import create_app
from portal.extensions import db

from . import factories

FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1}
# Fixed field-encryption keys of the test run (portal/fieldcrypt.py): 32 bytes each, base64. Not secrets.
TEST_FIELD_KEYS = "test1:" + "VGVzdCBrZXkgb25lIC0gbm90IGEgc2VjcmV0ISEhISE="
TEST_BLIND_INDEX_KEY = "VGVzdCBibGluZCBpbmRleCBrZXkgLSBub3Qgc2VjcmV0IQ=="
TEST_KEYS = {"FIELD_KEYS": TEST_FIELD_KEYS, "BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def make_app(url, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        **FAST_HASH,
        **TEST_KEYS,
        **extra,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


class IsolatedClient(FlaskClient):
    """Each request gets a fresh app context (its own g and database session), as in production,
    instead of reusing the app context the test itself holds."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    # Uploads of the whole run go to a folder of the run, never to the checkout's instance/uploads.
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        if db.engine.dialect.name == "postgresql":
            # Tables are emptied by DELETE after each test (_empty_all_tables); without autovacuum reclaiming
            # the dead rows in between, new rows are appended, as after the TRUNCATE this replaced, so a
            # test's rows come back in the order they were written when nothing orders them.
            with db.engine.begin() as conn:
                for table in db.metadata.sorted_tables:
                    conn.execute(text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)'))
    return app


@contextmanager
def audit_triggers_set_aside(conn):
    """What only the database's owner can do: run statements on audit_entries with its append-only triggers
    off (SQLite: dropped and re-created as they were; PostgreSQL: disabled and enabled)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        yield
        conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name = 'audit_entries'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        conn.execute(text(sql))


_SEQUENCES: dict[str, list[str] | None] = {}


def _pg_sequences(conn) -> list[str] | None:
    """The public schema's sequences, or None when the test role is not a superuser."""
    url = str(conn.engine.url)
    if url not in _SEQUENCES:
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        _SEQUENCES[url] = [row[0] for row in conn.execute(text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
            "WHERE schemaname = 'public'"))] if superuser else None
    return _SEQUENCES[url]


def _empty_all_tables():
    """Empty every table between tests. The audit log refuses DELETE by trigger (TRUNCATE on PostgreSQL is not a
    row delete); on SQLite its triggers are set aside for the emptying and put back as they were. The audit
    chain's head row, which the migration creates, is put back too."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql" and _pg_sequences(conn) is not None:
            # DELETE with triggers (the audit log's and the foreign keys') set aside for this transaction, and
            # the sequences restarted: ~8 ms against ~130 ms for TRUNCATE of every table, run after each test.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(table.delete())
            if _pg_sequences(conn):
                conn.execute(text("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in _pg_sequences(conn))))
        elif db.engine.dialect.name == "postgresql":   # not a superuser: may not set triggers aside
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            with audit_triggers_set_aside(conn):
                conn.execute(text("PRAGMA defer_foreign_keys = ON"))   # trees that refer to themselves
                for table in tables:
                    conn.execute(table.delete())
        conn.execute(text("INSERT INTO audit_chain_head (id, last_hash, entries) VALUES (1, NULL, 0)"))


@pytest.fixture(autouse=True)
def _context(app):
    """Each test runs in an app context and leaves the database empty."""
    with app.app_context():
        yield
        db.session.remove()
        _empty_all_tables()
        from portal import dataversions
        from portal.experts.services import forget_catalogue

        forget_catalogue()   # the emptied database starts its pool version again
        dataversions.forget_all()


@pytest.fixture
def travel():
    """travel(moment) -> the clock (datetime.now, date.today, time.time) stands at `moment` (an aware datetime)
    and runs on from it (tick=False: it stands still) until the test ends. Log in after travelling: a session
    left behind by a jump forward ends as idle."""
    import time_machine

    started = []

    def to(moment, tick=True):
        traveller = time_machine.travel(moment, tick=tick)
        traveller.start()
        started.append(traveller)

    yield to
    for traveller in reversed(started):
        traveller.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def orgs(app):
    """The organisations of the demo data: 13 provinces, 12 regions, 36 centers."""
    from portal.demo import load_organisations

    load_organisations()
    db.session.commit()
    return factories.OrgIndex()


@pytest.fixture
def users(orgs):
    """One account per role, scoped like the demo accounts; password factories.PASSWORD."""
    return factories.demo_users(orgs)


@pytest.fixture
def login_as(app, users):
    """login_as("changchun") -> a test client logged in as that account."""

    def login(username):
        client = app.test_client()
        response = client.post("/auth/login", data={"username": username, "password": factories.PASSWORD})
        assert response.status_code == 303, response.data.decode()[:500]
        if response.headers["Location"].endswith("/auth/login/code"):     # two factors: the phone's code
            code = factories.totp_code(username)
            response = client.post("/auth/login/code", data={"code": code})
            assert response.status_code == 303, response.data.decode()[:500]
        return client

    return login


@contextmanager
def counted_queries():
    """Count the SQL statements sent while the block runs."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def count_queries():
    return counted_queries
