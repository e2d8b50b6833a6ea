"""Guest-seat request (客场机位申请) routes, one module per sub-area, all on the one blueprint `bp`.

Thin views in a fixed order: load in scope or 404 and check the record's own rule or 403 (the loaders in
`common`, which ask portal.bookings.access), call the service, commit once, render or redirect 303.
"""
from .. import bp, models  # noqa: F401  (bp is what create_app registers; the models join the metadata)
from ..rules import Status
from . import (  # noqa: F401  (routes, and the section page's panel)
    answering,
    availability,
    calendars,
    changes,
    feeds,
    fees,
    filing,
    inbound,
    lifecycle,
    lists,
    section_panel,
)


@bp.app_context_processor
def _seat_request_helpers():
    return {"seat_statuses": Status}
