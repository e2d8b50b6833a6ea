"""Regions, trading centers and their contacts (provincial admins maintain them)."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..auth.permissions import get_scoped_or_404, permission_required
from ..errors import show_on_form
from ..extensions import db
from ..forms_base import ActionForm
from ..htmx import render
from ..listing import int_arg, paginate
from . import bp
from .forms import CenterForm, ContactForm
from .models import CenterContact, Province, Region, TradingCenter
from .services import OrgError, add_contact, remove_contact, save_center


@bp.route("/")
@permission_required("orgs.view")
def index():
    q = request.args.get("q", "").strip()[:60]
    province_id = int_arg("province")
    stmt = (select(TradingCenter)
            .join(Province, TradingCenter.province_id == Province.id)
            .outerjoin(Region, TradingCenter.region_id == Region.id)
            .options(selectinload(TradingCenter.contacts), selectinload(TradingCenter.region),
                     selectinload(TradingCenter.province))
            .order_by(Province.sort_order, Region.sort_order, TradingCenter.name))
    if q:
        stmt = stmt.where(or_(TradingCenter.name.ilike(f"%{q}%"), TradingCenter.alias.ilike(f"%{q}%"),
                              TradingCenter.short_name.ilike(f"%{q}%")))
    if province_id:
        stmt = stmt.where(TradingCenter.province_id == province_id)
    page = paginate(stmt)
    provinces = db.session.scalars(select(Province).order_by(Province.sort_order)).all()
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    return render("orgs/index.html", "orgs/_centers.html", page=page, q=q, province_id=province_id,
                  provinces=provinces, regions=regions)


def _with_choices(form: CenterForm) -> CenterForm:
    provinces = db.session.scalars(select(Province).order_by(Province.sort_order)).all()
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    form.province_id.choices = [(p.id, p.name) for p in provinces]
    form.region_id.choices = [("", "（外省，不属于本省地区）")] + [(r.id, r.name) for r in regions]
    return form


def _center_form(center: TradingCenter | None):
    form = _with_choices(CenterForm(obj=center))
    if form.validate_on_submit():
        try:
            saved = save_center(center, form.data)
        except OrgError as error:
            show_on_form(form, error, "name")
        else:
            db.session.commit()
            flash(f"交易中心“{saved.name}”已保存。", "success")
            return redirect(url_for("orgs.center_edit", center_id=saved.id), 303)
    return render_template("orgs/center_form.html", form=form, center=center,
                           contact_form=ContactForm(prefix="contact"), empty_form=ActionForm())


@bp.route("/centers/new", methods=["GET", "POST"])
@permission_required("orgs.manage")
def center_new():
    return _center_form(None)


def _load_center(center_id):
    return get_scoped_or_404("orgs.manage", TradingCenter, center_id,
                             options=(selectinload(TradingCenter.contacts),))


@bp.route("/centers/<int:center_id>/edit", methods=["GET", "POST"])
@permission_required("orgs.manage")
def center_edit(center_id):
    return _center_form(_load_center(center_id))


@bp.route("/centers/<int:center_id>/contacts", methods=["POST"])
@permission_required("orgs.manage")
def contact_add(center_id):
    center = _load_center(center_id)
    contact_form = ContactForm(prefix="contact")
    if contact_form.validate_on_submit():
        add_contact(center, contact_form.data)
        db.session.commit()
        flash(f"已添加联系人 {contact_form.name.data}。", "success")
        return redirect(url_for("orgs.center_edit", center_id=center.id), 303)
    # The contact form comes back with its messages and what was typed; the center form is unchanged.
    form = _with_choices(CenterForm(obj=center, formdata=None))
    return render_template("orgs/center_form.html", form=form, center=center,
                           contact_form=contact_form, empty_form=ActionForm()), 400


@bp.route("/centers/<int:center_id>/contacts/<int:contact_id>/delete", methods=["POST"])
@permission_required("orgs.manage")
def contact_delete(center_id, contact_id):
    center = _load_center(center_id)
    contact = db.session.get(CenterContact, contact_id)
    if contact is None or contact.center_id != center.id:
        abort(404)
    if ActionForm().validate_on_submit():
        remove_contact(center, contact)
        db.session.commit()
        flash("联系人已删除。", "success")
    return redirect(url_for("orgs.center_edit", center_id=center.id), 303)
