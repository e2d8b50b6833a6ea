"""Login, logout, password change and account management (provincial admins)."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..errors import show_on_form
from ..extensions import db
from ..htmx import render
from ..listing import int_arg, paginate, sort_choice
from ..orgs.models import Region, TradingCenter
from . import bp
from .forms import LoginForm, PasswordChangeForm, UserForm
from .models import ROLE_LABELS, Role, User
from .permissions import get_scoped_or_404, permission_required
from .rules import is_safe_next
from .services import AccountError, authenticate, change_password, ensure_not_last_admin, save_user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the failed-login audit entry
            form.password.errors.append("用户名或密码不正确，或账号已停用。")
        else:
            session.clear()  # a fresh session on login (no fixation)
            login_user(user)
            db.session.commit()
            flash(f"欢迎，{user.display_name}。", "success")
            return redirect(next_url if is_safe_next(next_url) else url_for("home.index"), 303)
    return render_template("auth/login.html", form=form, next_url=next_url if is_safe_next(next_url) else None)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", "user", current_user._get_current_object(), region_id=current_user.region_id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm(username=current_user.username)
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash("密码已修改。", "success")
            return redirect(url_for("home.index"), 303)
    return render_template("auth/password.html", form=form)


USER_SORTS = {"username": User.username, "name": User.display_name, "role": User.role,
              "region": Region.sort_order, "last_login": User.last_login_at}


@bp.route("/users/")
@permission_required("users.manage")
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    region_id = int_arg("region")
    stmt = (select(User).outerjoin(Region, User.region_id == Region.id)
            .options(selectinload(User.region), selectinload(User.center)))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like),
                              User.organisation.ilike(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if region_id:
        stmt = stmt.where(User.region_id == region_id)
    sort, desc, order = sort_choice(USER_SORTS, "username")
    page = paginate(stmt.order_by(order, User.id))
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    return render("auth/users.html", "auth/_users.html", page=page, q=q, role=role,
                  region_id=region_id, regions=regions, roles=ROLE_LABELS, sort=sort, desc=desc)


def _user_form_choices(form: UserForm):
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    centers = db.session.scalars(select(TradingCenter).where(TradingCenter.region_id.is_not(None))
                                 .order_by(TradingCenter.region_id, TradingCenter.name)).all()
    form.region_id.choices = [("", "（无）")] + [(r.id, r.name) for r in regions]
    form.center_id.choices = [("", "（无）")] + [(c.id, c.name) for c in centers]


def _save_user_form(user: User | None):
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    if request.method == "GET" and user:
        form.role.data = user.role.value
    _user_form_choices(form)
    if form.validate_on_submit():
        try:
            if user is not None:
                ensure_not_last_admin(user, form.role.data, form.active.data)
            saved = save_user(user, form.data)
        except AccountError as error:
            show_on_form(form, error, "username")
        else:
            db.session.commit()
            flash(f"账号 {saved.username} 已保存。", "success")
            return redirect(url_for("auth.users"), 303)
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("users.manage")
def user_new():
    return _save_user_form(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required("users.manage")
def user_edit(user_id):
    return _save_user_form(get_scoped_or_404("users.manage", User, user_id))
