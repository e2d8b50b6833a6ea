"""The outbox to partner systems (issue 25 item 3): events written with the change, delivered signed to a real
HTTP server on 127.0.0.1 by `flask --app portal outbox run`, retried with growing delays, taken once by
concurrent workers, visible to the admin and sent again on request."""
import json
import threading
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models_base import utcnow
from portal.partners import outbox, signing
from portal.partners.models import OutboxEvent, OutboxStatus
from tests.api_helpers import Signed, register_system
from tests.web.test_inbound import hosted  # noqa: F401 (the fixture)
from tests.web.test_partner_api import application


class Receiver:
    """A partner's callback endpoint: checks each call's signature, records it, answers `status`."""

    def __init__(self):
        self.calls, self.status, self.secret = [], 200, None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, _, query = self.path.partition("?")
                problem = signing.timestamp_problem(self.headers.get("X-Timestamp"), __import__("time").time()) or \
                    signing.signature_problem(receiver.secret, "POST", path, query, self.headers["X-Timestamp"],
                                              body, self.headers.get("X-Signature"))
                receiver.calls.append({"body": json.loads(body), "signed": problem is None,
                                       "key": self.headers.get("X-Api-Key")})
                self.send_response(401 if problem else receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def filed(app, hosted, receiver):  # noqa: F811
    system, key_id, secret = register_system("湖北黄冈交易平台", [hosted["huanggang"]], callback_url=receiver.url)
    receiver.secret = secret
    api = Signed(app.test_client(), key_id, secret)
    response = api.post("/api/v1/seat-requests", application(hosted))
    assert response.status_code == 201
    return {**hosted, "system": system, "key_id": key_id, "request_id": response.get_json()["id"]}


def wait_of(event) -> timedelta:
    at = event.next_attempt_at
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) - utcnow()


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["outbox", *args])
    assert result.exit_code == 0, result.output
    return result.output


def events():
    db.session.expire_all()
    return db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()


def test_the_worker_delivers_each_event_signed_once(app, filed, receiver):
    assert "已送达 1 条通知" in run_cli(app, "run")
    assert len(receiver.calls) == 1 and receiver.calls[0]["signed"] and receiver.calls[0]["key"] == filed["key_id"]
    body = receiver.calls[0]["body"]
    assert body["eventType"] == "seatRequest.submitted" and body["data"]["id"] == filed["request_id"]
    assert body["eventId"] == events()[0].id
    assert events()[0].status is OutboxStatus.DELIVERED
    assert "已送达 0 条通知" in run_cli(app, "run")          # nothing twice
    assert len(receiver.calls) == 1


def test_a_failed_delivery_waits_with_growing_delays_then_goes_through(app, filed, receiver):
    receiver.status = 503
    assert "1 条未能送达" in run_cli(app, "run")
    event = events()[0]
    assert event.status is OutboxStatus.PENDING and event.attempts == 1 and "503" in event.last_error
    assert timedelta(seconds=25) < wait_of(event) <= timedelta(seconds=30)
    run_cli(app, "run")                                    # not due yet: not tried
    assert len(receiver.calls) == 1
    db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow()))
    db.session.commit()
    run_cli(app, "run")
    event = events()[0]
    assert event.attempts == 2 and timedelta(seconds=55) < wait_of(event) <= timedelta(seconds=60)
    receiver.status = 200
    db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow()))
    db.session.commit()
    run_cli(app, "run")
    assert events()[0].status is OutboxStatus.DELIVERED and len(receiver.calls) == 3


def test_an_unreachable_callback_is_recorded_and_after_the_last_try_the_admin_sends_it_again(app, filed, receiver,
                                                                                            login_as):
    receiver.close()
    db.session.execute(update(OutboxEvent).values(attempts=signing.MAX_ATTEMPTS - 1))
    db.session.commit()
    run_cli(app, "run")
    event = events()[0]
    assert event.status is OutboxStatus.FAILED and "无法连接" in event.last_error
    admin = login_as("province")
    page = admin.get(f"/partners/systems/{filed['system'].id}").get_data(as_text=True)
    assert "发送失败" in page and "无法连接" in page
    response = admin.post(f"/partners/systems/{filed['system'].id}/events/{event.id}/resend")
    assert response.status_code == 303
    event = events()[0]
    assert event.status is OutboxStatus.PENDING and event.attempts == 0


def test_two_workers_never_take_the_same_event(app, filed):
    first = outbox.claim(10)
    db.session.commit()
    second = outbox.claim(10)
    db.session.commit()
    assert [e.id for e in first] == [events()[0].id] and second == []


def test_a_claim_left_by_a_dead_worker_is_taken_again(app, filed, receiver):
    outbox.claim(10)
    db.session.execute(update(OutboxEvent).values(claimed_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    run_cli(app, "run")
    assert events()[0].status is OutboxStatus.DELIVERED and len(receiver.calls) == 1


def test_a_change_that_rolls_back_leaves_no_event(app, filed, login_as):
    before = len(events())
    staff = login_as("staff-jilin")
    response = staff.post(f"/bookings/{filed['request_id']}/reject", data={"version": "1", "reason": ""})
    assert response.status_code == 422     # a rejection needs its reason: refused, nothing written
    assert len(events()) == before
