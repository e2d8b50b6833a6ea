"""Benchmark: the province's monthly table and its export for a month with 10,000 remote sections
(issue 9: building the table and its export under 1 s).

Builds a throw-away SQLite database under bench/out/ (or uses --url, e.g. a PostgreSQL database you created),
loads the demo organisations and accounts, then for last month 10,000 sections spread over the 12 regions'
centers, each with one or two accepted guest-seat requests (one in five at a center of another province),
budgets and winning bids; half the regions have submitted their report. It times the province's table page,
the .xlsx and the .csv through the Flask test client, against a baseline page measured in the same run
(the machine is noisy: compare the two, not absolute figures).

    .venv/bin/python bench/reports.py [--sections 10000] [--runs 15] [--url URL]
"""
import argparse
import random
import sys
import time
from datetime import date, datetime, time as clock, UTC
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import OUT, bench_app, logged_in, timed  # noqa: E402


def build(sections: int) -> str:
    from sqlalchemy import func, insert, select

    from portal.auth.models import User
    from portal.bookings.models import SeatRequest
    from portal.bookings.rules import evaluation_range
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.orgs.models import Province, TradingCenter
    from portal.projects.models import Project, Section
    from portal.projects.rules import Category, Level
    from portal.reports import counting, rules, services
    from portal.templating import china_today

    load_demo()
    db.session.commit()
    month = rules.reporting_month(china_today())
    agent = db.session.scalars(select(User).filter_by(username="agent")).one()
    home = list(db.session.scalars(select(TradingCenter).join(Province).where(Province.is_home.is_(True))
                                   .order_by(TradingCenter.id)))
    away = list(db.session.scalars(select(TradingCenter).join(Province).where(Province.is_home.is_(False))
                                   .order_by(TradingCenter.id)))
    have = db.session.scalar(select(func.count(Section.id)).join(Project).where(Project.code.like("RB-%")))
    if have >= sections:
        return rules.month_key(month)
    rng = random.Random(9)
    now = datetime.now(UTC)
    projects = []
    for n in range(sections // 3 + 1):
        center = home[n % len(home)]
        projects.append({"code": f"RB-{n:05d}", "name": f"月报基准项目{n}", "tenderee": "基准招标人",
                         "region_id": center.region_id, "owner_id": agent.id, "created_at": now, "updated_at": now})
    project_ids = db.session.scalars(insert(Project).returning(Project.id, sort_by_parameter_order=True),
                                     projects).all()
    rows = []
    for n in range(sections):
        p = n // 3
        center = home[p % len(home)]
        budget = Decimal(rng.randint(400, 90000)) / 10
        rows.append({"project_id": project_ids[p], "code": f"S{n % 3}", "name": f"月报基准标段{n}",
                     "category": Category.CONSTRUCTION.value, "main_center_id": center.id,
                     "budget_wan": budget, "estimated_price_wan": budget,
                     "winning_bid_wan": (budget * Decimal("0.93")).quantize(Decimal("0.0001")) if n % 7 else None,
                     "remote_level": Level.MUST.value, "combined_parts": "", "special_expert_needs": False,
                     "local_pool_insufficient": False, "prequalification": False,
                     "evaluation_date": date(month.year, month.month, 1 + n % 28), "start_time": clock(9, 0),
                     "created_at": now, "updated_at": now})
    section_ids = db.session.scalars(insert(Section).returning(Section.id, sort_by_parameter_order=True),
                                     rows).all()
    requests = []
    for n, (section_id, row) in enumerate(zip(section_ids, rows)):
        main = next(c for c in home if c.id == row["main_center_id"])
        guests = [away[n % len(away)]] if n % 5 == 0 else []
        guests += [home[(home.index(main) + 1 + n % 7) % len(home)]] if n % 2 or not guests else []
        starts, ends = evaluation_range(row["evaluation_date"], clock(9, 0), 240)
        for guest in guests:
            seats = 1 + n % 3
            requests.append({"section_id": section_id, "main_center_id": main.id, "guest_center_id": guest.id,
                             "cross_province": guest in away, "requested_by_id": agent.id,
                             "status": "completed" if n % 4 else "accepted", "evaluation_date": row["evaluation_date"],
                             "start_time": clock(9, 0), "duration_minutes": 240, "starts_at": starts, "ends_at": ends,
                             "committee_size": 7, "seats_requested": seats, "seats_accepted": seats, "version": 3,
                             "revision": 0, "created_at": now, "updated_at": now, "submitted_at": now})
    for start in range(0, len(requests), 5000):
        db.session.execute(insert(SeatRequest), requests[start:start + 5000])
    db.session.commit()
    for region in counting.home_regions()[::2]:
        services.save_draft(region, month, {"all_projects": 5000, "all_sections": 9000, "all_budget": Decimal("1e6"),
                                            "all_winning": Decimal("9e5")}, {}, None, None)
        services.submit(region, month, None)
    db.session.commit()
    return rules.month_key(month)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.url or f"sqlite:///{OUT}/reports-{args.sections}.sqlite"

    from sqlalchemy import func, select

    from portal.extensions import db

    app = bench_app(url)
    with app.app_context():
        t0 = time.perf_counter()
        key = build(args.sections)
        print(f"data ready in {time.perf_counter() - t0:.1f} s")
        from portal.bookings.models import SeatRequest
        from portal.projects.models import Section

        print(f"sections: {db.session.scalar(select(func.count(Section.id)))}, "
              f"guest-seat requests: {db.session.scalar(select(func.count(SeatRequest.id)))}, month {key}")
    province, region = logged_in(app, "province"), logged_in(app, "changchun")
    rows = [(province, "baseline /experts/specialties", "/experts/specialties"),
            (province, "province table (HTML)", f"/reports/monthly/{key}"),
            (province, "province table .xlsx", f"/reports/monthly/{key}.xlsx"),
            (province, "province table .csv", f"/reports/monthly/{key}.csv"),
            (region, "a region's form (live counts)", f"/reports/monthly/{key}"),
            (region, "a region's sources, page 1", f"/reports/monthly/{key}/changchun/sources?side=main")]
    print(f"{'page':34} {'median ms':>10} {'max ms':>8}")
    for client, label, path in rows:
        median, worst = timed(client, path, args.runs)
        print(f"{label:34} {median:10.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
