"""Cross-province partners: pairings, partner centers, joint testing, standing secondary venues."""
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
from . import bp, rules, services
from .forms import EndPairingForm, JointTestForm, PairingForm
from .models import JointTestEvent, Pairing


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
