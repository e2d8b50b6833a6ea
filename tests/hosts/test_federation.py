"""Two portals federate (issue 25 item 4), each a gunicorn instance on a loopback port with a database of its
own: portal A (Jilin's) registers portal B (Hubei's, home to 黄冈市) as a partner, B registers A. A request
filed on A from 长春 to 黄冈 goes through A's outbox to B's API and lands in B's inbox; B accepts it and B's
outbox brings the answer to A's /api/v1/partner-events; with B stopped, a change filed on A waits in A's
outbox, and once B is back it arrives exactly once (a re-send is answered from B's idempotency record)."""
import os
import uuid
from datetime import UTC, time

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import selectinload

from portal.auth.models import Role, User
from portal.bookings.models import SeatChange, SeatRequest
from portal.bookings.rules import Status
from portal.bookings.services import answering, changes, filing
from portal.clock import china_today
from portal.demo import load_organisations
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.models_base import utcnow
from portal.orgs.models import Province, Region, TradingCenter
from portal.partners import outbox, systems
from portal.partners.models import OutboxEvent, OutboxStatus, Pairing, PairingPartner
from tests import factories
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_FIELD_KEYS, make_app

from .conftest import ROOT, Host, free_port

CHANGCHUN, HUANGGANG = factories.CHANGCHUN, "黄冈市公共资源交易中心"


def _databases(kind: str, work):
    if kind == "sqlite":
        return [f"sqlite:///{work / f'portal-{n}.sqlite'}" for n in "ab"], None
    server = make_url(os.environ.get("DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    if server.get_backend_name() != "postgresql":
        server = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"portal_fed_{n}_{uuid.uuid4().hex[:8]}" for n in "ab"]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:     # noqa: BLE001 - no PostgreSQL here
        admin.dispose()
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"PostgreSQL not reachable ({error.__class__.__name__})")
        pytest.skip(f"PostgreSQL not reachable ({error.__class__.__name__})")
    return [server.set(database=n).render_as_string(hide_password=False) for n in names], (admin, names)


def _drop(pg):
    if pg is None:
        return
    admin, names = pg
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cross_workstations(center, prefix):
    venue = factories.make_venue(center)
    return [factories.make_workstation(venue, f"{prefix}-{i:02d}", cross_province=True) for i in range(1, 5)]


def _pairing(main, partner):
    db.session.add(Pairing(implementing_center_id=main.id, start_date=china_today().replace(day=1), basis="测试",
                           partners=[PairingPartner(partner_center_id=partner.id, position=0)]))


def _center(name):
    return db.session.scalars(select(TradingCenter).filter_by(name=name)).one()


def _set_up_b(app_b, base_a):
    """Portal B: Hubei is its home province, 黄冈 its center with a region, workstations and experts shared across
    provinces; 长春 is a partner center (paired with 黄冈); portal A is its partner system."""
    with app_b.app_context():
        upgrade()
        load_organisations()
        load_starter_specialties()
        db.session.execute(update(Province).values(is_home=False))
        hubei = db.session.scalars(select(Province).filter_by(name="湖北省")).one()
        hubei.is_home = True
        region = Region(code="huanggang", name="黄冈地区", sort_order=100, province_id=hubei.id)
        db.session.add(region)
        db.session.flush()
        huanggang, changchun = _center(HUANGGANG), _center(CHANGCHUN)
        huanggang.region_id = region.id
        _cross_workstations(huanggang, "HG")
        for n in range(4):
            factories.make_expert(region, factories.valid_id_number(700 + n, prefix="421102"), name=f"黄冈专家{chr(0x7532 + n)}",
                                  share_scope="cross_province")
        _pairing(changchun, huanggang)
        factories.make_user("staff-hg", Role.CENTER_STAFF, region, huanggang)
        system = systems.save_system(None, {"name": "吉林省门户", "center_ids": [changchun.id],
                                            "callback_url": base_a + "/api/v1/partner-events", "remote_url": base_a})
        issued = systems.issue_key(system, china_today().replace(year=china_today().year + 1))
        db.session.commit()
        return issued.key.key_id, issued.secret


def _set_up_a(app_a, base_b, key_id, secret):
    """Portal A: Jilin's, with 长春 paired with 黄冈 (listed in its directory), the agent's section, and portal B
    registered as the partner system speaking for 黄冈, signing with the key B issued."""
    with app_a.app_context():
        upgrade()
        load_organisations()
        load_starter_specialties()
        changchun, huanggang = _center(CHANGCHUN), _center(HUANGGANG)
        _cross_workstations(huanggang, "HG")
        _pairing(changchun, huanggang)
        agent = factories.make_user("agent", Role.AGENT)
        project = factories.make_project(agent, db.session.get(Region, changchun.region_id))
        section = factories.make_section(project, changchun)
        system = systems.save_system(None, {"name": "湖北省门户", "center_ids": [huanggang.id], "remote_url": base_b})
        systems.import_key(system, key_id, secret, china_today().replace(year=china_today().year + 1))
        db.session.commit()
        return section.id


def _as(app, username):
    context = app.test_request_context()
    context.push()
    g._login_user = db.session.scalars(select(User).filter_by(username=username)).one()
    return context


def _deliver(app) -> outbox.Outcome:
    with app.app_context():
        return outbox.run()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_file_on_a_accept_on_b_see_on_a_and_a_change_made_while_b_is_down_arrives_once(kind, tmp_path):
    (url_a, url_b), pg = _databases(kind, tmp_path)
    ports = {"a": free_port(), "b": free_port()}
    base = {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
    env = {**os.environ, "SECRET_KEY": "federation-" + uuid.uuid4().hex, "PORTAL_FIELD_KEYS": TEST_FIELD_KEYS,
           "PORTAL_BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY, "PYTHONPATH": str(ROOT)}
    app_a, app_b = make_app(url_a), make_app(url_b)
    hosts = {n: Host(n, ports[n], {**env, "DATABASE_URL": u}, tmp_path / f"gunicorn-{n}.log")
             for n, u in (("a", url_a), ("b", url_b))}
    try:
        key_id, secret = _set_up_b(app_b, base["a"])
        section_id = _set_up_a(app_a, base["b"], key_id, secret)
        for host in hosts.values():
            host.start()

        # File on A: 长春's section asks 黄冈 for 2 guest seats.
        day = factories.working_day(10)
        context = _as(app_a, "agent")
        try:
            a0201 = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
            section = db.session.get(filing.Section, section_id)
            req = filing.file_requests(section, {"evaluation_date": day, "start_time": time(9), "duration_minutes": 240,
                                                 "committee_size": 5},
                                       [filing.GuestAsk(_center(HUANGGANG).id, 2, (a0201,))], submit=True)[0]
            db.session.commit()
            request_a, number = req.id, req.number
            assert [e.event_type for e in db.session.scalars(select(OutboxEvent))] == ["federation.apply"]
        finally:
            context.pop()
        assert _deliver(app_a).delivered == 1

        # It is in B's inbox as inbound work from 长春; B accepts with two workstations.
        context = _as(app_b, "staff-hg")
        try:
            inbound = db.session.scalars(select(SeatRequest)).one()
            assert inbound.inbound and inbound.status is Status.SUBMITTED and inbound.partner_reference == number
            stations = [w.id for w, free in answering.offered_workstations(inbound) if free][:2]
            answering.accept(inbound, inbound.version, stations)
            db.session.commit()
            request_b = inbound.id
        finally:
            context.pop()
        assert _deliver(app_b).delivered == 2            # submitted (nothing to do on A), accepted

        # A sees the acceptance.
        with app_a.app_context():
            req = db.session.get(SeatRequest, request_a)
            assert req.status is Status.ACCEPTED and req.seats_accepted == 2

        # B stops; A files a change (13:00 instead of 09:00): it waits in A's outbox.
        hosts["b"].stop()
        context = _as(app_a, "agent")
        try:
            req = db.session.scalars(select(SeatRequest).options(selectinload(SeatRequest.specialty_links))
                                     .filter_by(id=request_a)).one()
            changes.request_change(req, req.version, {"evaluation_date": day, "start_time": time(13),
                                                      "duration_minutes": 240, "seats_requested": 2,
                                                      "reason": "主场会议室调整"})
            db.session.commit()
        finally:
            context.pop()
        outcome = _deliver(app_a)
        assert outcome.delivered == 0 and outcome.failed == 1
        with app_a.app_context():
            waiting = db.session.scalars(select(OutboxEvent).filter_by(event_type="federation.change")).one()
            assert waiting.status is OutboxStatus.PENDING and waiting.attempts == 1
            db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow().replace(tzinfo=UTC)))
            db.session.commit()

        # B is back: the change arrives, once; a re-send of the same event is answered from B's record.
        hosts["b"].start()
        assert _deliver(app_a).delivered == 1
        with app_a.app_context():
            event = db.session.scalars(select(OutboxEvent).filter_by(event_type="federation.change")).one()
            system = db.session.get(systems.PartnerSystem, event.system_id)
            systems.resend(system, event)
            db.session.commit()
        assert _deliver(app_a).delivered == 1
        with app_b.app_context():
            assert db.session.scalar(select(func.count(SeatChange.id)).where(SeatChange.request_id == request_b)) == 1
            change = db.session.scalars(select(SeatChange)).one()
            assert change.start_time == time(13) and change.status.value == "pending"
            assert db.session.scalar(select(func.count(SeatRequest.id))) == 1
    finally:
        for host in hosts.values():
            host.stop()
        for app in (app_a, app_b):
            with app.app_context():
                db.engine.dispose()
        _drop(pg)
