"""The API's OpenAPI document validates (openapi-spec-validator), is what /api/v1/openapi.json serves, and a
property-based run of every operation against the test app (schemathesis, its cases sent signed through the
Flask test client) finds no 5xx and no answer outside the document (status, content type, body schema)."""
import json
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.openapi import document
from tests.api_helpers import Signed, register_system
from tests.web.test_inbound import hosted  # noqa: F401 (the fixture)
from tests.web.test_partner_api import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(result.ok().method.upper(), result.ok().path)
              for result in schemathesis.openapi.from_dict(document()).get_all_operations()]


def test_the_document_is_valid_openapi_3_1():
    validate(document())
    assert document()["openapi"] == "3.1.0"


def test_the_portal_serves_the_document_without_a_signature(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == json.loads(json.dumps(document()))


@pytest.fixture
def signed(app, hosted):  # noqa: F811
    """A partner system with a key and one request already filed (so that reads and changes find something)."""
    _, key_id, secret = register_system("湖北黄冈交易平台", [hosted["huanggang"]])
    api = Signed(app.test_client(), key_id, secret)
    assert api.post("/api/v1/seat-requests", application(hosted)).status_code == 201
    return api


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_every_operation_answers_within_its_schema(signed, method, path):
    operation = schemathesis.openapi.from_dict(document()).find_operation_by_path(method.lower(), path)

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        body = None if case.body is None or case.media_type is None else json.dumps(case.body).encode()
        query = urlencode(case.query or {}, doseq=True)
        extra = {k: v for k, v in (case.headers or {}).items() if k == "Idempotency-Key" and v.isascii()}
        response = signed.call(method, case.formatted_path, body, query=query, headers=extra or None)
        case.validate_response(response, checks=CHECKS)

    run()
