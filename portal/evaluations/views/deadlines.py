"""The deadlines board (期限提醒): what is due after the evaluations, for the person asking."""
from flask_login import current_user

from ...auth.permissions import permission_required
from ...htmx import render
from ...clock import china_today
from .. import access, bp, rules
from ..services import deadlines as due


@bp.route("/deadlines")
@permission_required("evaluation.deadlines")
def deadlines():
    """Filing, hand-over, receipt and payment deadlines: own items, or the region's overdue ones."""
    today = china_today()
    reach = access.due_reach(current_user)
    items = due.due_items(reach, today)
    overdue = [i for i in items if i.overdue(today)]
    return render("evaluations/deadlines.html", "evaluations/_deadlines.html", items=items, overdue=overdue,
                  today=today, kinds=rules.DueKind, overdue_only=reach.overdue_only)
