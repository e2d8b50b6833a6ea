"""The partner API (issue 25): 黄冈's platform, registered as a partner system, asks 吉林市 for availability,
files a seat request that lands in 吉林市's inbox as inbound work, follows it, changes and withdraws it; refused
calls answer JSON and change nothing; retries file once; no answer names a person."""
import json
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.api.models import IdempotentAnswer
from portal.audit.models import AuditEntry
from portal.bookings.models import SeatRequest
from portal.bookings.rules import Status
from portal.experts.models import Expert
from portal.extensions import db
from portal.partners.models import OutboxEvent
from tests import factories
from tests.api_helpers import Signed, register_system
from tests.web.test_inbound import HUANGGANG, hosted  # noqa: F401 (the fixture)

SHIYAN = "十堰市公共资源交易中心"


@pytest.fixture
def partner(app, hosted):  # noqa: F811
    system, key_id, secret = register_system("湖北黄冈交易平台", [hosted["huanggang"]])
    return {**hosted, "system": system, "api": Signed(app.test_client(), key_id, secret), "key_id": key_id,
            "secret": secret}


def application(w, **changes):
    data = {"applicationType": "apply", "applicationId": "HGYC-2026-118", "mainCenterCode": str(w["huanggang"].id),
            "centerCode": str(w["jilin"].id), "tenderProjectCode": "HGZB-2026-0342",
            "tenderProjectName": "黄冈市城区供水管网改造工程", "tendererName": "黄冈市某水务投资有限公司",
            "bidSectionCode": "01", "bidSectionName": "供水管网改造施工一标段", "category": "construction",
            "budget": 3200, "evaluationStartTime": f"{w['day'].isoformat()}T09:00:00+08:00", "durationMinutes": 240,
            "committeeSize": 7, "expertCount": 2, "specialtyCodes": ["A0201"], "contact": "王工 0713-8866001"}
    data.update(changes)
    return data


def counts():
    return (db.session.scalar(select(func.count(SeatRequest.id))), db.session.scalar(select(func.count(AuditEntry.id))),
            db.session.scalar(select(func.count(OutboxEvent.id))))


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), body
    return body["error"]


# --- filing and following ---------------------------------------------------------------------------------

def test_a_filed_request_lands_in_the_host_inbox_as_inbound_work_audited_with_an_outbox_event(partner, login_as):
    response = partner["api"].post("/api/v1/seat-requests", application(partner))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted" and body["originalApplicationId"] == "HGYC-2026-118"
    assert body["centerCode"] == str(partner["jilin"].id) and body["expertCount"] == 2
    db.session.expire_all()
    req = db.session.get(SeatRequest, body["id"])
    assert req.inbound and req.partner_system_id == partner["system"].id and req.status is Status.SUBMITTED
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "seat_request",
                                                        AuditEntry.object_id == req.id)).first()
    assert entry.username.startswith("api-")          # the system's account acted
    assert [e.event_type for e in db.session.scalars(select(OutboxEvent))] == ["seatRequest.submitted"]
    inbox = login_as("staff-jilin").get("/bookings/inbox").get_data(as_text=True)
    assert req.number in inbox


def test_state_and_history_are_read_back(partner):
    filed = partner["api"].post("/api/v1/seat-requests", application(partner)).get_json()
    response = partner["api"].get(f"/api/v1/seat-requests/{filed['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "submitted" and [h["action"] for h in body["history"]] == ["create", "submit"]


def test_accepted_seats_and_the_answer_go_to_the_outbox_in_the_same_transaction(partner, login_as):
    filed = partner["api"].post("/api/v1/seat-requests", application(partner)).get_json()
    staff = login_as("staff-jilin")
    req = db.session.get(SeatRequest, filed["id"])
    response = staff.post(f"/bookings/{req.id}/answer", data={
        "version": str(req.version), "workstation_ids": [str(s.id) for s in partner["stations"][:2]]})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    events = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [e.event_type for e in events] == ["seatRequest.submitted", "seatRequest.accepted"]
    data = json.loads(events[-1].payload)["data"]
    assert data["status"] == "accepted" and data["acceptedExpertCount"] == 2
    assert data["acceptedWorkstations"] == ["JL-01", "JL-02"]
    # A change asked by the partner, then withdrawn by it: each step is an event, the request is read back.
    later = f"{partner['day'].isoformat()}T13:00:00+08:00"
    change = partner["api"].post(f"/api/v1/seat-requests/{req.id}/changes", {
        "evaluationStartTime": later, "durationMinutes": 240, "expertCount": 2, "reason": "主场会议室调整"})
    assert change.status_code == 202, change.get_json()
    assert change.get_json()["pendingChange"]["evaluationStartTime"] == later
    cancel = partner["api"].post(f"/api/v1/seat-requests/{req.id}/withdrawal", {"reason": "项目暂停"})
    assert cancel.status_code == 200, cancel.get_json()
    assert cancel.get_json()["status"] == "cancelled" and cancel.get_json()["acceptedWorkstations"] == []
    db.session.expire_all()
    assert [e.event_type for e in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))][-2:] == [
        "seatChange.requested", "seatRequest.cancelled"]


def test_a_rejection_with_its_reason_is_an_event(partner, login_as):
    filed = partner["api"].post("/api/v1/seat-requests", application(partner)).get_json()
    req = db.session.get(SeatRequest, filed["id"])
    response = login_as("staff-jilin").post(f"/bookings/{req.id}/reject",
                                            data={"version": str(req.version), "reason": "当日工位已满"})
    assert response.status_code == 303
    db.session.expire_all()
    event = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    assert event.event_type == "seatRequest.rejected" and json.loads(event.payload)["data"]["reason"] == "当日工位已满"


def test_withdrawing_an_unanswered_request_by_the_application_type(partner):
    partner["api"].post("/api/v1/seat-requests", application(partner))
    response = partner["api"].post("/api/v1/seat-requests", {"applicationType": "cancel",
                                                             "originalApplicationId": "HGYC-2026-118"})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"


# --- availability --------------------------------------------------------------------------------------------

def test_availability_counts_free_cross_province_workstations_and_experts(partner):
    query = f"evaluationStartTime={partner['day'].isoformat()}T09:00&durationMinutes=240&specialtyCode=A0201"
    response = partner["api"].get(f"/api/v1/centers/{partner['jilin'].id}/availability", query=query)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["freeCrossProvinceWorkstations"] == 4 and body["crossProvinceWorkstations"] == 4
    # 4 shared across provinces plus the tenderee's employee (the catalogue counts the pool, not a committee).
    assert body["expertCounts"] == [{"specialtyCode": "A0201", "specialtyName": body["expertCounts"][0]["specialtyName"],
                                     "expertCount": 5}]


def test_availability_of_a_center_not_paired_with_the_partner_is_forbidden(partner, orgs):
    changchun = orgs.center(factories.CHANGCHUN)
    response = partner["api"].get(f"/api/v1/centers/{changchun.id}/availability",
                                  query=f"evaluationStartTime={partner['day'].isoformat()}T09:00")
    assert response.status_code == 403 and error_of(response)["field"] == "centerCode"


# --- refusals: JSON, and nothing changed ----------------------------------------------------------------------

def test_a_bad_signature_is_refused_and_changes_nothing(partner):
    before = counts()
    response = partner["api"].post("/api/v1/seat-requests", application(partner), secret="not-the-secret")
    assert response.status_code == 401 and error_of(response)["code"] == "bad_signature"
    assert counts() == before


def test_a_replayed_timestamp_is_refused_and_changes_nothing(partner):
    before = counts()
    response = partner["api"].post("/api/v1/seat-requests", application(partner), now=time.time() - 600)
    assert response.status_code == 401 and error_of(response)["code"] == "stale_timestamp"
    assert counts() == before


def test_no_key_a_revoked_key_and_an_expired_key_are_refused(partner, app):
    assert app.test_client().get("/api/v1/seat-requests/1").status_code == 401
    from portal.partners import systems
    from portal.partners.models import ApiKey

    key = db.session.scalars(select(ApiKey)).one()
    systems.revoke_key(partner["system"], key)
    db.session.commit()
    response = partner["api"].get("/api/v1/seat-requests/1")
    assert response.status_code == 401 and error_of(response)["code"] == "unknown_api_key"


def test_filing_in_the_name_of_another_partners_center_is_forbidden_and_changes_nothing(partner, orgs):
    before = counts()
    response = partner["api"].post("/api/v1/seat-requests", application(partner, mainCenterCode=str(
        orgs.center(SHIYAN).id)))
    assert response.status_code == 403 and error_of(response)["field"] == "mainCenterCode"
    assert counts()[0] == before[0] and counts()[2] == before[2]


def test_another_partners_request_is_not_found_and_not_changed(partner, app, orgs):
    filed = partner["api"].post("/api/v1/seat-requests", application(partner)).get_json()
    _, key_id, secret = register_system("十堰交易平台", [orgs.center(SHIYAN)])
    other = Signed(app.test_client(), key_id, secret)
    assert other.get(f"/api/v1/seat-requests/{filed['id']}").status_code == 404
    response = other.post(f"/api/v1/seat-requests/{filed['id']}/withdrawal", {"reason": "x"})
    assert response.status_code == 404 and error_of(response)["code"] == "request_not_found"
    db.session.expire_all()
    assert db.session.get(SeatRequest, filed["id"]).status is Status.SUBMITTED


@pytest.mark.parametrize("changes, status, field", [
    ({"expertCount": 0}, 422, "expertCount"),
    ({"expertCount": "2"}, 422, "expertCount"),
    ({"evaluationStartTime": "明天上午"}, 422, "evaluationStartTime"),
    ({"tenderProjectCode": ""}, 422, "tenderProjectCode"),
    ({"budget": "很多"}, 422, "budget"),
    ({"specialtyCodes": ["Z9999"]}, 422, "specialtyCodes"),
    ({"centerCode": "999999"}, 404, "centerCode"),
    ({"applicationType": "申请"}, 422, "applicationType"),
    ({"expertCount": 6}, 422, "expertCount"),              # more than the host's cross-province workstations
])
def test_bad_fields_answer_their_path_in_chinese_and_change_nothing(partner, changes, status, field):
    before = counts()
    response = partner["api"].post("/api/v1/seat-requests", application(partner, **changes))
    assert response.status_code == status, response.get_json()
    assert error_of(response)["field"] == field
    assert counts()[0] == before[0] and counts()[2] == before[2]


@pytest.mark.parametrize("raw, status", [(b"not json", 400), (b"[1, 2]", 400), (b"", 400)])
def test_a_body_that_is_no_json_object_is_a_400(partner, raw, status):
    response = partner["api"].post("/api/v1/seat-requests", raw)
    assert response.status_code == status and error_of(response)


def test_an_unknown_address_under_the_api_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


# --- idempotency ---------------------------------------------------------------------------------------------

def test_a_retried_post_returns_the_first_answer_and_files_once(partner):
    first = partner["api"].post("/api/v1/seat-requests", application(partner), idempotency="hg-118-apply")
    retry = partner["api"].post("/api/v1/seat-requests", application(partner), idempotency="hg-118-apply")
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json() and retry.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 1
    assert db.session.scalar(select(func.count(OutboxEvent.id))) == 1
    other = partner["api"].post("/api/v1/seat-requests", application(partner, notes="改了"), idempotency="hg-118-apply")
    assert other.status_code == 422 and error_of(other)["code"] == "idempotency_key_reused"


def test_a_second_filing_with_a_new_key_is_refused_as_a_duplicate(partner):
    assert partner["api"].post("/api/v1/seat-requests", application(partner)).status_code == 201
    again = partner["api"].post("/api/v1/seat-requests", application(partner))
    assert again.status_code == 422 and error_of(again)["field"] == "bidSectionCode"
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 1
    assert db.session.scalar(select(func.count(IdempotentAnswer.id))) == 2


def test_a_post_without_an_idempotency_key_is_a_400(partner):
    response = partner["api"].post("/api/v1/seat-requests", application(partner),
                                   headers={"Idempotency-Key": ""})
    assert response.status_code == 400 and error_of(response)["field"] == "Idempotency-Key"


# --- confidentiality -----------------------------------------------------------------------------------------

def test_no_answer_names_an_expert_or_shows_an_id_number_or_phone(partner, login_as):
    api = partner["api"]
    answers = [api.post("/api/v1/seat-requests", application(partner))]
    req = db.session.get(SeatRequest, answers[0].get_json()["id"])
    login_as("staff-jilin").post(f"/bookings/{req.id}/answer", data={
        "version": str(req.version), "workstation_ids": [str(s.id) for s in partner["stations"][:2]]})
    answers.append(api.get(f"/api/v1/seat-requests/{req.id}"))
    answers.append(api.get(f"/api/v1/centers/{partner['jilin'].id}/availability",
                           query=f"evaluationStartTime={partner['day'].isoformat()}T09:00"))
    db.session.expire_all()
    # Decoded first: JSON may escape every Chinese character (\uXXXX), and a name must not hide that way.
    bodies = [json.dumps(a.get_json(), ensure_ascii=False) for a in answers] + [
        json.dumps(json.loads(e.payload), ensure_ascii=False) for e in db.session.scalars(select(OutboxEvent))]
    assert any(partner["jilin"].name in body for body in bodies)     # the search does see Chinese text
    experts = db.session.scalars(select(Expert)).all()
    assert experts
    for body in bodies:
        for expert in experts:
            assert expert.name not in body and expert.id_number not in body and (expert.phone or "-") not in body
        assert not re.search(r"\b1[3-9]\d{9}\b", body) and not re.search(r"\d{17}[\dXx]", body)


# --- partner systems' pages ------------------------------------------------------------------------------------

def test_the_admin_registers_a_system_and_sees_its_key_once(login_as, orgs, hosted):  # noqa: F811
    admin = login_as("province")
    response = admin.post("/partners/systems/new", data={"name": "湖北平台", "center_ids": [str(hosted["huanggang"].id)],
                                                         "callback_url": "https://hb.example.cn/callback"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert page.status_code == 200 and "湖北平台" in page.get_data(as_text=True)
    system_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    issued = admin.post(f"/partners/systems/{system_id}/keys", data={"expires_on": (factories.working_day(5) + timedelta(days=300)).isoformat()})
    shown = issued.get_data(as_text=True)
    secret = re.search(r'id="issued-secret">([^<]+)<', shown).group(1)
    assert issued.status_code == 200 and len(secret) > 30
    assert secret not in admin.get(f"/partners/systems/{system_id}").get_data(as_text=True)
    from portal.partners.models import ApiKey

    key = db.session.scalars(select(ApiKey)).one()
    assert secret not in (key.secret_sha256, key.key_id)
    stored = db.session.execute(text("SELECT secret_encrypted FROM api_keys")).scalar()
    assert secret not in stored


@pytest.mark.parametrize("data, field_text", [
    ({"name": "", "center_ids": []}, "请填写系统名称"),
    ({"name": "甲", "center_ids": []}, "请至少选择一个"),
    ({"name": "甲", "center_ids": ["{changchun}"]}, "外省交易中心"),
    ({"name": "甲", "center_ids": ["{huanggang}"], "callback_url": "ftp://x"}, "回调地址须为"),
])
def test_a_system_with_bad_fields_is_refused_in_chinese(login_as, orgs, hosted, data, field_text):  # noqa: F811
    ids = {"changchun": orgs.center(factories.CHANGCHUN).id, "huanggang": hosted["huanggang"].id}
    data = {k: ([v.format(**ids) for v in value] if isinstance(value, list) else value) for k, value in data.items()}
    response = login_as("province").post("/partners/systems/new", data=data)
    assert response.status_code == 422 and field_text in response.get_data(as_text=True)


def test_a_federated_portal_and_the_key_it_issued_are_registered_on_the_page(login_as, hosted):  # noqa: F811
    admin = login_as("province")
    response = admin.post("/partners/systems/new", data={"name": "湖北省门户", "center_ids": [str(hosted["huanggang"].id)],
                                                         "remote_url": "https://ggzy.hubei.example.cn/"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "登记对方门户签发的密钥" in admin.get(location).get_data(as_text=True)
    expires = (factories.working_day(5) + timedelta(days=300)).isoformat()
    refused = admin.post(location + "/keys/import", data={"key_id": "pk_0123", "secret": "short", "expires_on": expires})
    assert refused.status_code == 422 and "至少 20 个字符" in refused.get_data(as_text=True)
    done = admin.post(location + "/keys/import", data={"key_id": "pk_0123", "secret": "s" * 43, "expires_on": expires})
    assert done.status_code == 303
    from portal.partners.models import ApiKey, PartnerSystem

    assert db.session.scalars(select(PartnerSystem)).one().remote_url == "https://ggzy.hubei.example.cn"
    assert db.session.scalars(select(ApiKey)).one().key_id == "pk_0123"


def test_a_nul_byte_in_the_query_is_a_json_400(client):
    response = client.get("/api/v1/seat-requests/1?x=%00")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
