"""An external guest venue (外省客场): the main venue's staff record the sign-in the partner confirmed and the
partner's published fee and meal standards; the agent records the payment of its experts. The section of the
evaluation page, and its htmx fragment."""
from flask import flash, redirect, url_for
from flask_login import current_user

from ...auth.permissions import permission_required
from ...confirming import confirmed
from ...bookings.services.fees import expert_fee_text, meal_fee_text
from ...clock import china_now
from ...errors import show_on_form
from ...extensions import db
from ...forms_base import china_to_utc
from ...htmx import fragment, wants_fragment
from .. import access, bp
from ..forms import ExternalFeesForm, ExternalSignInForm, PaymentForm
from ..services import external
from ..services.common import EvaluationError
from .common import Page, ask_payment, load, page, page_section, reload

FORMS = {"sign_in": ("external_sign_in_form", ExternalSignInForm), "fees": ("external_fees_form", ExternalFeesForm)}


def _refusal(form, error: EvaluationError) -> str | None:
    """A refusal about one field goes beside it (after the rollback); any other is shown above the section."""
    if error.field and error.field in form._fields:
        show_on_form(form, error)
        return None
    db.session.rollback()
    return str(error)


def _answer(evaluation_id, status: int = 200, *, failed=None, failed_id=None, error=None, message="", **forms):
    """After a change (committed) or a refusal (rolled back): the section again for htmx, else the page (a
    refusal, 422, with what was typed) or a redirect to the section (303)."""
    if status == 200 and not wants_fragment():
        flash(message, "success")
        return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#external", 303)
    evaluation = (reload(evaluation_id) if status != 200 else load(evaluation_id)).evaluation
    if wants_fragment():
        state = Page(evaluation, forms, failed, failed_id)
        return fragment("evaluations/_external.html", status=status, evaluation=evaluation, failed=failed,
                        failed_id=failed_id, acting=state.acting, external_error=error, **external_section(state))
    return page(evaluation, status, failed=failed, failed_id=failed_id, error=error, **forms)


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/external/sign-in", methods=["POST"])
@permission_required("evaluation.run")
def external_sign_in(evaluation_id, venue_id):
    """The main venue records the sign-in a partner province's venue confirmed: how many, when, confirmed by whom."""
    loaded = load(evaluation_id, "run", venue_id=venue_id)
    form = ExternalSignInForm()
    kept = {"failed": "external_sign_in", "failed_id": loaded.venue.id, "external_sign_in_form": form}
    if not form.validate_on_submit():
        return _answer(evaluation_id, 422, **kept)
    try:
        external.confirm_sign_in(loaded.evaluation, loaded.venue, form.count.data,
                                 china_to_utc(form.signed_in_at.data), form.contact.data)
    except EvaluationError as error:
        return _answer(evaluation_id, 422, error=_refusal(form, error), **kept)
    db.session.commit()
    return _answer(evaluation_id, message=f"已登记{loaded.venue.label}合作方确认的签到情况。")


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/external/fees", methods=["POST"])
@permission_required("evaluation.run")
def external_fees(evaluation_id, venue_id):
    """The main venue fills in the partner center's published fee and meal standards, where none are recorded."""
    loaded = load(evaluation_id, "run", venue_id=venue_id)
    form = ExternalFeesForm()
    kept = {"failed": "external_fees", "failed_id": loaded.venue.id, "external_fees_form": form}
    if not form.validate_on_submit():
        return _answer(evaluation_id, 422, **kept)
    try:
        external.enter_standards(loaded.evaluation, loaded.venue, form.amounts, form.expert_fee_base_hours.data,
                                 form.expert_fee_note.data)
    except EvaluationError as error:
        return _answer(evaluation_id, 422, error=_refusal(form, error), **kept)
    db.session.commit()
    return _answer(evaluation_id, message=f"已录入{loaded.venue.label}的收费标准。")


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/paid", methods=["POST"])
@permission_required("evaluation.pay")
def external_paid(evaluation_id, venue_id):
    """The agent records the payment of an external guest venue's experts (one amount for all of them)."""
    loaded = load(evaluation_id, "pay", venue_id=venue_id)
    venue = loaded.venue
    form = PaymentForm()
    kept = {"failed": "external_payment", "failed_id": venue.id, "payment_form": form}
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, **kept)
    corrected = venue.paid_at is not None
    whose = f"{venue.label}专家的劳务费"
    confirmation = None if corrected or confirmed() else ask_payment(whose, form, loaded.evaluation)
    if confirmation is not None:
        return page(loaded.evaluation, confirmation=confirmation)
    try:
        external.confirm_payment(loaded.evaluation, venue, form.value, form.reference.data or "",
                                 form.paid_on.data, form.correction.data)
    except EvaluationError as error:
        return page(reload(evaluation_id).evaluation, 422, error=_refusal(form, error), **kept)
    message = f"{venue.label}专家的劳务费" + ("支付已更正。" if corrected else "已登记支付。")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#fees", 303)


@page_section
def external_section(p: Page) -> dict:
    """Each external guest venue: the partner's confirmed sign-in, its center's standards, what is owed; the
    forms for those who run the venue (the main venue's staff). The partner's contact shows to them only."""
    venues = [v for v in p.guests if v.external]
    forms = {}
    for key, (name, form_class) in FORMS.items():
        form = p.form(name, form_class)
        if key == "sign_in" and name not in p.forms and form.signed_in_at.data is None:
            form.signed_in_at.data = china_now().replace(second=0, microsecond=0, tzinfo=None)
        forms[name] = form
    return {"external_venues": venues, **forms,
            "external_standards": {v.id: (expert_fee_text(v.center), meal_fee_text(v.center)) for v in venues},
            "external_sees_fees": access.may_see_fees(current_user, p.evaluation)}
