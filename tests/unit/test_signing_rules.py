"""The partner API's signing, replay window, idempotency-key and backoff rules (portal/partners/signing.py)."""
import hashlib
import hmac

import pytest

from portal.partners import signing

NOW = 1_800_000_000
SECRET = "s3cret"


def test_the_canonical_text_is_four_lines():
    body = b'{"a":1}'
    assert signing.canonical("post", "/api/v1/x", "b=2&a=1", "1800000000", body) == \
        "POST\n/api/v1/x?b=2&a=1\n1800000000\n" + hashlib.sha256(body).hexdigest()
    assert signing.canonical("GET", "/api/v1/x", "", "1", b"").split("\n")[1] == "/api/v1/x"


def test_the_signature_is_hmac_sha256_hex_of_the_canonical_text():
    expected = hmac.new(SECRET.encode(), signing.canonical("GET", "/p", "", "5", b"").encode(),
                        hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, "GET", "/p", "", "5", b"") == expected


@pytest.mark.parametrize("timestamp, code", [
    (None, "missing_timestamp"),
    ("", "missing_timestamp"),
    ("abc", "bad_timestamp"),
    ("-5", "bad_timestamp"),
    ("１８００", "bad_timestamp"),            # full-width digits
    ("9" * 13, "bad_timestamp"),
    (str(NOW - 301), "stale_timestamp"),     # a recorded call replayed later
    (str(NOW + 301), "stale_timestamp"),     # a clock far ahead
    (str(NOW - 300), None),                  # the window's edges are inside
    (str(NOW + 300), None),
    (str(NOW), None),
])
def test_the_replay_window(timestamp, code):
    problem = signing.timestamp_problem(timestamp, NOW)
    assert (problem.code if problem else None) == code


SIGNED = signing.sign(SECRET, "POST", "/api/v1/seat-requests", "", str(NOW), b"{}")


@pytest.mark.parametrize("method, path, query, body, signature, code", [
    ("POST", "/api/v1/seat-requests", "", b"{}", SIGNED, None),
    ("POST", "/api/v1/seat-requests", "", b"{}", SIGNED.upper(), None),          # hex in either case
    ("POST", "/api/v1/seat-requests", "", b"{}", None, "missing_signature"),
    ("POST", "/api/v1/seat-requests", "", b'{"x":1}', SIGNED, "bad_signature"),  # another body
    ("GET", "/api/v1/seat-requests", "", b"{}", SIGNED, "bad_signature"),       # another method
    ("POST", "/api/v1/seat-requests/1", "", b"{}", SIGNED, "bad_signature"),    # another path
    ("POST", "/api/v1/seat-requests", "a=1", b"{}", SIGNED, "bad_signature"),   # a query added
])
def test_the_signature_covers_method_path_query_and_body(method, path, query, body, signature, code):
    problem = signing.signature_problem(SECRET, method, path, query, str(NOW), body, signature)
    assert (problem.code if problem else None) == code


def test_another_secret_does_not_verify():
    assert signing.signature_problem("other", "POST", "/api/v1/seat-requests", "", str(NOW), b"{}",
                                     SIGNED).code == "bad_signature"


@pytest.mark.parametrize("method, key, code", [
    ("GET", None, None),                 # reading needs none
    ("POST", None, "missing_idempotency_key"),
    ("POST", "", "missing_idempotency_key"),
    ("POST", "req-2026-0001", None),
    ("POST", "x" * 80, None),
    ("POST", "x" * 81, "bad_idempotency_key"),
    ("POST", "有中文", "bad_idempotency_key"),
    ("POST", "a b", "bad_idempotency_key"),
])
def test_idempotency_keys(method, key, code):
    problem = signing.idempotency_problem(method, key)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize("first, retry, same", [
    (("POST", "/a", b"{}"), ("POST", "/a", b"{}"), True),
    (("POST", "/a", b"{}"), ("POST", "/a", b'{"x":1}'), False),
    (("POST", "/a", b"{}"), ("POST", "/b", b"{}"), False),
])
def test_a_retry_is_the_same_call_only_with_the_same_method_path_and_body(first, retry, same):
    assert signing.same_call(signing.fingerprint(*first), *retry) is same


@pytest.mark.parametrize("attempts, seconds", [(1, 30), (2, 60), (3, 120), (5, 480), (10, 15360), (20, 21600)])
def test_delivery_backoff_doubles_up_to_six_hours(attempts, seconds):
    assert signing.backoff_seconds(attempts) == seconds
