"""During and after the evaluation: duties, incidents, clues, the hand-over and its receipt, the files, the
fees and their payment; and those sections of the evaluation page."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ... import uploads
from ...auth.permissions import permission_required
from ...confirming import confirmed
from ...errors import show_on_form
from ...clock import china_now
from ...extensions import db
from ...forms_base import china_to_utc
from ...htmx import fragment, wants_fragment
from .. import access, bp, rules
from ..forms import ClueForm, DutyForm, HandoverForm, IncidentForm, PaymentForm, ReceiveForm, ReportForm, ResumeForm
from ..services import aftermath
from ..services.common import UPLOAD_FEATURE, EvaluationError
from .common import Page, ask_payment, load, page, page_section, refused, reload, run_venue, venue_of

CLUE_MAX_BYTES = 20 * uploads.MB
HANDOVER_MAX_BYTES = 50 * uploads.MB


def _back(evaluation_id, message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + anchor, 303)


def _on_form(form, error) -> dict:
    """A refusal about one field goes beside it; any other is shown at the top of the page."""
    if error.field and error.field in form._fields:
        show_on_form(form, error)
        return {}
    return {"error": str(error)}


def _venue_choices(evaluation, form) -> None:
    # Every venue is a valid choice to post; whether the person runs it is the loader's (run_venue) question.
    form.venue_id.choices = [(v.id, v.label) for v in evaluation.venues]


# --- duties, incidents -----------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/duties", methods=["POST"])
@permission_required("evaluation.run")
def duty(evaluation_id, venue_id):
    """Tick or untick one item of a guest venue's duty checklist (htmx answers with the checklist)."""
    loaded = load(evaluation_id, "run", venue_id=venue_id)
    form = DutyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        aftermath.tick_duty(loaded.evaluation, loaded.venue, form.item.data, form.note.data or "",
                            form.done.data == "1")
    except EvaluationError as error:
        return refused(evaluation_id, error)
    db.session.commit()
    if wants_fragment():
        evaluation = load(evaluation_id).evaluation
        return fragment("evaluations/_duty_checklist.html", evaluation=evaluation,
                        venue=venue_of(evaluation, venue_id), duties=aftermath.duties_of(evaluation),
                        duty_items=rules.DUTY_ITEMS, acting={loaded.venue.id})
    return _back(evaluation_id, "保障清单已更新。", "#duties")


@bp.route("/<int:evaluation_id>/incidents", methods=["POST"])
@permission_required("evaluation.run")
def incident(evaluation_id):
    """A venue reports an incident (power, network, devices, ...)."""
    evaluation = load(evaluation_id, "run").evaluation
    form = IncidentForm()
    _venue_choices(evaluation, form)
    if not form.validate_on_submit():
        return page(evaluation, 422, incident_form=form, failed="incident")
    venue = run_venue(evaluation, form.venue_id.data)
    data = {"kind": form.kind.data, "occurred_at": china_to_utc(form.occurred_at.data), "effect": form.effect.data,
            "handling": form.handling.data, "resumed_at": china_to_utc(form.resumed_at.data)}
    try:
        aftermath.report_incident(evaluation, venue, data)
    except EvaluationError as error:
        return page(reload(evaluation_id).evaluation, 422, incident_form=form, failed="incident",
                    **_on_form(form, error))
    db.session.commit()
    return _back(evaluation_id, "突发情况已登记，主场和行政监督部门已收到通知。", "#incidents")


@bp.route("/<int:evaluation_id>/incidents/<int:incident_id>/resume", methods=["POST"])
@permission_required("evaluation.run")
def resume(evaluation_id, incident_id):
    """The venue records when the evaluation resumed after its incident."""
    loaded = load(evaluation_id, "run", incident_id=incident_id)
    form = ResumeForm()
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, resume_form=form, failed="resume", failed_id=loaded.incident.id)
    try:
        aftermath.resume_incident(loaded.evaluation, loaded.incident, china_to_utc(form.resumed_at.data),
                                  form.handling.data or "")
    except EvaluationError as error:
        form.resumed_at.errors = [str(error)]
        return page(reload(evaluation_id).evaluation, 422, resume_form=form, failed="resume", failed_id=incident_id)
    db.session.commit()
    return _back(evaluation_id, "已登记恢复。", "#incidents")


# --- clues ----------------------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/clues", methods=["POST"])
@uploads.limit(61 * uploads.MB)
@permission_required("evaluation.run")
def clue(evaluation_id):
    """A guest venue transfers a suspected violation, with files, to the main venue (线索移交)."""
    evaluation = load(evaluation_id, "run").evaluation
    form = ClueForm()
    _venue_choices(evaluation, form)
    valid = form.validate_on_submit()
    files = uploads.checked_files(form.files, uploads.DOCUMENTS, CLUE_MAX_BYTES)
    if not valid or form.files.errors:
        return page(evaluation, 422, clue_form=form, failed="clue")
    venue = run_venue(evaluation, form.venue_id.data)
    try:
        with uploads.transaction(UPLOAD_FEATURE) as batch:
            aftermath.file_clue(evaluation, venue, form.text.data, files, batch)
    except EvaluationError as error:
        return page(reload(evaluation_id).evaluation, 422, clue_form=form, failed="clue", **_on_form(form, error))
    return _back(evaluation_id, "线索已移交主场。", "#clues")


@bp.route("/<int:evaluation_id>/clues/<int:clue_id>/report", methods=["POST"])
@permission_required("evaluation.manage")
def report(evaluation_id, clue_id):
    """The main venue records its report of a clue to the supervising department."""
    loaded = load(evaluation_id, "manage", clue_id=clue_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, report_form=form, failed="report", failed_id=loaded.clue.id)
    try:
        aftermath.report_clue(loaded.evaluation, loaded.clue, form.reported_to.data, form.note.data or "")
    except EvaluationError as error:
        show_on_form(form, error, "reported_to")
        return page(reload(evaluation_id).evaluation, 422, report_form=form, failed="report", failed_id=clue_id)
    db.session.commit()
    return _back(evaluation_id, "已登记向行政监督部门报告。", "#clues")


# --- hand-over and files ------------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/handover", methods=["POST"])
@uploads.limit(151 * uploads.MB)
@permission_required("evaluation.run")
def handover(evaluation_id):
    """A guest venue hands one kind of material to the main venue (file or physical)."""
    evaluation = load(evaluation_id, "run").evaluation
    form = HandoverForm()
    _venue_choices(evaluation, form)
    valid = form.validate_on_submit()
    files = (uploads.checked_files(form.files, (*uploads.DOCUMENTS, "mp4"), HANDOVER_MAX_BYTES)
             if form.mode.data == "file" else [])
    if not valid or form.files.errors:
        return page(evaluation, 422, handover_form=form, failed="handover")
    venue = run_venue(evaluation, form.venue_id.data)
    try:
        with uploads.transaction(UPLOAD_FEATURE) as batch:
            aftermath.hand_over(evaluation, venue, form.kind.data, form.mode.data, form.reference.data or "", files,
                                batch)
    except EvaluationError as error:
        return page(reload(evaluation_id).evaluation, 422, handover_form=form, failed="handover",
                    **_on_form(form, error))
    return _back(evaluation_id, f"{rules.HANDOVER_LABELS[form.kind.data]}已登记移交。", "#handover")


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/receive", methods=["POST"])
@permission_required("evaluation.manage")
def receive(evaluation_id, venue_id):
    """The main venue confirms it received a guest venue's records."""
    loaded = load(evaluation_id, "manage", venue_id=venue_id)
    form = ReceiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        aftermath.confirm_receipt(loaded.evaluation, loaded.venue, form.note.data or "")
    except EvaluationError as error:
        return refused(evaluation_id, error)
    db.session.commit()
    return _back(evaluation_id, f"已确认接收{loaded.venue.label}移交的资料。", "#handover")


@bp.route("/<int:evaluation_id>/files/<int:attachment_id>")
@permission_required("evaluation.view")
def attachment(evaluation_id, attachment_id):
    """A clue's file: the two venues and supervisors; a hand-over file: the venues and supervisors."""
    return uploads.send_stored(UPLOAD_FEATURE, load(evaluation_id, attachment_id=attachment_id).attachment)


# --- fees and payment ----------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/members/<int:member_id>/paid", methods=["POST"])
@permission_required("evaluation.pay")
def paid(evaluation_id, member_id):
    """The agent confirms that one expert was paid."""
    loaded = load(evaluation_id, "pay", member_id=member_id)
    member = loaded.member
    form = PaymentForm()
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, payment_form=form, failed="payment", failed_id=member.id)
    corrected = member.paid_at is not None
    whose = f"{member.venue.label}评委席位 {member.seat_no} 的劳务费"
    confirmation = None if corrected or confirmed() else ask_payment(whose, form, loaded.evaluation)
    if confirmation is not None:
        return page(loaded.evaluation, confirmation=confirmation)
    try:
        aftermath.confirm_payment(loaded.evaluation, member, form.value, form.reference.data or "",
                                  form.paid_on.data, form.correction.data)
    except EvaluationError as error:
        show_on_form(form, error, "amount")
        return page(reload(evaluation_id).evaluation, 422, payment_form=form, failed="payment", failed_id=member_id)
    message = f"{member.venue.label}评委席位 {member.seat_no} 的劳务费" + ("支付已更正。" if corrected else "已登记支付。")
    db.session.commit()
    return _back(evaluation_id, message, "#fees")


# --- the page's sections ------------------------------------------------------------------------------------------

@page_section
def duties_section(p: Page) -> dict:
    """Each guest venue's checklist, ticked by those who run the venue."""
    return {"duty_venues": p.guests, "duties": aftermath.duties_of(p.evaluation), "duty_items": rules.DUTY_ITEMS}


@page_section
def incidents_section(p: Page) -> dict:
    """The incidents, and the forms to report one or its resumption (for the venues one runs)."""
    form = p.form("incident_form", IncidentForm)
    form.venue_id.choices = [(v.id, v.label) for v in p.evaluation.venues if v.id in p.acting]
    if "incident_form" not in p.forms and form.occurred_at.data is None:
        # A blank form starts at "now" (China time, to the minute): incidents are reported as they happen.
        form.occurred_at.data = china_now().replace(second=0, microsecond=0, tzinfo=None)
    return {"incidents": aftermath.incidents_of(p.evaluation), "incident_labels": rules.INCIDENT_LABELS,
            "incident_form": form, "resume_form": p.form("resume_form", ResumeForm)}


def _guest_choices(p: Page, form):
    form.venue_id.choices = [(v.id, v.label) for v in p.guests if v.id in p.acting]
    return form


@page_section
def clues_section(p: Page) -> dict:
    """The clues the person may read, the main venue's report form, a guest venue's form to file one."""
    see = access.may_see_clues(current_user, p.evaluation)
    clues = [c for c in aftermath.clues_of(p.evaluation)
             if access.may_read_clue(current_user, p.evaluation, c.venue_id)] if see else []
    return {"see_clues": see, "clues": clues, "clue_form": _guest_choices(p, p.form("clue_form", ClueForm)),
            "may_file_clue": any(v.id in p.acting for v in p.guests),
            "report_form": p.form("report_form", ReportForm)}


@page_section
def handover_section(p: Page) -> dict:
    """After the end: what each guest venue handed over, the main venue's receipt, the form to hand over."""
    ended = p.evaluation.ended
    return {"handover_venues": p.guests, "handover": aftermath.handover_items_of(p.evaluation) if ended else {},
            "handover_kinds": rules.HANDOVER_KINDS,
            "handover_form": _guest_choices(p, p.form("handover_form", HandoverForm)),
            "may_hand_over": any(v.id in p.acting for v in p.guests), "receive_form": ReceiveForm(formdata=None)}


@page_section
def fees_section(p: Page) -> dict:
    """After the end: each seated member's fee and each external guest venue's, and the agent's forms to confirm
    their payment."""
    evaluation = p.evaluation
    return {"see_fees": evaluation.ended and access.may_see_fees(current_user, evaluation),
            "fee_members": [m for m in p.members if m.seated],
            "fee_venues": [v for v in p.guests if v.external],   # 外省客场: one amount for its experts
            "may_pay": access.may_record_payment(current_user, evaluation, evaluation.section.project.owner_id),
            "payment_form": p.form("payment_form", PaymentForm)}
