"""Fifty staff accept overlapping requests for the same workstations at the same moment.

Each acceptance is a real request through the portal in its own thread, app context, session and database
connection. The suite runs on SQLite and (in CI) on PostgreSQL, so this is the same test on both.
"""
import threading
from datetime import date, time, timedelta

from sqlalchemy import select, text

from portal.bookings.models import Booking, SeatRequest
from portal.bookings.rules import Status
from portal.extensions import db
from tests import factories

SINGLES, PAIRS = 10, 20          # 10 requests alone in their slot, 20 slots with two overlapping requests


def _overlapping_active_bookings() -> int:
    return db.session.scalar(text(
        "SELECT count(*) FROM bookings a JOIN bookings b ON a.workstation_id = b.workstation_id AND a.id < b.id "
        "WHERE a.active AND b.active AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"))


def test_fifty_simultaneous_acceptances_book_exactly_the_non_conflicting_ones(app, orgs, users):
    factories.load_thresholds()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    changchun, jilin = orgs.center(factories.CHANGCHUN), orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    stations = [factories.make_workstation(venue, f"JL-{i}") for i in (1, 2)]
    first_day = date(2027, 3, 1)
    requests, slot_of = [], {}
    for slot in range(SINGLES + PAIRS):
        day = first_day + timedelta(days=slot)
        starts = [time(9, 0)] if slot < SINGLES else [time(9, 0), time(11, 0)]   # 09-13 and 11-15 overlap
        for start in starts:
            section = factories.make_section(project, changchun, code=f"C{len(requests):03d}", evaluation_date=day)
            req = factories.make_seat_request(section, jilin, users["agent"], seats=2, day=day, start=start)
            requests.append(req)
            slot_of[req.id] = slot
    db.session.commit()
    assert len(requests) == 50
    ids = [(r.id, r.version) for r in requests]
    station_ids = [str(s.id) for s in stations]

    clients = []
    for _ in ids:
        client = app.test_client()
        client.post("/auth/login", data={"username": "staff-jilin", "password": factories.PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(len(ids))
    answers: dict[int, tuple[int, str]] = {}

    def accept(client, request_id, version):
        barrier.wait()
        response = client.post(f"/bookings/{request_id}/answer",
                               data={"version": version, "workstation_ids": station_ids, "reason": ""})
        answers[request_id] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=accept, args=(c, rid, v)) for c, (rid, v) in zip(clients, ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 50

    db.session.remove()
    accepted = {rid for rid, (code, _) in answers.items() if code == 303}
    refused = {rid: body for rid, (code, body) in answers.items() if code != 303}
    assert all(code in (303, 422) for code, _ in answers.values()), {r: c for r, (c, _) in answers.items()}
    # Every single is accepted; in every pair exactly one is.
    per_slot = {}
    for rid in accepted:
        per_slot[slot_of[rid]] = per_slot.get(slot_of[rid], 0) + 1
    assert per_slot == {slot: 1 for slot in range(SINGLES + PAIRS)}
    assert len(accepted) == SINGLES + PAIRS and len(refused) == PAIRS
    # A refusal names the clash, never shows a stack trace.
    for body in refused.values():
        assert "已被申请" in body and "占用" in body and "Traceback" not in body
    # The database holds exactly the accepted bookings, and no overlap.
    assert _overlapping_active_bookings() == 0
    booked = db.session.scalars(select(Booking.request_id).where(Booking.active.is_(True))).all()
    assert sorted(booked) == sorted([rid for rid in accepted for _ in stations])
    statuses = dict(db.session.execute(select(SeatRequest.id, SeatRequest.status)).all())
    assert {rid for rid, status in statuses.items() if status is Status.ACCEPTED} == accepted
    assert all(statuses[rid] is Status.SUBMITTED for rid in refused)
