"""Benchmark: the guest inbox and the availability search with 5,000 workstations and 50,000 past bookings
(issue 6: both under 100 ms median).

Builds a throw-away SQLite database under bench/out/ (or uses --url, e.g. a PostgreSQL database you created),
loads the demo organisations and accounts, spreads 5,000 workstations over the home province's centers,
50,000 completed past requests each holding one workstation (no two overlapping, as the database demands),
and 300 requests waiting in 吉林市's inbox. Then it times the pages through the Flask test client against
a baseline page measured in the same run (the machine is noisy: compare the two, not absolute figures).

    .venv/bin/python bench/bookings.py [--workstations 5000] [--bookings 50000] [--runs 40] [--url URL]
"""
import argparse
import random
import sys
import time
from datetime import date, datetime, time as clock, timedelta, UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import OUT, bench_app, logged_in, timed  # noqa: E402


def build(workstations: int, bookings: int) -> dict:
    from sqlalchemy import func, insert, select

    from portal.bookings.models import Booking, SeatRequest
    from portal.bookings.rules import evaluation_range
    from portal.workstations.models import HoldPurpose, WorkstationHold
    from portal.demo import load_demo
    from portal.experts.services import load_starter_specialties
    from portal.extensions import db
    from portal.orgs.models import Province, TradingCenter
    from portal.projects.models import Project, Section
    from portal.auth.models import User
    from portal.workstations.models import Venue, Workstation

    load_demo()
    load_starter_specialties()
    db.session.commit()
    agent = db.session.scalars(select(User).filter_by(username="agent")).one()
    centers = list(db.session.scalars(select(TradingCenter).join(Province).where(Province.is_home.is_(True))
                                      .order_by(TradingCenter.id)))
    jilin = next(c for c in centers if c.name == "吉林市公共资源交易中心")
    changchun = next(c for c in centers if c.name == "长春市公共资源交易中心")
    project = db.session.scalars(select(Project).filter_by(code="BENCH-0001")).first()
    if project is None:
        project = Project(code="BENCH-0001", name="基准测试项目", tenderee="基准测试招标人", region_id=changchun.region_id,
                          owner_id=agent.id)
        db.session.add(project)
        db.session.flush()
    sections = list(db.session.scalars(select(Section).where(Section.project_id == project.id)))
    if not sections:
        from portal.projects.rules import Category, Level

        rows = [{"project_id": project.id, "code": f"B{i:04d}", "name": f"基准标段{i}",
                 "category": Category.CONSTRUCTION.value, "main_center_id": changchun.id, "contract_estimate_wan": 1500,
                 "estimated_price_wan": 1500,
                 "remote_level": Level.MUST.value, "combined_parts": "", "special_expert_needs": False,
                 "local_pool_insufficient": False, "prequalification": False,
                 "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
                for i in range(400)]
        db.session.execute(insert(Section), rows)
        sections = list(db.session.scalars(select(Section).where(Section.project_id == project.id)))
    db.session.commit()

    have = db.session.scalar(select(func.count(Workstation.id)))
    rng = random.Random(6)
    if have < workstations:
        venues = {}
        for c in centers:
            venue = db.session.scalars(select(Venue).filter_by(center_id=c.id, name="基准评标区")).first()
            if venue is None:
                venue = Venue(center_id=c.id, name="基准评标区")
                db.session.add(venue)
                db.session.flush()
            venues[c.id] = venue.id
        rows = []
        for n in range(have, workstations):
            c = centers[n % len(centers)]
            rows.append({"center_id": c.id, "venue_id": venues[c.id], "code": f"BW{n:05d}",
                         "cross_province": n % 3 == 0, "has_av": True, "has_id_reader": False,
                         "has_signature_pad": False, "status": "available",
                         "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)})
        db.session.execute(insert(Workstation), rows)
        db.session.commit()

    have = db.session.scalar(select(func.count(Booking.id)))
    if have < bookings:
        stations = db.session.execute(select(Workstation.id, Workstation.center_id)
                                      .where(Workstation.center_id != changchun.id).order_by(Workstation.id)).all()
        per_station = -(-bookings // len(stations))
        first = date.today() - timedelta(days=5 * 365)
        reqs, books = [], []

        def flush_batch():
            # Ids come back in the order of the rows (no explicit ids: PostgreSQL's sequence stays right).
            ids = db.session.scalars(insert(SeatRequest).returning(SeatRequest.id, sort_by_parameter_order=True),
                                     reqs).all()
            # Each booking holds its workstation through a hold, as the database demands of an active booking.
            hold_ids = db.session.scalars(insert(WorkstationHold).returning(
                WorkstationHold.id, sort_by_parameter_order=True), [
                {"workstation_id": b["workstation_id"], "center_id": b["center_id"], "starts_at": b["starts_at"],
                 "ends_at": b["ends_at"], "purpose": HoldPurpose.GUEST_BOOKING, "label": f"申请 {request_id}",
                 "active": True, "created_at": b["created_at"]} for b, request_id in zip(books, ids)]).all()
            for booking, request_id, hold_id in zip(books, ids, hold_ids):
                booking["request_id"], booking["hold_id"] = request_id, hold_id
            db.session.execute(insert(Booking), books)

        made = 0
        for k in range(per_station):
            for ws_id, center_id in stations:
                if made >= bookings:
                    break
                day = first + timedelta(days=(k * 173 + ws_id * 7) % (5 * 365 - 10))
                starts, ends = evaluation_range(day, clock(9, 0), 240)
                # Distinct days per workstation: the k-th booking of a workstation moves by whole days.
                starts += timedelta(minutes=k)   # never equal, never overlapping (4 h on distinct days)
                now = datetime.now(UTC)
                reqs.append({"section_id": sections[made % len(sections)].id,
                             "main_center_id": changchun.id, "guest_center_id": center_id, "cross_province": False,
                             "requested_by_id": agent.id, "status": "completed", "evaluation_date": day,
                             "start_time": clock(9, 0), "duration_minutes": 240, "starts_at": starts, "ends_at": ends,
                             "committee_size": 7, "seats_requested": 1, "seats_accepted": 1, "version": 3,
                             "revision": 0, "created_at": now, "updated_at": now, "submitted_at": now})
                books.append({"request_id": None, "workstation_id": ws_id, "center_id": center_id,
                              "starts_at": starts, "ends_at": ends, "active": True, "created_at": now})
                made += 1
                if len(reqs) == 5000:
                    flush_batch()
                    reqs, books = [], []
        if reqs:
            flush_batch()
        # Requests waiting in 吉林市's inbox, for evaluations in the coming weeks.
        for i in range(300):
            day = date.today() + timedelta(days=7 + i % 40)
            starts, ends = evaluation_range(day, clock(9, 0), 240)
            now = datetime.now(UTC)
            db.session.execute(insert(SeatRequest), [{
                "section_id": sections[i].id, "main_center_id": changchun.id, "guest_center_id": jilin.id,
                "cross_province": False, "requested_by_id": agent.id, "status": "submitted", "evaluation_date": day,
                "start_time": clock(9, 0), "duration_minutes": 240, "starts_at": starts, "ends_at": ends,
                "committee_size": 7, "seats_requested": rng.randint(1, 4), "version": 1, "revision": 0,
                "created_at": now, "updated_at": now, "submitted_at": now}])
        db.session.commit()
    return {"section": sections[0].id}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workstations", type=int, default=5_000)
    parser.add_argument("--bookings", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.url or f"sqlite:///{OUT}/bookings-{args.workstations}-{args.bookings}.sqlite"

    from sqlalchemy import func, select

    from portal.extensions import db

    app = bench_app(url)
    with app.app_context():
        t0 = time.perf_counter()
        ids = build(args.workstations, args.bookings)
        print(f"data ready in {time.perf_counter() - t0:.1f} s")
        from portal.bookings.models import Booking, SeatRequest
        from portal.workstations.models import Workstation

        print(f"workstations: {db.session.scalar(select(func.count(Workstation.id)))}, "
              f"requests: {db.session.scalar(select(func.count(SeatRequest.id)))}, "
              f"bookings: {db.session.scalar(select(func.count(Booking.id)))}")
        from portal.templating import china_today
        from portal.calendar.services import load_calendar

        day = load_calendar().add_working_days(china_today(), 10)
    staff, agent = logged_in(app, "staff-jilin"), logged_in(app, "agent")
    rows = [(agent, "baseline /experts/specialties", "/experts/specialties"),
            (staff, "guest inbox /bookings/inbox", "/bookings/inbox"),
            (staff, "guest inbox, all statuses", "/bookings/inbox?status="),
            (staff, "guest inbox htmx fragment", "/bookings/inbox?status=&page=3"),
            (agent, "availability search", f"/bookings/availability?section={ids['section']}"
                                            f"&evaluation_date={day}&seats=3"),
            (agent, "availability, with specialties", f"/bookings/availability?section={ids['section']}"
                                                      f"&evaluation_date={day}&seats=3&specialty_ids=2&specialty_ids=9"),
            (staff, "center week calendar", f"/bookings/calendar?date={day}"),
            (agent, "agent's request list", "/bookings/")]
    print(f"{'page':34} {'median ms':>10} {'max ms':>8}")
    for client, label, path in rows:
        median, worst = timed(client, path, args.runs)
        print(f"{label:34} {median:10.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
