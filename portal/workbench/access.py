"""Which cards each role's workbench shows (pure): the one place the workbench looks at a role.

Every builder still reads only within the permission table's scopes, so a card never shows a record its reader
could not open.
"""
from ..auth.models import Role

CARDS: dict[Role, tuple[str, ...]] = {
    Role.CENTER_STAFF: ("inbox", "week", "due", "shortage"),
    Role.AGENT: ("sections", "requests", "payments"),
    Role.PREFECTURE_ADMIN: ("centers", "report", "overdue"),
    Role.PROVINCE_ADMIN: ("late_regions", "standing", "joint_tests", "overdue"),
    Role.SUPERVISOR: ("clues", "incidents", "exemptions", "overdue"),
    Role.PUBLICITY: ("notices", "training"),
}


def cards_for(user) -> tuple[str, ...]:
    """The keys of the cards `user` gets, in the order shown; none for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return CARDS.get(user.role, ())
