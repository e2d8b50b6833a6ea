"""Cross-province partners: pairings, partner centers, joint testing, standing secondary venues; partner systems."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.permissions import can, get_scoped_or_404, permission_required
from ..clock import china_today
from ..errors import show_on_form
from ..extensions import db
from ..htmx import render
from ..listing import paginate
from ..orgs.models import Province, TradingCenter
from ..workbooks import workbook_with_table, xlsx_response
from ..workstations.services import standing_secondary_compliance
from ..workstations.standing import standing_records
from ..forms_base import ActionForm
from ..models_base import valid_id
from . import bp, rules, services
from . import systems as partner_systems
from .forms import EndPairingForm, ImportKeyForm, JointTestForm, KeyForm, PairingForm, SystemForm
from .models import JointTestEvent, OutboxEvent, Pairing, PartnerSystem


@bp.route("/")
@permission_required("partners.view")
def index():
    show_ended = request.args.get("ended", "1") != "0"
    page = paginate(services.pairings_query(include_ended=show_ended))
    # Contacts joined in the same query (a center has one or two): the page stays within its 8 statements.
    partner_centers = db.session.scalars(
        select(TradingCenter).join(Province, TradingCenter.province_id == Province.id)
        .where(Province.is_home.is_(False))
        .options(joinedload(TradingCenter.province), joinedload(TradingCenter.contacts))
        .order_by(Province.sort_order, TradingCenter.level_rank(), TradingCenter.name)).unique().all()
    compliance = standing_secondary_compliance()
    joint_tests, taken = services.joint_tests_with_taken([row.id for row, _ in compliance])
    return render("partners/index.html", "partners/_pairings.html", page=page, show_ended=show_ended,
                  partner_centers=partner_centers, joint_tests=joint_tests, compliance=compliance,
                  standing_records=standing_records(compliance, china_today(), joint_tests=taken))


def _pairing_form(pairing: Pairing | None):
    form = PairingForm(obj=pairing)
    centers = db.session.execute(
        select(TradingCenter.id, TradingCenter.name, Province.name, Province.is_home)
        .join(Province, TradingCenter.province_id == Province.id)
        .where(TradingCenter.active.is_(True))
        .order_by(Province.sort_order, TradingCenter.level_rank(), TradingCenter.name)).all()
    form.implementing_center_id.choices = [(cid, f"{prov} · {name}") for cid, name, prov, _ in centers]
    form.partner_center_ids.choices = [(cid, f"{prov} · {name}") for cid, name, prov, _ in centers]
    if request.method == "GET" and pairing is not None:
        form.partner_center_ids.data = [p.partner_center_id for p in pairing.partners]
    if form.validate_on_submit():
        try:
            saved = services.save_pairing(pairing, form.data)
        except services.PartnerError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("对口合作已保存。", "success")
            return redirect(url_for("partners.index") + f"#pairing-{saved.id}", 303)
    return render_template("partners/pairing_form.html", form=form, pairing=pairing,
                           end_form=EndPairingForm())


@bp.route("/pairings/new", methods=["GET", "POST"])
@permission_required("partners.manage")
def pairing_new():
    return _pairing_form(None)


def _load_pairing(pairing_id):
    return get_scoped_or_404("partners.manage", Pairing, pairing_id, options=(selectinload(Pairing.partners),))


@bp.route("/pairings/<int:pairing_id>/edit", methods=["GET", "POST"])
@permission_required("partners.manage")
def pairing_edit(pairing_id):
    return _pairing_form(_load_pairing(pairing_id))


@bp.route("/pairings/<int:pairing_id>/end", methods=["POST"])
@permission_required("partners.manage")
def pairing_end(pairing_id):
    pairing = _load_pairing(pairing_id)
    form = EndPairingForm()
    if form.validate_on_submit():
        try:
            services.end_pairing(pairing, form.end_date.data)
        except services.PartnerError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"对口合作已设定于 {form.end_date.data:%Y-%m-%d} 结束，记录保留。", "success")
    else:
        flash("请填写有效的结束日期。", "error")
    return redirect(url_for("partners.pairing_edit", pairing_id=pairing.id), 303)


@bp.route("/joint-tests/<int:province_id>", methods=["GET", "POST"])
@permission_required("partners.view")
def joint_tests(province_id):
    province = get_scoped_or_404("partners.view", Province, province_id)
    if province.is_home:
        abort(404)
    form = JointTestForm()
    form.center_ids.choices = [(cid, rules.listed_name(name, alias)) for cid, name, alias in services.home_centers()]
    if request.method == "POST":
        if not can("partners.manage"):
            abort(403)
        if form.validate_on_submit():
            try:
                services.add_joint_test_event(province, form.data)
            except services.PartnerError as error:
                show_on_form(form, error)
            else:
                db.session.commit()
                flash("联调联试进展已记录。", "success")
                return redirect(url_for("partners.joint_tests", province_id=province.id), 303)
    events = db.session.scalars(select(JointTestEvent).where(JointTestEvent.province_id == province.id)
                                .options(selectinload(JointTestEvent.centers))
                                .order_by(JointTestEvent.event_date.desc(), JointTestEvent.id.desc())).all()
    return render_template("partners/joint_tests.html", province=province, events=events, form=form)


@bp.route("/export.xlsx")
@permission_required("partners.view")
def export():
    rows = []
    for pairing in db.session.scalars(services.pairings_query()).all():
        for number, link in enumerate(pairing.partners, start=1):
            partner = link.partner_center
            rows.append([rules.listed_name(pairing.implementing_center.name, pairing.implementing_center.alias),
                         pairing.implementing_center.province.name, number,
                         rules.listed_name(partner.name, partner.alias), partner.province.name, partner.level,
                         pairing.start_date, pairing.end_date or "长期", pairing.basis])
    headers = ["实施单位", "实施单位所在省份", "序号", "合作援助单位", "合作援助单位所在省份", "层级", "开始日期",
               "结束日期", "依据"]
    workbook = workbook_with_table("对口合作", headers, rows, widths=[40, 14, 6, 44, 18, 8, 12, 12, 40])
    return xlsx_response(workbook, "跨省对口合作名单.xlsx")


# --- Partner systems and API keys (系统对接, issue 25) ----------------------------------------------------------

@bp.route("/systems/")
@permission_required("partners.api")
def systems():
    return render_template("partners/systems.html", systems=partner_systems.systems())


def _system_form(system: PartnerSystem | None) -> SystemForm:
    form = SystemForm(obj=system)
    form.center_ids.choices = partner_systems.partner_center_choices()
    if request.method == "GET" and system is not None:
        form.center_ids.data = [c.id for c in system.centers]
    return form


@bp.route("/systems/new", methods=["GET", "POST"])
@permission_required("partners.api")
def system_new():
    form = _system_form(None)
    if form.validate_on_submit():
        try:
            system = partner_systems.save_system(None, form.data)
        except partner_systems.SystemRefused as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("合作方系统已登记。请签发接口密钥并交给对方系统的管理员。", "success")
            return redirect(url_for("partners.system_show", system_id=system.id), 303)
    return render_template("partners/system_form.html", form=form, system=None), 422 if form.errors else 200


def _load_system(system_id) -> PartnerSystem:
    return get_scoped_or_404("partners.api", PartnerSystem, system_id,
                             options=(selectinload(PartnerSystem.centers), selectinload(PartnerSystem.keys)))


def _system_page(system: PartnerSystem, form=None, key_form=None, issued=None, status=200, import_form=None):
    return render_template("partners/system.html", system=system, form=form or _system_form(system),
                           import_form=import_form or ImportKeyForm(formdata=None),
                           key_form=key_form or KeyForm(expires_on=china_today() + timedelta(days=365)),
                           issued=issued, action_form=ActionForm(), events=partner_systems.deliveries(system.id),
                           today=china_today()), status


@bp.route("/systems/<int:system_id>", methods=["GET", "POST"])
@permission_required("partners.api")
def system_show(system_id):
    system = _load_system(system_id)
    form = _system_form(system)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                partner_systems.save_system(system, form.data)
            except partner_systems.SystemRefused as error:
                show_on_form(form, error)
            else:
                db.session.commit()
                flash("合作方系统已保存。", "success")
                return redirect(url_for("partners.system_show", system_id=system.id), 303)
        return _system_page(_load_system(system_id), form=form, status=422)
    return _system_page(system)


@bp.route("/systems/<int:system_id>/keys", methods=["POST"])
@permission_required("partners.api")
def system_key_new(system_id):
    system = _load_system(system_id)
    key_form = KeyForm()
    if not key_form.validate_on_submit():
        return _system_page(system, key_form=key_form, status=422)
    try:
        issued = partner_systems.issue_key(system, key_form.expires_on.data)
    except partner_systems.SystemRefused as error:
        show_on_form(key_form, error)
        return _system_page(_load_system(system_id), key_form=key_form, status=422)
    key_id, secret = issued.key.key_id, issued.secret
    db.session.commit()
    # Shown once, on this answer only (not a redirect: the secret is in no URL and no later page).
    return _system_page(_load_system(system_id), issued={"key_id": key_id, "secret": secret})


@bp.route("/systems/<int:system_id>/keys/import", methods=["POST"])
@permission_required("partners.api")
def system_key_import(system_id):
    """Register the key another portal issued to this one (federation)."""
    system = _load_system(system_id)
    form = ImportKeyForm()
    if not form.validate_on_submit():
        return _system_page(system, import_form=form, status=422)
    try:
        key = partner_systems.import_key(system, form.key_id.data, form.secret.data, form.expires_on.data)
    except partner_systems.SystemRefused as error:
        show_on_form(form, error)
        return _system_page(_load_system(system_id), import_form=form, status=422)
    key_id = key.key_id
    db.session.commit()
    flash(f"已登记对方门户签发的密钥 {key_id}。", "success")
    return redirect(url_for("partners.system_show", system_id=system_id), 303)


@bp.route("/systems/<int:system_id>/keys/<int:key_id>/revoke", methods=["POST"])
@permission_required("partners.api")
def system_key_revoke(system_id, key_id):
    system = _load_system(system_id)
    key = next((k for k in system.keys if k.id == key_id), None)
    if key is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            partner_systems.revoke_key(system, key)
        except partner_systems.SystemRefused as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"接口密钥 {key.key_id} 已撤销，使用它的请求将被拒绝。", "success")
    return redirect(url_for("partners.system_show", system_id=system_id), 303)


@bp.route("/systems/<int:system_id>/events/<int:event_id>/resend", methods=["POST"])
@permission_required("partners.api")
def system_event_resend(system_id, event_id):
    system = _load_system(system_id)
    event = db.session.get(OutboxEvent, valid_id(event_id))
    if event is None or event.system_id != system.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            partner_systems.resend(system, event)
        except partner_systems.SystemRefused as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"通知 #{event.id} 将重新发送。", "success")
    return redirect(url_for("partners.system_show", system_id=system_id) + "#deliveries", 303)
