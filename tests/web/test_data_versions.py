"""Data versions (portal.dataversions): the database stamps every change of the tables pages keep in memory, and
nothing kept outlives a change, whoever made it."""
from flask import g
from sqlalchemy import select, text, update

from portal import dataversions
from portal.extensions import db
from portal.workstations.models import Workstation, WorkstationStatus
from portal.workstations.services import workstation_counts
from tests import factories


def _token(table):
    return db.session.scalar(select(dataversions.DataVersion.token).where(dataversions.DataVersion.name == table))


def test_every_write_of_a_versioned_table_stamps_a_new_token(orgs):
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY), "版本测试场所")
    db.session.commit()
    tokens = [_token("workstations")]
    station = factories.make_workstation(venue, "V-001")                     # INSERT
    db.session.commit()
    tokens.append(_token("workstations"))
    db.session.execute(update(Workstation).where(Workstation.id == station.id).values(has_av=True))   # UPDATE
    db.session.commit()
    tokens.append(_token("workstations"))
    db.session.execute(text("DELETE FROM workstations WHERE id = :id"), {"id": station.id})   # raw SQL DELETE
    db.session.commit()
    tokens.append(_token("workstations"))
    assert None not in tokens[1:] and len(set(tokens)) == 4
    # Another table's writes leave it alone.
    before = _token("workstations")
    factories.make_venue(orgs.center(factories.JILIN_CITY), "另一个场所")
    db.session.commit()
    assert _token("workstations") == before and _token("venues") is not None


def test_kept_values_are_recomputed_after_any_change_and_reused_otherwise(app, orgs):
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY), "计数场所")
    center_id = venue.center_id
    db.session.commit()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def ask():
        with app.app_context(), app.test_request_context():      # each request reads the tokens afresh
            return dataversions.kept("test", ("workstations",), None, compute)

    assert ask() == 1 and ask() == 1
    factories.make_workstation(venue, "K-001")
    db.session.commit()
    assert ask() == 2 and ask() == 2
    with app.app_context(), app.test_request_context():
        before = workstation_counts().get(center_id, (0, 0, 0, 0))
    db.session.execute(update(Workstation).where(Workstation.center_id == center_id)
                       .values(status=WorkstationStatus.MAINTENANCE))
    db.session.commit()
    with app.app_context(), app.test_request_context():
        after = workstation_counts()[center_id]
    assert before[2] == 1 and after[2] == 0     # available: 1, then none


def test_a_request_that_writes_a_versioned_table_keeps_nothing(app, orgs):
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY), "写入场所")
    db.session.commit()
    with app.app_context(), app.test_request_context():
        factories.make_workstation(venue, "W-001")        # flushed, not committed: it may still roll back
        assert g.wrote_versioned is True
        assert dataversions.kept("test-write", ("workstations",), None, lambda: "uncommitted") == "uncommitted"
        db.session.rollback()
    with app.app_context(), app.test_request_context():
        assert dataversions.kept("test-write", ("workstations",), None, lambda: "committed") == "committed"


def test_the_directory_counts_a_workstation_added_behind_the_portals_back(login_as, orgs):
    client = login_as("province")
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY), "直接登记场所")
    db.session.commit()
    first = client.get(f"/workstations/?center={venue.center_id}").get_data(as_text=True)
    db.session.execute(text("INSERT INTO workstations (center_id, venue_id, code, cross_province, has_av, "
                            "has_id_reader, has_signature_pad, status, created_at, updated_at) VALUES "
                            "(:c, :v, 'SQL-1', :t, :f, :f, :f, 'available', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                       {"c": venue.center_id, "v": venue.id, "t": True, "f": False})
    db.session.commit()
    second = client.get(f"/workstations/?center={venue.center_id}").get_data(as_text=True)
    total = second[second.index('id="ws-center-total"'):].split("</tr>")[0]
    assert "SQL-1" not in first and "SQL-1" in second
    assert '<td class="num">1</td>' in total
