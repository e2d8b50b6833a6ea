"""Benchmark: the expert catalogue /experts/ with 100,000 experts on SQLite (issue 4: under 50 ms median).

Builds a throw-away database under bench/out/, fills it with fictional experts (valid check digits) through
bulk inserts, then times the page through the Flask test client, against a baseline page measured in the same
run (the machine is noisy: compare the two, not absolute figures across runs).

    .venv/bin/python bench/catalogue.py [--experts 100000] [--runs 40]
"""
import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import OUT, bench_app, logged_in, timed  # noqa: E402


def build(app, experts: int):
    from sqlalchemy import insert, select

    from portal.demo import REGION_ID_PREFIX, load_demo
    from portal.experts.models import Expert, ExpertSpecialty, Specialty
    from portal.experts.rules import check_digit
    from portal.experts.services import bump_pool_version
    from portal.extensions import db
    from portal.orgs.models import Region

    load_demo()
    db.session.commit()
    if db.session.query(Expert).count() >= experts:
        return
    rng = random.Random(4)
    regions = list(db.session.scalars(select(Region)))
    leaves = list(db.session.scalars(select(Specialty.id).where(Specialty.level > 1)))
    start = db.session.query(Expert).count()
    batch, links = [], []
    next_id = (db.session.scalar(select(Expert.id).order_by(Expert.id.desc()).limit(1)) or 0) + 1
    for n in range(start, experts):
        region = rng.choice(regions)
        prefix = REGION_ID_PREFIX.get(region.code, "220100")
        first17 = f"{prefix}{1950 + (n // 1000) % 40}{1 + (n // 40000) % 12:02d}{1 + (n // 480000) % 28:02d}{n % 1000:03d}"
        batch.append({"id": next_id, "region_id": region.id, "name": "测试专家", "id_number": first17 + check_digit(first17),
                      "phone": f"139{n:08d}", "employer": "某单位", "status": "active" if n % 20 else "retired",
                      "share_scope": rng.choice(["local", "province", "cross_province"])})
        for position, specialty in enumerate(rng.sample(leaves, rng.randint(1, 3)), start=1):
            links.append({"expert_id": next_id, "specialty_id": specialty, "position": position})
        next_id += 1
        if len(batch) == 5000:
            db.session.execute(insert(Expert), batch)
            db.session.execute(insert(ExpertSpecialty), links)
            batch, links = [], []
    if batch:
        db.session.execute(insert(Expert), batch)
        db.session.execute(insert(ExpertSpecialty), links)
    bump_pool_version()
    db.session.commit()


def touch(app):
    """Move the pool's version, as any save does: the next catalogue is computed afresh."""
    from portal.experts.services import bump_pool_version
    from portal.extensions import db

    with app.app_context():
        bump_pool_version()
        db.session.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    from portal.extensions import db

    app = bench_app(f"sqlite:///{OUT}/catalogue-{args.experts}.sqlite")
    with app.app_context():
        t0 = time.perf_counter()
        build(app, args.experts)
        print(f"data ready in {time.perf_counter() - t0:.1f} s")
        from portal.experts.models import Expert, ExpertSpecialty

        print(f"experts: {db.session.query(Expert).count()}, specialty links: {db.session.query(ExpertSpecialty).count()}")
    client = logged_in(app, "agent")
    rows = [("baseline /experts/specialties", "/experts/specialties"),
            ("catalogue /experts/", "/experts/"),
            ("catalogue, one region", "/experts/?region=2"),
            ("catalogue, cross-province", "/experts/?scope=cross_province"),
            ("catalogue htmx fragment", "/experts/?q=A0")]
    print(f"{'page':32} {'median ms':>10} {'max ms':>8}")
    for label, path in rows:
        median, worst = timed(client, path, args.runs)
        print(f"{label:32} {median:10.1f} {worst:8.1f}")
    median, worst = timed(client, "/experts/", max(5, args.runs // 4), before=lambda: touch(app))
    print(f"{'catalogue right after a change':32} {median:10.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
