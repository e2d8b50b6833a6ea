"""Who is told: the active accounts holding a role in a place (recipients of notifications and reminders).

Other features ask here by what they mean ("the supervisors of this region"), so that no feature outside
`auth` compares a role.
"""
from sqlalchemy import select

from ..extensions import db
from .models import Role, User


def _active_ids(*where) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.active.is_(True), *where).order_by(User.id)))


def center_staff_ids(*center_ids: int) -> list[int]:
    """The active staff accounts of these trading centers."""
    wanted = [c for c in center_ids if c]
    if not wanted:
        return []
    return _active_ids(User.role == Role.CENTER_STAFF, User.center_id.in_(wanted))


def supervisor_ids(region_id: int | None) -> list[int]:
    """The active supervisors (行政监督部门) of a region; none for no region."""
    if region_id is None:
        return []
    return _active_ids(User.role == Role.SUPERVISOR, User.region_id == region_id)


def province_admin_ids() -> list[int]:
    """The active provincial admins."""
    return _active_ids(User.role == Role.PROVINCE_ADMIN)


def prefecture_admin_ids(region_id: int) -> list[int]:
    """The active prefecture admins of a region (who file its monthly report)."""
    return _active_ids(User.role == Role.PREFECTURE_ADMIN, User.region_id == region_id)
