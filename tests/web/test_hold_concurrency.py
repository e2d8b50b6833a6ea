"""A local-use block, a main-venue sign-in and a guest acceptance take the same workstation at the same moment.

Each is a real request through the portal in its own thread, app context, session and database connection
(the suite's database is a file on SQLite, or PostgreSQL when DATABASE_URL says so: the same test on both).
In every round exactly one of the three wins; the other two are refused in Chinese, saying by what the
workstation is taken, and the database holds exactly one active hold of it for that time.
"""
import json
import threading
from datetime import time

from sqlalchemy import select, text

from portal.bookings.models import SeatRequest
from portal.bookings.rules import Status, evaluation_range
from portal.evaluations.models import CommitteeMember, Evaluation, EvaluationVenue, ExpertDraw
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.templating import china_today
from portal.workstations.models import LocalUse, WorkstationHold
from tests import factories

ROUNDS = 6     # one workstation each: 18 simultaneous requests


def _overlapping_active_holds() -> int:
    return db.session.scalar(text(
        "SELECT count(*) FROM workstation_holds a JOIN workstation_holds b ON a.workstation_id = b.workstation_id "
        "AND a.id < b.id WHERE a.active AND b.active AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"))


def _world(orgs, users):
    """Per round: a workstation of 长春, an evaluation there today 09:00-13:00 with one drawn main-venue expert,
    and a request of a 吉林市 section asking 长春 for one guest seat at that time."""
    factories.load_thresholds()
    load_starter_specialties()
    changchun, jilin = orgs.center(factories.CHANGCHUN), orgs.center(factories.JILIN_CITY)
    today = china_today()
    venue = factories.make_venue(changchun)
    stations = [factories.make_workstation(venue, f"CC-B{i:02d}") for i in range(ROUNDS)]
    own_project = factories.make_project(users["agent"], orgs.region("changchun"))
    starts, _ = evaluation_range(today, time(9), 240)
    specialty_id = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
    evaluations, members, experts = [], [], []
    for i in range(ROUNDS):   # one evaluation per round: their sign-ins do not wait for each other
        own = factories.make_section(own_project, changchun, code=f"M{i:02d}", evaluation_date=today)
        evaluation = Evaluation(section_id=own.id, main_center_id=changchun.id, evaluation_date=today,
                                start_time=time(9), duration_minutes=240, starts_at=starts, committee_size=5,
                                tenderee_reps=1)
        main = EvaluationVenue(center_id=changchun.id, is_main=True, experts_needed=1)
        evaluation.venues = [main]
        db.session.add(evaluation)
        db.session.flush()
        expert = factories.make_expert(orgs.region("changchun"), factories.valid_id_number(600 + i))
        draw = ExpertDraw(venue_id=main.id, specialty_id=specialty_id, count=1, seed="0" * 64,
                          candidate_ids=json.dumps([expert.id]), chosen_ids=json.dumps([expert.id]))
        db.session.add(draw)
        db.session.flush()
        member = CommitteeMember(evaluation_id=evaluation.id, venue_id=main.id, expert_id=expert.id,
                                 specialty_id=specialty_id, draw_id=draw.id, seat_no=1)
        db.session.add(member)
        evaluations.append(evaluation)
        members.append(member)
        experts.append(expert)
    guest_project = factories.make_project(users["agent"], orgs.region("jilin"), code="JLZB-2026-0777")
    requests = [factories.make_seat_request(
        factories.make_section(guest_project, jilin, code=f"G{i:02d}", evaluation_date=today), changchun,
        users["agent"], seats=1, day=today, start=time(9)) for i in range(ROUNDS)]
    db.session.commit()
    return today, evaluations, stations, members, experts, requests


def test_a_local_use_a_sign_in_and_a_guest_acceptance_of_one_workstation_exactly_one_wins(app, orgs, users):
    today, evaluations, stations, members, experts, requests = _world(orgs, users)
    station_ids = [s.id for s in stations]
    posts = []
    for i, station in enumerate(stations):
        posts.append((i, "local_use", "/workstations/local-use/new", {
            "purpose": "local_evaluation", "section_id": "", "title": f"本地项目{i}", "weekday": "",
            "first_date": today.isoformat(), "last_date": "", "start_time": "10:00", "end_time": "12:00",
            "workstation_ids": [str(station.id)]}))
        posts.append((i, "sign_in", f"/evaluations/{evaluations[i].id}/members/{members[i].id}/sign-in", {
            "id_number": experts[i].id_number, "photo_checked": "y", "phone_in_custody": "y",
            "no_conflict_declared": "y", "workstation_id": str(station.id)}))
        posts.append((i, "accept", f"/bookings/{requests[i].id}/answer", {
            "version": requests[i].version, "reason": "", "workstation_ids": [str(station.id)]}))
    clients = []
    for _ in posts:
        client = app.test_client()
        client.post("/auth/login", data={"username": "staff-changchun", "password": factories.PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(len(posts))
    answers: dict[tuple[int, str], tuple[int, str]] = {}

    def act(client, round_, kind, path, data):
        barrier.wait()
        response = client.post(path, data=data)
        answers[(round_, kind)] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=act, args=(c, *post)) for c, post in zip(clients, posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(posts)

    db.session.remove()
    assert all(code in (303, 422) for code, _ in answers.values()), {k: c for k, (c, _) in answers.items()}
    winners = {}
    for (round_, kind), (code, body) in answers.items():
        if code == 303:
            assert round_ not in winners, f"round {round_}: {winners.get(round_)} and {kind} both won"
            winners[round_] = kind
        else:
            # The refusal says the workstation is taken (by what, or just now), never a stack trace.
            assert "占用" in body and "Traceback" not in body, (round_, kind)
    assert sorted(winners) == list(range(ROUNDS))
    # The database holds exactly the winners: one active hold per workstation, none overlapping.
    assert _overlapping_active_holds() == 0
    held = db.session.execute(select(WorkstationHold.workstation_id, WorkstationHold.purpose)
                              .where(WorkstationHold.active.is_(True))).all()
    assert sorted(w for w, _ in held) == sorted(station_ids)
    expected_purpose = {"local_use": "local_evaluation", "sign_in": "sign_in", "accept": "guest_booking"}
    by_station = {w: p.value for w, p in held}
    for round_, kind in winners.items():
        assert by_station[station_ids[round_]] == expected_purpose[kind]
    # The losers changed nothing: no local use, no sign-in, the request still waiting.
    uses = db.session.scalars(select(LocalUse.title).where(LocalUse.active.is_(True))).all()
    assert sorted(uses) == sorted(f"本地项目{r}" for r, k in winners.items() if k == "local_use")
    signed = db.session.scalars(select(CommitteeMember.id).where(CommitteeMember.signed_in_at.is_not(None))).all()
    assert sorted(signed) == sorted(members[r].id for r, k in winners.items() if k == "sign_in")
    statuses = dict(db.session.execute(select(SeatRequest.id, SeatRequest.status)).all())
    for round_, req in enumerate(requests):
        assert statuses[req.id] is (Status.ACCEPTED if winners[round_] == "accept" else Status.SUBMITTED)
