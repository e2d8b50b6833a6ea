"""The guest centers' fee standards (收费标准): the meal-fee and expert fee standards a center publishes."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import get_scoped_or_404, permission_required
from ...extensions import db
from ...orgs.models import TradingCenter
from .. import access, bp
from ..forms import FeesForm
from ..services import fees as fee_service

AMOUNTS = ("meal_fee_yuan", "expert_fee_base_yuan", "expert_fee_extra_hour_yuan", "expert_fee_cap_yuan")


@bp.route("/fees")
@permission_required("bookings.fees")
def fees_home():
    """The account's own center's fee page, or the centers' list to pick one."""
    center_id = access.fees_center_id(current_user)
    if center_id:
        return redirect(url_for("bookings.fees", center_id=center_id))
    return redirect(url_for("orgs.index"))


@bp.route("/fees/<int:center_id>", methods=["GET", "POST"])
@permission_required("bookings.fees")
def fees(center_id):
    """Publish a center's meal-fee and expert fee standards (shown to the main side before filing)."""
    center = get_scoped_or_404("bookings.fees", TradingCenter, center_id)
    form = FeesForm(obj=center)
    if request.method == "GET":
        for name in AMOUNTS:
            value = getattr(center, name)
            getattr(form, name).data = "" if value is None else f"{value:.2f}"
        return render_template("bookings/fees.html", form=form, center=center)
    if not form.validate_on_submit():
        return render_template("bookings/fees.html", form=form, center=center), 422
    fee_service.save_fees(center, form.amounts, form.expert_fee_base_hours.data, form.expert_fee_note.data)
    db.session.commit()
    flash(f"{center.name}的收费标准已更新，主场申请客场机位时可见。", "success")
    return redirect(url_for("bookings.fees", center_id=center.id), 303)
