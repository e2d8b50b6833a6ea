"""An ended evaluation freezes its section (issue 22 item 4): projects asks this hook before a section changes."""
from sqlalchemy import select

from ...extensions import db
from ...projects.holds import SectionHold, section_holds
from ..models import Evaluation


def section_hold(section_id: int) -> SectionHold | None:
    """The section's evaluation once the end instruction was given (评审结束): its figures are final."""
    ended = db.session.scalar(select(Evaluation.id).where(Evaluation.section_id == section_id,
                                                          Evaluation.ended_at.is_not(None)))
    return SectionHold("评审已经结束", ended=True) if ended is not None else None


section_holds.append(section_hold)
