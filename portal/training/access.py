"""Who enrols as what (pure): an account takes part in a training session as what it is.

The notice (seed 000, 五) names the participants: 招标人, 代理机构, 评标专家, 交易中心工作人员. An agent's account
is a tenderee's or an agency's; the staff of trading centers and the regions' and province's administrators
attend as 交易中心工作人员. Experts have no accounts (the organisers register them), and supervisors and
publicity staff are not among the participants: they ask the organisers to register them.
"""
from ..auth.models import Role

OWN_AUDIENCES: dict[Role, tuple[str, ...]] = {
    Role.AGENT: ("agency", "tenderee"),
    Role.CENTER_STAFF: ("staff",),
    Role.PREFECTURE_ADMIN: ("staff",),
    Role.PROVINCE_ADMIN: ("staff",),
}


def own_audiences(user, offered: list[str]) -> list[str]:
    """The session's audiences (`offered`, in its order) that `user` may enrol as."""
    mine = OWN_AUDIENCES.get(getattr(user, "role", None), ())
    return [key for key in offered if key in mine]
