"""Migration 0029 on a database with data (issue 27 item 8): plain ID numbers, phones and TOTP secrets become
ciphertext under the configured key, with blind indexes the lookups find; the way down gives the plain text
back. On SQLite, and on PostgreSQL when the suite runs there (a database of its own, made and dropped here)."""
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal.auth.models import User
from portal.demo import load_organisations
from portal.experts.models import Expert
from portal.extensions import db
from portal.models_base import utcnow
from tests import factories
from tests.conftest import make_app

NUMBER = factories.valid_id_number(41)
PHONE = "13912340041"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def empty_database(tmp_path, database_url):
    """A URL of an empty database of the suite's kind."""
    if not database_url.startswith("postgresql"):
        yield "sqlite:///" + str(tmp_path / "m29.sqlite")
        return
    server = make_url(database_url)
    name = "portal_m29_" + uuid.uuid4().hex[:12]
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _raw(sql, **params):
    return db.session.execute(text(sql), params).one()


def test_plain_rows_are_encrypted_indexed_and_decrypted_again_on_the_way_down(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="0029-1")
        load_organisations()
        db.session.commit()
        region_id = db.session.execute(text("SELECT id FROM regions ORDER BY id")).scalars().first()
        now = utcnow()
        db.session.execute(text(
            "INSERT INTO experts (region_id, name, id_number, phone, employer, status, share_scope, created_at, "
            "updated_at) VALUES (:r, '迁移专家', :n, :p, '某设计院', 'active', 'province', :t, :t)"),
            {"r": region_id, "n": NUMBER, "p": PHONE, "t": now})
        db.session.execute(text(
            "INSERT INTO users (username, display_name, password_hash, role, active, created_at, updated_at, "
            "totp_secret) VALUES ('m29', 'm29', 'x', 'agent', true, :t, :t, :s)"), {"t": now, "s": SECRET})
        db.session.commit()

        upgrade()
        number, index, phone, phone_index = _raw("SELECT id_number, id_number_bidx, phone, phone_bidx FROM experts")
        secret = _raw("SELECT totp_secret FROM users WHERE username = 'm29'")[0]
        assert number.startswith("v1:test1:") and phone.startswith("v1:test1:") and secret.startswith("v1:test1:")
        for stored in (number, index, phone, phone_index, secret):
            assert NUMBER not in stored and PHONE not in stored and SECRET not in stored
        expert = db.session.scalars(select(Expert).where(Expert.id_number_is(NUMBER))).one()
        assert (expert.id_number, expert.phone) == (NUMBER, PHONE)
        assert db.session.scalars(select(Expert.id).where(Expert.phone_is(PHONE))).one() == expert.id
        assert db.session.scalars(select(User.totp_secret).filter_by(username="m29")).one() == SECRET
        db.session.commit()

        downgrade(revision="0029-1")
        assert _raw("SELECT id_number, phone FROM experts") == (NUMBER, PHONE)
        assert _raw("SELECT totp_secret FROM users WHERE username = 'm29'")[0] == SECRET
        db.session.remove()
        db.engine.dispose()
