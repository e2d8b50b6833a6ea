"""Who a monthly report concerns (pure): which regions' reports an account files and is reminded of."""
from ..auth.models import Role

ALL_REGIONS = None


def filed_region_ids(user) -> list[int] | None | bool:
    """The regions whose report `user` files: [its region] for a prefecture admin, ALL_REGIONS (None) for a
    provincial admin (the provincial center's row and, in practice, any late region), False for everyone else."""
    if user.role is Role.PREFECTURE_ADMIN and user.region_id:
        return [user.region_id]
    if user.role is Role.PROVINCE_ADMIN:
        return ALL_REGIONS
    return False
