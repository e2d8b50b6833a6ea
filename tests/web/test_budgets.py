"""Performance budgets (issue 10), on the benchmark's own generator at two small sizes of the same province:

* every main page sends at most 8 SQL statements, and the same number when the data grows fivefold;
* no query of a main page reads a big table without an index (SQLite: EXPLAIN QUERY PLAN shows no bare
  ``SCAN <table>``; PostgreSQL: with sequential scans priced out, EXPLAIN still shows none, i.e. an index
  exists for every filter and join the page uses).

A full scan of an index (``SCAN t USING COVERING INDEX``, PostgreSQL's index-only scan) is allowed: it is how
the directory counts every center's workstations, and it reads the index, not the table.
"""
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from bench.generate import build
from portal.demo import DEMO_PASSWORD
from portal.extensions import db

MAX_QUERIES = 8
BIG_TABLES = {"experts", "expert_specialties", "sections", "projects", "seat_requests", "bookings", "workstations",
              "notices", "notice_tags", "monthly_reports", "monthly_report_versions", "training_enrolments",
              "audit_entries", "evaluations", "committee_members"}


def _pages():
    """(account, path, htmx, reads_all) for every main page and its filters; the agent's section is one of
    the demo's coming sections. `reads_all` marks the views that by design read a whole table: the province's
    unfiltered directory (every workstation in use, in place order), a substring search (a LIKE '%…%' over
    codes and venue names) and the province's unfiltered section list (its total counts every section)."""
    from portal.orgs.models import Region, TradingCenter
    from portal.projects.models import Project, Section
    from portal.templating import china_today

    today = china_today()
    last_month = date(today.year, today.month, 1) - timedelta(days=1)
    section = db.session.scalars(select(Section).join(Project).where(
        Project.code.like("JLZB-%"), Section.evaluation_date > today).order_by(Section.id)).first()
    jilin = db.session.scalars(select(Region).where(Region.code == "jilin")).one()
    changchun = db.session.scalars(select(Region).where(Region.code == "changchun")).one()
    center = db.session.scalars(select(TradingCenter).where(TradingCenter.region_id == jilin.id)
                                .order_by(TradingCenter.id)).first()
    month = f"{last_month:%Y-%m}"
    return [
        ("province", "/workstations/", False, True),
        ("agent", "/workstations/?status=available&capability=cross&sort=center", False, False),
        ("agent", f"/workstations/?region={jilin.id}&status=maintenance", True, False),
        ("agent", f"/workstations/?center={center.id}&status=all&sort=-updated", True, False),
        ("staff-jilin", "/workstations/?q=A0&page=2", True, True),
        ("agent", "/experts/", False, False),
        ("agent", "/experts/?scope=cross_province", True, False),
        ("agent", f"/experts/?region={jilin.id}", True, False),
        ("agent", f"/bookings/availability?section={section.id}&evaluation_date={section.evaluation_date}&seats=2",
         False, False),
        ("staff-jilin", "/bookings/inbox", False, False),
        ("staff-jilin", "/bookings/inbox?status=&sort=-date", True, False),
        ("agent", f"/bookings/deadline?date={today + timedelta(days=10)}", True, False),
        ("province", f"/reports/monthly/{month}", False, False),
        ("changchun", f"/reports/monthly/{month}/changchun", False, False),
        ("agent", "/bookings/", False, False),
        ("agent", "/bookings/?status=open", True, False),
        ("staff-jilin", "/bookings/calendar", False, False),
        ("province", "/projects/", False, True),
        ("changchun", "/projects/", False, False),
        ("province", "/projects/?level=must&sort=-date", True, False),
        ("province", "/projects/?exemption=missing", True, False),
        ("province", "/notices/", False, False),
        ("province", "/notices/?q=培训&tag=培训", True, False),
        ("province", f"/notices/?column=policy&region={changchun.id}", True, False),
        ("province", "/training/", False, False),
        ("province", "/partners/", False, False),
        ("agent", "/workstations/compliance", False, False),
        ("province", "/", False, False),
    ]


def _log_in(app, username):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303, username
    return client


def _statements(client, path, htmx):
    """The SQL statements (with their parameters) one request sends."""
    sent = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not conn.info.get("explaining"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(path, headers={"HX-Request": "true"} if htmx else {})
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200, (path, response.status_code)
    return sent


def _counts(app, pages):
    clients, counts = {}, {}
    for username, path, htmx, _ in pages:
        client = clients.setdefault(username, _log_in(app, username))
        _statements(client, path, htmx)              # warm: the catalogue is computed once per pool version
        counts[(username, path, htmx)] = len(_statements(client, path, htmx))
    return counts


def test_main_pages_send_few_queries_and_as_many_with_five_times_the_data(app):
    build(0.01, seed=1, log=lambda _: None, analyse=False)
    pages = _pages()
    small = _counts(app, pages)
    from portal.experts.models import Expert

    experts_small = db.session.scalar(select(db.func.count(Expert.id)))
    build(0.04, seed=2, log=lambda _: None, analyse=False)
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Expert.id))) > 3 * experts_small
    large = _counts(app, pages)
    assert {p: n for p, n in small.items() if n > MAX_QUERIES} == {}
    assert large == small


# --- query plans ------------------------------------------------------------------------------------------------

def _limited(statement: str) -> bool:
    return re.search(r"\bLIMIT\b", statement, re.I) is not None


def _sqlite_full_scans(conn, statement, parameters) -> list[str]:
    """Plan steps that read a big table whole: a bare SCAN, or a SCAN along an index that is not covering
    (every row looked up in index order) unless the statement stops early (LIMIT)."""
    found = []
    for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
        detail = row[-1]
        match = re.match(r"SCAN (\w+)(?: AS \w+)?( USING (COVERING )?INDEX \w+)?$", detail)
        if not match or re.sub(r"_\d+$", "", match.group(1)) not in BIG_TABLES:
            continue
        if match.group(2) is None or (match.group(3) is None and not _limited(statement)):
            found.append(detail)
    return found


def _postgres_full_scans(conn, statement, parameters) -> list[str]:
    """The same with sequential scans priced out: a Seq Scan (no index could serve), or an Index Scan with no
    index condition (a whole table read in index order) unless the statement stops early."""
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, nodes = [], [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        table = node.get("Relation Name")
        if table in BIG_TABLES:
            if node["Node Type"] == "Seq Scan":
                found.append(f"Seq Scan on {table}")
            elif node["Node Type"] == "Index Scan" and "Index Cond" not in node and not _limited(statement):
                found.append(f"Index Scan on {table} without a condition")
        nodes.extend(node.get("Plans", []))
    return found


def test_the_plan_checker_sees_a_whole_table_read_along_an_index(app):
    """An unindexed filter on a list ordered by an indexed column reads every row in index order."""
    conn = db.session.connection()
    statement = "SELECT * FROM sections WHERE id + 0 = 1 ORDER BY created_at"
    if db.engine.dialect.name == "postgresql":
        assert _postgres_full_scans(conn, statement, {}) == ["Index Scan on sections without a condition"]
    else:
        assert _sqlite_full_scans(conn, statement, ()) == ["SCAN sections USING INDEX ix_sections_created_at"]
        assert _sqlite_full_scans(conn, statement + " LIMIT 50", ()) == []


@pytest.mark.parametrize("table", sorted(BIG_TABLES))
def test_the_plan_checker_sees_a_full_scan(app, table):
    """The checker is not blind: an unindexed filter on each big table is reported."""
    conn = db.session.connection()
    column = "notice_id" if table == "notice_tags" else "id"
    statement = f'SELECT * FROM "{table}" WHERE {column} + 0 = 1'
    if db.engine.dialect.name == "postgresql":
        assert _postgres_full_scans(conn, statement, {}) == [f"Seq Scan on {table}"]
    else:
        assert _sqlite_full_scans(conn, statement, ()) == [f"SCAN {table}"]


def test_main_pages_read_big_tables_through_indexes(app):
    # Without planner statistics: on tables this small, statistics would rightly prefer reading them whole.
    build(0.02, seed=3, log=lambda _: None, analyse=False)
    checker = _postgres_full_scans if db.engine.dialect.name == "postgresql" else _sqlite_full_scans
    clients, problems = {}, {}
    for username, path, htmx, reads_all in _pages():
        if reads_all:
            continue
        client = clients.setdefault(username, _log_in(app, username))
        _statements(client, path, htmx)
        for statement, parameters in _statements(client, path, htmx):
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            conn = db.session.connection()
            conn.info["explaining"] = True
            try:
                scans = checker(conn, statement, parameters)
            finally:
                conn.info["explaining"] = False
                db.session.rollback()
            if scans:
                problems.setdefault(path, []).append(f"{scans}: {statement[:200]}")
    assert problems == {}, "\n".join(f"{p}: {x}" for p, xs in problems.items() for x in xs)


# --- health endpoint -----------------------------------------------------------------------------------------------

def test_health_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_answers_503_when_the_database_is_gone(tmp_path):
    """A portal whose database cannot be opened (a directory that does not exist) is reported unavailable."""
    from tests.conftest import make_app

    broken = make_app(f"sqlite:///{tmp_path}/missing/folder/portal.sqlite")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
