"""The migrations build the schema from an empty database, match the models, and go back down."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal.extensions import db
from tests.conftest import make_app


def test_upgrade_from_empty_matches_the_models(app):
    # The session's schema was built by `upgrade()` from an empty database (see conftest).
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(tmp_path):
    url = "sqlite:///" + str(tmp_path / "m.sqlite")
    app = make_app(url)
    with app.app_context():
        upgrade()
        assert "workstations" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    create_engine(url).dispose()


def test_a_failing_migration_leaves_the_database_at_the_old_version(tmp_path, database_url):
    """A migration that creates a table and then fails: the table is gone and the version unchanged, on SQLite
    (one explicit transaction, migrations/env.py) as on PostgreSQL (transactional DDL)."""
    import shutil
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    source = Path(__file__).resolve().parents[2] / "migrations"
    directory = tmp_path / "migrations"
    shutil.copytree(source, directory)
    config = Config()
    config.set_main_option("script_location", str(directory))
    head = ScriptDirectory.from_config(config).get_current_head()
    (directory / "versions" / "zz_failing.py").write_text(f'''"""a migration that fails half-way"""
from alembic import op
import sqlalchemy as sa

revision = "zz_failing"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("this migration fails")


def downgrade():
    pass
''', encoding="utf-8")
    url = database_url if database_url.startswith("postgresql") else "sqlite:///" + str(tmp_path / "f.sqlite")
    app = make_app(url)
    with app.app_context():
        if url.startswith("sqlite"):
            upgrade()                       # a fresh file at the current head
        try:
            upgrade(directory=str(directory))
        except (RuntimeError, SystemExit):  # Flask-Migrate logs the error and exits 1
            pass
        else:
            raise AssertionError("the failing migration did not fail")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert "half_done" not in inspect(db.engine).get_table_names()


def test_stored_bodies_lose_images_from_elsewhere_and_keep_their_own(tmp_path):
    """Revision 0018 (issue 27 item 2): a notice stored before the rule keeps its own image file and data:
    images; the probe's export address and a remote pixel lose their address."""
    from portal.notices.models import Notice, NoticeAttachment
    from tests import factories

    url = "sqlite:///" + str(tmp_path / "images.sqlite")
    app = make_app(url)
    with app.app_context():
        upgrade(revision="0018-1")          # the revision before 0018, whichever it is
        notice = factories.make_notice(body="正文")
        db.session.flush()
        own = NoticeAttachment(notice_id=notice.id, name="图.png", key="k.png", mimetype="image/png", size=1,
                               sha256="0" * 64)
        db.session.add(own)
        db.session.flush()
        notice.body_html = (f'<p><img src="/notices/{notice.id}/files/{own.id}" alt="own">'
                            '<img src="/experts/records/export.xlsx" alt="probe">'
                            '<img src="https://tracker.example/p.gif?a=1&amp;b=2">'
                            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline"></p>')
        db.session.commit()
        upgrade()
        db.session.expire_all()
        body = db.session.get(Notice, notice.id).body_html
        assert f'src="/notices/{notice.id}/files/{own.id}"' in body and 'src="data:image/png;base64,' in body
        assert "export.xlsx" not in body and "tracker.example" not in body and 'alt="probe"' in body
        db.session.remove()
    create_engine(url).dispose()
