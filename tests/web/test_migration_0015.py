"""Migration 0015 on a database with data: every booking and main-venue sign-in gets its workstation hold; a
sign-in that overlapped an earlier hold (nothing prevented it before) is kept as a released hold, and the
upgrade does not fail."""
import json
from datetime import time

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import IntegrityError

from portal.bookings.rules import evaluation_range
from portal.bookings.services import answering
from portal.demo import load_organisations
from portal.evaluations.models import CommitteeMember, Evaluation, EvaluationVenue, ExpertDraw
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.models_base import utcnow
from portal.workstations.models import HoldPurpose, WorkstationHold
from tests import factories
from tests.conftest import make_app


def _evaluation(section, center, when, expert, specialty_id, station, seat_no=1):
    """A main-venue evaluation of `section` with `expert` signed in on `station` (written directly)."""
    starts, _ = evaluation_range(when, time(9), 240)
    evaluation = Evaluation(section_id=section.id, main_center_id=center.id, evaluation_date=when,
                            start_time=time(9), duration_minutes=240, starts_at=starts, committee_size=5,
                            tenderee_reps=1)
    main = EvaluationVenue(center_id=center.id, is_main=True, experts_needed=1)
    evaluation.venues = [main]
    db.session.add(evaluation)
    db.session.flush()
    draw = ExpertDraw(venue_id=main.id, specialty_id=specialty_id, count=1, seed="0" * 64,
                      candidate_ids=json.dumps([expert.id]), chosen_ids=json.dumps([expert.id]))
    db.session.add(draw)
    db.session.flush()
    member = CommitteeMember(evaluation_id=evaluation.id, venue_id=main.id, expert_id=expert.id,
                             specialty_id=specialty_id, draw_id=draw.id, seat_no=seat_no, id_verified=True,
                             photo_checked=True, phone_in_custody=True, no_conflict_declared=True,
                             workstation_id=station.id, signed_in_at=utcnow())
    db.session.add(member)
    db.session.flush()
    return member


def test_existing_bookings_and_sign_ins_get_their_holds(tmp_path):
    url = "sqlite:///" + str(tmp_path / "m15.sqlite")
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_organisations()
        db.session.commit()
        orgs = factories.OrgIndex()
        users = factories.demo_users(orgs)
        factories.load_thresholds()
        load_starter_specialties()
        changchun, jilin = orgs.center(factories.CHANGCHUN), orgs.center(factories.JILIN_CITY)
        venue = factories.make_venue(changchun)
        stations = [factories.make_workstation(venue, f"CC-{i}") for i in (1, 2)]
        when = factories.working_day(10)
        project = factories.make_project(users["agent"], orgs.region("changchun"))
        guest_section = factories.make_section(
            factories.make_project(users["agent"], orgs.region("jilin"), code="JLZB-2026-0099"), jilin,
            evaluation_date=when)
        req = factories.make_seat_request(guest_section, changchun, users["agent"], seats=1, day=when)
        db.session.commit()
        answering.accept(req, req.version, [stations[0].id], "")
        db.session.commit()
        specialty_id = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
        experts = [factories.make_expert(orgs.region("changchun"), factories.valid_id_number(700 + i))
                   for i in range(3)]
        sections = [factories.make_section(project, changchun, code=f"S{i}", evaluation_date=when) for i in range(3)]
        fine = _evaluation(sections[0], changchun, when, experts[0], specialty_id, stations[1])
        db.session.commit()
        req_id, number, fine_id = req.id, req.number, fine.id
        station_id, center_id = stations[1].id, changchun.id
        # The old data: sign-ins made before 0015, without holds; two of them on already used workstations.
        # (Some later migrations' downgrades copy tables, which SQLite cannot do with foreign keys enforced on
        # a database with data: enforcement is set aside for the way down only.)
        ids = [(sections[i].id, experts[i].id, stations[j].id) for i, j in ((1, 0), (2, 1))]
        when_day = when
        engine = db.engine
        db.session.remove()
        engine.dispose()
        event.listen(engine, "connect", _foreign_keys_off)
        downgrade(revision="0014")
        clash_booking, clash_sign_in = (_raw_sign_in(section_id, center_id, when_day, expert_id, specialty_id,
                                                     station)
                                        for section_id, expert_id, station in ids)
        db.session.remove()
        event.remove(engine, "connect", _foreign_keys_off)
        engine.dispose()
        upgrade()
        db.session.remove()
        holds = {h.id: h for h in db.session.scalars(select(WorkstationHold))}
        booking_hold = db.session.scalar(text("SELECT hold_id FROM bookings WHERE request_id = :r"), {"r": req_id})
        assert holds[booking_hold].purpose is HoldPurpose.GUEST_BOOKING and holds[booking_hold].active
        assert f"申请 {number}" in holds[booking_hold].label
        member_holds = dict(db.session.execute(select(CommitteeMember.id, CommitteeMember.hold_id)).all())
        assert holds[member_holds[fine_id]].active and holds[member_holds[fine_id]].purpose is HoldPurpose.SIGN_IN
        for clashing in (clash_booking, clash_sign_in):
            hold = holds[member_holds[clashing]]
            assert not hold.active and hold.released_reason == "升级时发现与先前的占用重叠"
        # The guarantee is in force after the upgrade.
        db.session.add(WorkstationHold(workstation_id=station_id, center_id=center_id,
                                       starts_at=holds[member_holds[fine_id]].starts_at,
                                       ends_at=holds[member_holds[fine_id]].ends_at, purpose=HoldPurpose.SIGN_IN,
                                       label="x"))
        with pytest.raises(IntegrityError, match="ex_workstation_holds_no_overlap"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    create_engine(url).dispose()


def _foreign_keys_off(dbapi_connection, connection_record):
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _raw_sign_in(section_id, center_id, when, expert_id, specialty_id, station_id) -> int:
    """A signed-in main-venue member written at revision 0014 by table inserts naming only the old columns."""
    starts, _ = evaluation_range(when, time(9), 240)
    conn = db.session.connection()
    now = utcnow()

    def insert(model, **values):
        return conn.execute(model.__table__.insert().values(**values)).inserted_primary_key[0]

    evaluation_id = insert(Evaluation, section_id=section_id, main_center_id=center_id, evaluation_date=when,
                           start_time=time(9), duration_minutes=240, starts_at=starts, committee_size=5,
                           tenderee_reps=1, created_at=now, updated_at=now)
    venue_id = insert(EvaluationVenue, evaluation_id=evaluation_id, center_id=center_id, is_main=True,
                      experts_needed=1)
    draw_id = insert(ExpertDraw, venue_id=venue_id, specialty_id=specialty_id, count=1, seed="0" * 64,
                     candidate_ids=json.dumps([expert_id]), chosen_ids=json.dumps([expert_id]))
    member_id = insert(CommitteeMember, evaluation_id=evaluation_id, venue_id=venue_id, expert_id=expert_id,
                       specialty_id=specialty_id, draw_id=draw_id, seat_no=1, status="seated", id_verified=True,
                       photo_checked=True, phone_in_custody=True, no_conflict_declared=True,
                       workstation_id=station_id, signed_in_at=now)
    db.session.commit()
    return member_id
