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
