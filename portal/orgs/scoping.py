"""CenterScoped: records owned by one trading center, whose region is the center's region."""
from sqlalchemy import select

from .models import TradingCenter


class CenterScoped:
    """A record owned by one trading center through its `center_id` column; its region is the center's."""

    @classmethod
    def center_clause(cls, center_id):
        return cls.center_id == center_id

    @classmethod
    def region_clause(cls, region_id):
        return cls.center_id.in_(select(TradingCenter.id).where(TradingCenter.region_id == region_id))
