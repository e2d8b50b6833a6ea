"""Identifiers that do not depend on the host name a page was asked under (Atom entry ids, iCalendar UIDs).

A calendar subscribed through two names of the same portal (its IP address and its DNS name, say) must not
show every event twice, so an id is derived from the record alone: a name-based UUID (RFC 4122 version 5) in
the portal's own namespace, which `ID_NAMESPACE` may set per installation (two portals that federate keep
theirs apart).
"""
import uuid

from flask import current_app, has_app_context

# The namespace of this product's identifiers (a fixed random UUID; installations may set their own).
DEFAULT_NAMESPACE = uuid.UUID("6f1d2c7e-4b9a-4f2e-9a51-3c8e0b7d5a12")


def _namespace() -> uuid.UUID:
    configured = current_app.config.get("ID_NAMESPACE") if has_app_context() else None
    return uuid.UUID(str(configured)) if configured else DEFAULT_NAMESPACE


def stable_uuid(kind: str, record_id: int) -> str:
    """The same UUID for the same record whatever the request's host (e.g. kind "notice", "seat-request")."""
    return str(uuid.uuid5(_namespace(), f"{kind}:{record_id}"))


def stable_urn(kind: str, record_id: int) -> str:
    """`urn:uuid:…` for an Atom id."""
    return f"urn:uuid:{stable_uuid(kind, record_id)}"
