"""Record-level access of guest-seat requests (pure): which side of a request an account stands on, what it
may do with the request now, and which center's calendar, fee standards and feeds it works with.

The permission table (portal.auth.permissions) says which roles may do something and which records their
scope reaches; the rules here decide, for a record already reached, in which capacity the account acts on it.
The loaders in portal/bookings/views/common.py ask here, so no view or service compares a role.

No Flask and no database: `user` is anything with .id, .role, .center_id and .region_id; the other arguments
are plain values or records already loaded (nothing here follows a relationship).
"""
from ..auth.models import Role
from .rules import ALLOWED, Action, Side, allowed_actions

# The permission of the table each life-cycle action needs (None: looking at a request). A route asks the
# table for it before anything is read, and the loader loads the request within the same permission's scope.
PERMISSIONS: dict[Action | None, str] = {
    None: "bookings.view",
    Action.SUBMIT: "bookings.request",
    Action.EDIT: "bookings.request",
    Action.WITHDRAW: "bookings.request",
    Action.ACCEPT: "bookings.answer",
    Action.REJECT: "bookings.answer",
    Action.CANCEL: "bookings.act",
    Action.COMPLETE: "bookings.act",
}
SIDE_ORDER = (Side.MAIN, Side.GUEST)   # an account on both sides acts as the main side first
# The sides that may ever take an action, in some status: another side is refused outright (403), while the
# right side in the wrong status is told why by the life cycle (422).
_EVER: dict[Action, frozenset[Side]] = {
    action: frozenset(side for (_, a), sides in ALLOWED.items() if a is action for side in sides)
    for action in Action
}


def is_staff_of(user, center_id: int | None) -> bool:
    """Whether `user` is a staff member (工作人员) of this trading center."""
    return user.role is Role.CENTER_STAFF and center_id is not None and user.center_id == center_id


def files_for(user, main_center_id: int, owner_id: int | None) -> bool:
    """Whether `user` stands on the main side (主场) of a section: the agent who registered its project
    (`owner_id`), or the staff of its main center."""
    return (user.role is Role.AGENT and owner_id == user.id) or is_staff_of(user, main_center_id)


def sides(user, req, owner_id: int | None) -> frozenset[Side]:
    """The sides `user` acts on for the request (the rule SeatRequest.center_clause_for writes as SQL).

    `req` needs main_center_id, guest_center_id, cross_province and inbound; `owner_id` is its project's owner. A
    guest center of another province has no staff in this portal: the main center's staff answer for it; a main
    venue of another province neither: for an inbound request the guest center's staff act for the main side.
    """
    found = set()
    if files_for(user, req.main_center_id, owner_id) or (req.inbound and is_staff_of(user, req.guest_center_id)):
        found.add(Side.MAIN)
    if is_staff_of(user, req.guest_center_id) or (req.cross_province and is_staff_of(user, req.main_center_id)):
        found.add(Side.GUEST)
    return frozenset(found)


def actions(user, req, owner_id: int | None) -> frozenset[Action]:
    """The actions `user` may take on the request in its present status, on any side it stands on."""
    return frozenset(a for side in sides(user, req, owner_id) for a in allowed_actions(req.status, side))


def acting_side(user, req, owner_id: int | None, action: Action) -> Side | None:
    """The side `user` takes `action` on: one the life cycle lets take it now, else one that may take it in
    some status (the life cycle then says why not now); None when no side of the user ever may (403)."""
    mine = sides(user, req, owner_id)
    now = [s for s in SIDE_ORDER if s in mine and action in allowed_actions(req.status, s)]
    if now:
        return now[0]
    return next((s for s in SIDE_ORDER if s in mine and s in _EVER[action]), None)


def calendar_center_id(user, wanted_id: int | None, visible_ids: list[int]) -> int | None:
    """Whose booking calendar the page shows: the center asked for, else the account's own center, else the
    first one it may see; None when that center is not among those it may see (404)."""
    center_id = wanted_id or user.center_id
    if not center_id:
        return visible_ids[0] if visible_ids else None
    return center_id if center_id in visible_ids else None


def may_manage_feeds(user, center_id: int | None) -> bool:
    """Whether `user` creates and revokes the private calendar feeds of this center: its own staff only."""
    return is_staff_of(user, center_id)


def feeds_center_id(user) -> int | None:
    """The center whose feeds the account manages (its own), or None."""
    return user.center_id if may_manage_feeds(user, user.center_id) else None


def fees_center_id(user) -> int | None:
    """The center whose fee standards (收费标准) the account's fee link opens: its own; None for an account of
    no center (it picks a center from the organisations page)."""
    return user.center_id or None
