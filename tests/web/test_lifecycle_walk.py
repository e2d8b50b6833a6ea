"""The life cycle of a guest-seat request, its booking and the evaluation, walked through the Flask client: from
every state the allowed actions reach, some sequence of allowed actions reaches the end (the evaluation ended
and the booking completed or given up, or the request withdrawn, rejected or cancelled). Issue 22 item 2.

The walk explores the states breadth-first. Each action is tried from a copy of the database taken when its
state was first reached (SQLite's file), so every state is explored from exactly how it came about; an action is
allowed when the portal answers it with a redirect (303). The scenario contains the dead end of issue 22: the
guest center has no expert of one specialty, so a committee that asks it for that specialty cannot be drawn
there, and the way out (the main venue draws those seats) must be found by the walk.
"""
import sqlite3
from contextlib import closing
from collections import deque
from datetime import datetime, time

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.bookings.models import SeatRequest
from portal.bookings.rules import Status
from portal.clock import CHINA
from portal.evaluations.models import CommitteeMember, Evaluation, EvaluationVenue, ExpertDraw
from portal.experts.models import Expert, Specialty
from portal.experts.services import forget_catalogue, load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.factories import CONFIRMED

GIVEN_UP = {Status.WITHDRAWN.value, Status.REJECTED.value, Status.CANCELLED.value}


def _expert(region, serial, name, codes):
    return factories.make_expert(region, factories.valid_id_number(serial, prefix="220102" if serial < 500 else "220202"),
                                 name=name, codes=codes, employer="某设计院", share_scope="province")


class World:
    """The scenario, its clients and the actions; `state()` reads the abstract state from the database."""

    def __init__(self, app, orgs, users, login_as):
        factories.load_thresholds()
        load_starter_specialties()
        changchun, jilin = orgs.region("changchun"), orgs.region("jilin")
        project = factories.make_project(users["agent"], changchun)
        self.when = factories.working_day(10)
        section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=self.when)
        guest_center = orgs.center(factories.JILIN_CITY)
        guest_venue = factories.make_venue(guest_center)
        self.guest_stations = [factories.make_workstation(guest_venue, f"JL-{i:02d}").id for i in range(1, 3)]
        main_venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
        self.main_stations = [factories.make_workstation(main_venue, f"CC-{i:02d}").id for i in range(1, 6)]
        req = factories.make_seat_request(section, guest_center, users["agent"], seats=2, day=self.when, committee=5)
        names = "甲乙丙丁戊己庚辛"
        for i in range(4):   # the main pool: A0201 and A0101
            _expert(changchun, 10 + i, f"长春专家{names[i]}", ("A0201",))
            _expert(changchun, 20 + i, f"长春给排水{names[i]}", ("A0101",))
        for i in range(3):   # the guest pool: A0201 only (the shortage of issue 22 for A0101)
            _expert(jilin, 510 + i, f"吉林专家{names[i]}", ("A0201",))
        db.session.commit()
        self.section_id, self.request_id = section.id, req.id
        self.a0201, self.a0101 = (db.session.scalars(select(Specialty.id).filter_by(code=c)).one()
                                  for c in ("A0201", "A0101"))
        self.login_as = login_as
        self.traveller = None

        self.clients = {name: login_as(name) for name in ("agent", "staff-changchun", "staff-jilin")}

    # --- reading ---------------------------------------------------------------------------------------------

    def request(self) -> SeatRequest:
        return db.session.get(SeatRequest, self.request_id)

    def evaluation(self) -> Evaluation | None:
        return db.session.scalars(select(Evaluation).where(Evaluation.section_id == self.section_id)).first()

    def venues(self, evaluation):
        return db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.evaluation_id == evaluation.id)
                                  .options(selectinload(EvaluationVenue.needs))
                                  .order_by(EvaluationVenue.is_main.desc())).all()

    def state(self) -> tuple:
        db.session.expire_all()
        req, evaluation = self.request(), self.evaluation()
        if evaluation is None:
            return (self.phase, req.status.value, "no committee")
        venues = self.venues(evaluation)
        drawn = {v.id for v in venues if db.session.scalar(select(ExpertDraw.id).where(ExpertDraw.venue_id == v.id)
                                                           .limit(1))}
        guest = next((v for v in venues if not v.is_main), None)
        guest_part = "no guest venue" if guest is None else (
            "guest drawn" if guest.id in drawn else
            f"guest to draw {'A0101' if any(n.specialty_id == self.a0101 for n in guest.needs) else 'A0201'}")
        main = next(v for v in venues if v.is_main)
        return (self.phase, req.status.value, "ended" if evaluation.ended else "committee",
                "main drawn" if main.id in drawn else "main to draw", guest_part)

    @property
    def phase(self) -> str:
        return "evaluation day" if self.traveller else "before"

    @staticmethod
    def finished(state) -> bool:
        phase, status, stage = state[:3]
        # Without a committee a booking ends given up, or completed (the evaluation was not run here).
        return (stage == "no committee" and status in GIVEN_UP | {Status.COMPLETED.value}) or \
            (stage == "ended" and status in (Status.COMPLETED.value, Status.CANCELLED.value))

    # --- the clock --------------------------------------------------------------------------------------------

    def set_phase(self, phase: str) -> None:
        if self.traveller:
            self.traveller.stop()
            self.traveller = None
        if phase == "evaluation day":
            self.traveller = time_machine.travel(datetime.combine(self.when, time(9, 30), tzinfo=CHINA))
            self.traveller.start()

    # --- the actions (each answers True when the portal allowed it) ---------------------------------------------

    def _post(self, who: str, url, data=None) -> bool:
        response = self.clients[who].post(url, data=data or {})
        if response.status_code == 302 and "/auth/login" in response.headers.get("Location", ""):
            # The session was opened in a later copy of the database than the one restored: log in again.
            self.clients[who] = self.login_as(who)
            response = self.clients[who].post(url, data=data or {})
        assert response.status_code < 500, (url, response.get_data(as_text=True)[-2000:])
        assert not (response.status_code == 302 and "/auth/login" in response.headers.get("Location", "")), url
        return response.status_code == 303

    def _version(self) -> str:
        return str(self.request().version)

    def accept(self):
        return self._post("staff-jilin", f"/bookings/{self.request_id}/answer",
                          {"version": self._version(), "workstation_ids": [str(i) for i in self.guest_stations]})

    def reject(self):
        return self._post("staff-jilin", f"/bookings/{self.request_id}/reject",
                          {"version": self._version(), "reason": "机位检修"})

    def withdraw(self):
        return self._post("agent", f"/bookings/{self.request_id}/withdraw",
                          {"version": self._version(), "reason": "项目暂停"})

    def cancel(self):
        return self._post("agent", f"/bookings/{self.request_id}/cancel",
                          {"version": self._version(), "reason": "改为本地评标"})

    def complete(self):
        return self._post("agent", f"/bookings/{self.request_id}/complete", {"version": self._version()})

    def _fix(self, guest_specialty):
        data = {"committee_size": "5", "tenderee_reps": "1", "avoid_months": "12", "bidders": "某投标单位",
                "supervising_department": "", "need-main-0-specialty": str(self.a0201), "need-main-0-count": "2"}
        if self.request().status.value in ("accepted", "partly_accepted"):
            data |= {f"need-{self.request_id}-0-specialty": str(guest_specialty),
                     f"need-{self.request_id}-0-count": "2"}
        return self._post("staff-changchun", f"/evaluations/new?section={self.section_id}", data)

    def fix_committee(self):
        return self._fix(self.a0201)

    def fix_committee_short(self):
        return self._fix(self.a0101)

    def _venue(self, main: bool):
        evaluation = self.evaluation()
        venue = next((v for v in self.venues(evaluation) if v.is_main is main), None) if evaluation else None
        return evaluation, venue

    def draw_main(self):
        evaluation, venue = self._venue(True)
        return bool(venue) and self._post("staff-changchun", f"/evaluations/{evaluation.id}/venues/{venue.id}/draw", data=CONFIRMED)

    def draw_guest(self):
        evaluation, venue = self._venue(False)
        return bool(venue) and self._post("staff-jilin", f"/evaluations/{evaluation.id}/venues/{venue.id}/draw", data=CONFIRMED)

    def move_to_main(self):
        evaluation, venue = self._venue(False)
        return bool(venue) and self._post("staff-changchun", f"/evaluations/{evaluation.id}/venues/{venue.id}/move-to-main")

    def the_day_comes(self):
        if self.traveller:
            return False
        self.set_phase("evaluation day")
        return True

    def run_the_day(self):
        """Sign every seated member in (with the ID number), record the three signatures, end the evaluation."""
        evaluation = self.evaluation()
        if evaluation is None:
            return False
        members = db.session.scalars(select(CommitteeMember).where(CommitteeMember.evaluation_id == evaluation.id,
                                                                   CommitteeMember.status == "seated")).all()
        venues = {v.id: v for v in self.venues(evaluation)}
        free = {True: list(self.main_stations), False: list(self.guest_stations)}
        for member in members:
            client = "staff-changchun" if venues[member.venue_id].is_main else "staff-jilin"
            station = free[venues[member.venue_id].is_main].pop(0)
            ok = self._post(client, f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", {
                "id_number": db.session.get(Expert, member.expert_id).id_number, "photo_checked": "y",
                "phone_in_custody": "y", "no_conflict_declared": "y", "workstation_id": str(station)})
            if not ok:
                return False
            for which in ("review_form_signed_at", "summary_signed_at", "report_signed_at"):
                if not self._post(client, f"/evaluations/{evaluation.id}/members/{member.id}/sign/{which}"):
                    return False
        return self._post("staff-changchun", f"/evaluations/{evaluation.id}/end", data=CONFIRMED)

    ACTIONS = ("accept", "reject", "withdraw", "cancel", "complete", "fix_committee", "fix_committee_short",
               "draw_main", "draw_guest", "move_to_main", "the_day_comes", "run_the_day")


class Snapshots:
    """Copies of the SQLite database, one per state reached, to try each action from (SQLite's backup API,
    which reads and writes through the write-ahead log)."""

    def __init__(self, tmp_path):
        self.folder = tmp_path
        self.path = db.engine.url.database

    @staticmethod
    def _copy(source: str, target: str) -> None:
        db.session.remove()
        db.engine.dispose()
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)

    def take(self, n: int) -> None:
        self._copy(self.path, str(self.folder / f"{n}.sqlite"))

    def restore(self, n: int) -> None:
        self._copy(str(self.folder / f"{n}.sqlite"), self.path)
        forget_catalogue()


@pytest.fixture
def world(app, orgs, users, login_as):
    built = World(app, orgs, users, login_as)
    yield built
    built.set_phase("before")


def test_every_reachable_state_has_a_way_to_the_end(world, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the walk copies SQLite's database file to try every action from every state")
    snapshots = Snapshots(tmp_path)
    start = world.state()
    snapshots.take(0)
    ids, phases, edges = {start: 0}, {start: world.phase}, {start: set()}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for action in World.ACTIONS:
            snapshots.restore(ids[state])
            world.set_phase(phases[state])
            if not getattr(world, action)():
                continue
            after = world.state()
            if after == state:
                continue
            edges[state].add((action, after))
            if after not in ids:
                ids[after] = len(ids)
                phases[after] = world.phase
                edges[after] = set()
                snapshots.take(ids[after])
                queue.append(after)
    # Which states reach the end: the finished ones, then every state with an allowed action into one of them.
    reach = {s for s in edges if World.finished(s)}
    grew = True
    while grew:
        grew = False
        for state, out in edges.items():
            if state not in reach and any(after in reach for _, after in out):
                reach.add(state)
                grew = True
    stuck = [s for s in edges if s not in reach]
    assert not stuck, stuck
    # The walk went where it should: the shortage (the dead end of issue 22), its way out, and both ends.
    seen = set(edges)
    assert any(s[-1] == "guest to draw A0101" and s[3] == "main drawn" and s[0] == "evaluation day" for s in seen)
    assert any(s[-1] == "no guest venue" and s[2] == "ended" for s in seen)
    assert any(s[2] == "ended" and s[1] == "completed" and s[-1] == "guest drawn" for s in seen)
    assert {Status.WITHDRAWN.value, Status.REJECTED.value} <= {s[1] for s in seen if s[2] == "no committee"}
    # A guest venue short of experts cannot draw: that state's way out is the main venue's.
    short = [s for s in seen if s[-1] == "guest to draw A0101" and s[0] == "evaluation day"]
    assert short and all(not any(a == "draw_guest" for a, _ in edges[s]) for s in short)
    assert all(any(a in ("move_to_main", "fix_committee") for a, _ in edges[s]) for s in short)
    assert len(seen) > 10
