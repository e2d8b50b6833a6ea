"""Revision 0021 widens users.role's CHECK (a VARCHAR with a CHECK on both databases, not a native enum) for the
three administration roles, keeping the accounts there were, and narrows it again on the way down."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from tests.conftest import make_app

INSERT = ("INSERT INTO users (username, display_name, password_hash, role, active, created_at, updated_at) "
          "VALUES (:u, :u, 'x', :r, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def test_the_role_check_admits_the_three_administrators_and_keeps_the_accounts(tmp_path):
    url = "sqlite:///" + str(tmp_path / "roles.sqlite")
    app = make_app(url)
    with app.app_context():
        upgrade(revision="0018")
        with db.engine.begin() as conn:
            conn.execute(text(INSERT), {"u": "old-agent", "r": "agent"})
        upgrade(revision="0021")
        with db.engine.begin() as conn:
            conn.execute(text(INSERT), {"u": "new-auditor", "r": "audit_admin"})
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(INSERT), {"u": "bogus", "r": "superuser"})
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 2
        downgrade(revision="0018")
        with db.engine.connect() as conn:      # the administrator left as a disabled agent, nothing lost
            rows = dict(conn.execute(text("SELECT username, role FROM users")).all())
        assert rows == {"old-agent": "agent", "new-auditor": "agent"}
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(INSERT), {"u": "late", "r": "system_admin"})
    create_engine(url).dispose()
