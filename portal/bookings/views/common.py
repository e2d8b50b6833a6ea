"""What the views of guest-seat requests share: the loaders (within the account's scope or 404, then the
record's own rule from portal.bookings.access or 403), the request page and the buttons posted from it."""
from dataclasses import dataclass
from functools import wraps

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ...auth.permissions import get_scoped_or_404, permission_required
from ...experts.services import specialty_tree
from ...extensions import db
from ...htmx import render
from ...projects.models import Section
from ...clock import china_today
from .. import access
from ..forms import ReasonForm
from ..models import CalendarFeed, SeatRequest
from ..rules import HOLDING_STATUSES, Action, Side, outcome_text
from ..services import changes, lifecycle
from ..services.common import BookingError, request_options


@dataclass(frozen=True)
class Loaded:
    """A request loaded for a view: the side the account takes `need` on, and what it may do now."""

    req: SeatRequest
    need: Action | None
    side: Side | None           # None when the view only shows the request
    actions: frozenset[Action]  # every action the account may take on the request in its status


def load(request_id, need: Action | None = None) -> Loaded:
    """The request within the account's scope for `need` (404 outside it), refused (403) when no side the
    account stands on may take `need` (the life cycle tells the right side in the wrong status why not)."""
    req = get_scoped_or_404(access.PERMISSIONS[need], SeatRequest, request_id, options=request_options())
    owner_id = req.section.project.owner_id
    side = None
    if need is not None:
        side = access.acting_side(current_user, req, owner_id, need)
        if side is None:
            abort(403)
    return Loaded(req, need, side, access.actions(current_user, req, owner_id))


def with_request(need: Action | None = None):
    """Route decorator for /<request_id>/...: the table's permission for `need` (else 403, before anything is
    read), then `load`; the view is called with the Loaded request."""

    def decorator(view):
        @permission_required(access.PERMISSIONS[need])
        @wraps(view)
        def wrapped(request_id):
            return view(load(request_id, need))

        return wrapped

    return decorator


def load_section(section_id) -> Section:
    """The section a request is filed for: within the account's scope (404), on its main side (403)."""
    section = get_scoped_or_404("bookings.request", Section, section_id,
                                options=(joinedload(Section.project), joinedload(Section.main_center)))
    if not access.files_for(current_user, section.main_center_id, section.project.owner_id):
        abort(403)
    return section


def load_feed(feed_id) -> CalendarFeed:
    """A calendar feed with its center: within the account's scope (404), of a center it manages (403)."""
    feed = get_scoped_or_404("bookings.feeds", CalendarFeed, feed_id, options=(joinedload(CalendarFeed.center),))
    if not access.may_manage_feeds(current_user, feed.center_id):
        abort(403)
    return feed


def specialty_choices() -> list[tuple[int, str]]:
    """The active specialties as choices of a select field."""
    return [(s.id, f"{s.code} {s.name}") for s in specialty_tree(active_only=True)]


def request_page(loaded: Loaded, status: int = 200, reason_form: ReasonForm | None = None,
                 failed: str | None = None):
    """The request's page: its facts, seats, the actions the account may take, and the timeline."""
    req = loaded.req
    sides = access.sides(current_user, req, req.section.project.owner_id)
    return render("bookings/show.html", "bookings/_status.html", status=status, req=req, section=req.section,
                  project=req.section.project, actions=loaded.actions, Action=Action,
                  open_change=changes.pending(req), change_history=changes.history(req),
                  on_main=Side.MAIN in sides, on_guest=Side.GUEST in sides,
                  holding=req.status in HOLDING_STATUSES,
                  bookings=lifecycle.bookings_of(req, active_only=False), timeline=lifecycle.timeline(req),
                  today=china_today(), reason_form=reason_form or ReasonForm(formdata=None), failed=failed)


def act(loaded: Loaded, run):
    """Run a life-cycle action posted from the request page, as `run(req, side, form)`; a refusal is shown on
    the page with the reason typed (422), a success redirects to it (303)."""
    failed = loaded.need.value
    form = ReasonForm()
    if not form.validate_on_submit():
        return request_page(loaded, 422, reason_form=form, failed=failed)
    request_id = loaded.req.id
    try:
        run(loaded.req, loaded.side, form)
    except BookingError as error:
        db.session.rollback()
        form.reason.errors.append(str(error))
        return request_page(load(request_id), 422, reason_form=form, failed=failed)
    db.session.commit()
    req = loaded.req
    flash(f"申请 {req.number} {outcome_text(req.status)}。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)
