"""A partner system with a key, and a client that signs its calls (tests of the partner API, issue 25)."""
import json
import time

from portal.extensions import db
from portal.partners import signing, systems


def register_system(name: str, centers, callback_url: str | None = None, expires_on=None):
    """A partner system speaking for `centers`, and (key id, secret) of a new key."""
    from datetime import timedelta

    from portal.clock import china_today

    system = systems.save_system(None, {"name": name, "center_ids": [c.id for c in centers],
                                        "callback_url": callback_url or ""})
    issued = systems.issue_key(system, expires_on or china_today() + timedelta(days=365))
    db.session.commit()
    return system, issued.key.key_id, issued.secret


class Signed:
    """Calls the API through a Flask test client, signed with (key id, secret)."""

    def __init__(self, client, key_id: str, secret: str):
        self.client, self.key_id, self.secret = client, key_id, secret
        self.counter = 0

    def call(self, method: str, path: str, body=None, *, query: str = "", idempotency: str | None = None,
             now: float | None = None, secret: str | None = None, headers: dict | None = None):
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        signed = signing.headers(self.key_id, secret or self.secret, method, path, query, raw,
                                 time.time() if now is None else now)
        if method == "POST":
            self.counter += 1
            signed[signing.HEADER_IDEMPOTENCY] = idempotency or f"test-{time.time_ns()}-{self.counter}"
        signed.update(headers or {})
        target = f"{path}?{query}" if query else path
        return self.client.open(target, method=method, data=raw, headers=signed,
                                content_type="application/json" if raw else None)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.call("POST", path, body, **kwargs)
