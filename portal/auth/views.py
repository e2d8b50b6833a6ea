"""Login, logout, password change and account management (provincial admins)."""
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..errors import show_on_form
from ..extensions import db, login_manager
from ..htmx import render
from ..listing import int_arg, paginate, sort_choice
from ..models_base import valid_id
from ..orgs.models import Region, TradingCenter
from . import bp, rules, thresholds, twofactor
from .forms import CodeForm, ConfirmForm, LoginForm, PasswordChangeForm, ThresholdsForm, UserForm, policy_form_class
from .models import ADMINISTRATION_ROLES, ROLE_LABELS, Role, SessionEnd, User
from .permissions import get_scoped_or_404, permission_required
from .rules import is_safe_next
from .services import (
    CONFIRMED_AT,
    LOGGED_IN_AT,
    SEEN_AT,
    SEEN_EVERY_SECONDS,
    AccountError,
    LockedOut,
    authenticate,
    change_password,
    confirm_password,
    end_all_sessions,
    end_own_session,
    end_session,
    ensure_not_last_admin,
    open_session,
    open_sessions,
    renew_session,
    save_user,
    session_seen,
)


PENDING_USER, PENDING_AT, PENDING_NEXT = "pending_uid", "pending_at", "pending_next"   # between the two steps
MUST_ENROL, MUST_CHANGE_PASSWORD = "must_enrol", "must_change_password"


def _finish_login(user: User, next_url: str | None):
    """Both steps passed: a new session; an account whose role requires two factors but has none is sent to
    enrol first, a password older than its role allows to be changed (session flags: enforce_session_limits)."""
    enrol, expired = twofactor.must_enrol(user), twofactor.password_expired(user)
    open_session(user, request.remote_addr, request.user_agent.string)
    db.session.commit()
    flash(f"欢迎，{user.display_name}。", "success")
    if enrol:
        session[MUST_ENROL] = True
    if expired:
        session[MUST_CHANGE_PASSWORD] = True
    if enrol:
        flash("您的角色必须使用双因素认证，请先绑定手机验证器。", "info")
        return redirect(url_for("auth.two_factor"), 303)
    if expired:
        flash("您的密码已超过有效期，请先修改密码。", "info")
        return redirect(url_for("auth.password"), 303)
    return redirect(next_url if is_safe_next(next_url) else url_for("home.index"), 303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    next_url = request.values.get("next")
    status, retry_after = 200, None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr)
        except LockedOut as error:
            user, status, retry_after = None, 429, error.seconds
            form.form_errors.append(str(error))
        else:
            if user is None:
                # About the pair, not one field: above the form, not under the ID or the password.
                form.form_errors.append("用户名或密码不正确，或账号已停用。")
        if user is None:
            db.session.commit()  # keep the failed-login audit entry and the failure count
        elif user.totp_enabled_at is not None:     # the second step: the code, within five minutes
            db.session.commit()
            session.clear()
            session[PENDING_USER], session[PENDING_AT] = user.id, time.time()
            session[PENDING_NEXT] = next_url if is_safe_next(next_url) else None
            return redirect(url_for("auth.login_code"), 303)
        else:
            return _finish_login(user, next_url)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("auth/login.html", form=form,
                           next_url=next_url if is_safe_next(next_url) else None), status, headers


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second login step: a TOTP code or a recovery code, counted and locked like passwords."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = None
    if rules.second_step_pending(time.time(), session.get(PENDING_AT)):
        user = db.session.get(User, valid_id(session.get(PENDING_USER)) or 0)
    if user is None or not user.active or user.totp_enabled_at is None:
        session.clear()
        flash("请输入用户名和密码登录。", "info")
        return redirect(url_for("auth.login"), 303)
    form = CodeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            ok = twofactor.check_second_factor(user, form.code.data, request.remote_addr)
        except LockedOut as error:
            ok, status, headers = False, 429, {"Retry-After": str(error.seconds)}
            form.code.errors.append(str(error))
        else:
            if not ok:
                status = 422
                form.code.errors.append("动态口令或恢复码不正确。")
        if ok:
            return _finish_login(user, session.get(PENDING_NEXT))
        db.session.commit()      # the failure's count and audit entry
    elif request.method == "POST":
        status = 422
    return render_template("auth/login_code.html", form=form, user=user), status, headers


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session(g.login_session_id, SessionEnd.LOGOUT)    # a copy of the cookie ends with it
    audit.record("logout", "user", current_user._get_current_object(), region_id=current_user.region_id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this account, on every device and host (this one included)."""
    user = current_user._get_current_object()
    end_all_sessions(user, SessionEnd.ELSEWHERE)
    audit.record("logout_all", "user", user, region_id=user.region_id, summary="退出所有设备上的登录")
    db.session.commit()
    logout_user()
    session.clear()
    flash("已退出所有设备上的登录，请重新登录。", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm(username=current_user.username, min_length=thresholds.current().min_password_length)
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data,
                            request.remote_addr)
        except AccountError as error:
            db.session.commit()          # keep the failure count and its audit entry
            getattr(form, error.field).errors.append(str(error))
        else:
            renew_session(current_user._get_current_object(), request.remote_addr, request.user_agent.string)
            db.session.commit()
            session.pop(MUST_CHANGE_PASSWORD, None)
            flash("密码已修改，其他设备上的登录已退出。", "success")
            return redirect(url_for("home.index"), 303)
    return render_template("auth/password.html", form=form)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """Give the password again before an account or permission change (after CONFIRM_WINDOW_MINUTES)."""
    form = ConfirmForm()
    next_url = request.values.get("next")
    status = 200
    if form.validate_on_submit():
        try:
            ok = confirm_password(current_user._get_current_object(), form.password.data, request.remote_addr)
        except LockedOut as error:
            ok, status = False, 429
            form.password.errors.append(str(error))
        else:
            if not ok:
                form.password.errors.append("密码不正确。")
                status = 422
        db.session.commit()
        if ok:
            session[CONFIRMED_AT] = time.time()
            return redirect(next_url if is_safe_next(next_url) else url_for("home.index"), 303)
    return render_template("auth/confirm.html", form=form,
                           next_url=next_url if is_safe_next(next_url) else None), status


def recent_password_required(view):
    """Account and permission changes: the password must have been given within CONFIRM_WINDOW_MINUTES
    (at login or on /auth/confirm) to open the form; otherwise the person confirms it first and comes back.
    Saving the form is allowed for three times as long, so that a form opened in time and filled slowly is not
    lost to the confirmation page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        window = current_app.config["CONFIRM_WINDOW_MINUTES"] * 60
        if request.method == "POST":
            window *= rules.SAVE_GRACE_FACTOR
        if not rules.is_recent(time.time(), session.get(CONFIRMED_AT), window):
            return redirect(url_for("auth.confirm", next=request.full_path.rstrip("?")), 303)
        return view(*args, **kwargs)
    return wrapped


POLL_HEADER = "X-Portal-Poll"
# What an account sent to enrol two factors or to change its expired password may still open.
ALWAYS_OPEN = frozenset({"auth.logout", "auth.logout_everywhere", "auth.confirm", "auth.login", "auth.login_code"})


def _required_step():
    """The redirect to enrolment or to the password form while the login's flags say so, else None."""
    if session.get(MUST_ENROL) and request.endpoint not in ALWAYS_OPEN | {"auth.two_factor"}:
        flash("您的角色必须使用双因素认证，请先绑定手机验证器。", "info")
        return redirect(url_for("auth.two_factor"), 303)
    if session.get(MUST_CHANGE_PASSWORD) and request.endpoint not in ALWAYS_OPEN | {"auth.password"}:
        flash("您的密码已超过有效期，请先修改密码。", "info")
        return redirect(url_for("auth.password"), 303)
    return None


def to_login_page(code=303):
    """Send a request whose session is over to the login page, coming back afterwards to the page the person
    was on: a page request by 303; an htmx request (a poll, a filter, a button) by 204 + HX-Redirect, so that
    the browser goes to the login page instead of htmx swapping it into a corner of the page, and comes back
    to the page the person had open (HX-Current-URL), not to the fragment's address."""
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("auth.login", next=back if is_safe_next(back) else None)
        return response
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=back), code)


@login_manager.unauthorized_handler
def unauthorized():
    """Flask-Login's answer to a request without a (live) session: also a session ended from elsewhere."""
    flash("请先登录。", "info")
    return to_login_page(302)


@bp.before_app_request
def enforce_session_limits():
    """Idle and absolute session timeouts (SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS)."""
    if request.endpoint in (None, "static", "home.healthz") or not current_user.is_authenticated:
        return None
    now = time.time()
    config = current_app.config
    reason = rules.session_expiry(now, session.get(LOGGED_IN_AT), session.get(SEEN_AT),
                                  config["SESSION_IDLE_MINUTES"] * 60, config["SESSION_ABSOLUTE_HOURS"] * 3600)
    if reason:
        end_session(g.login_session_id, SessionEnd.IDLE if reason == "idle" else SessionEnd.EXPIRED)
        db.session.commit()
        logout_user()
        session.clear()
        flash("长时间未操作，已自动退出，请重新登录。" if reason == "idle" else "登录已超过有效期，请重新登录。",
              "info")
        return to_login_page()
    guard = _required_step()
    if guard is not None:
        return guard
    # A person's request counts as activity, written at most once a minute; a page's background poll
    # (hx-headers X-Portal-Poll) does not, so an open tab left alone still times out.
    if not request.headers.get(POLL_HEADER) and now - (session.get(SEEN_AT) or 0) >= SEEN_EVERY_SECONDS:
        session[SEEN_AT] = now
        session_seen(g.login_session_id)
        db.session.commit()
    return None


@bp.route("/sessions")
@login_required
@recent_password_required
def sessions():
    """The account's open sessions (登录设备): where and when each began and was last active; end any other."""
    return render_template("auth/sessions.html", rows=open_sessions(current_user),
                           current_id=g.login_session_id)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
@recent_password_required
def session_end(session_id):
    if session_id == g.login_session_id:
        abort(400)          # this device: the ordinary logout
    ended = end_own_session(current_user, valid_id(session_id)) if valid_id(session_id) else None
    if ended is None:
        abort(404)
    db.session.commit()
    flash("已结束该设备上的登录。", "success")
    return redirect(url_for("auth.sessions"), 303)


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
                  region_id=region_id, regions=regions, roles=ROLE_LABELS, sort=sort, desc=desc,
                  fixed_roles=ADMINISTRATION_ROLES)


def _user_form_choices(form: UserForm):
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    centers = db.session.scalars(select(TradingCenter).where(TradingCenter.region_id.is_not(None))
                                 .order_by(TradingCenter.region_id, TradingCenter.name)).all()
    form.region_id.choices = [("", "（无）")] + [(r.id, r.name) for r in regions]
    form.center_id.choices = [("", "（无）")] + [(c.id, c.name) for c in centers]


def _save_user_form(user: User | None):
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    form.min_length = thresholds.current().min_password_length
    if request.method == "GET" and user:
        form.role.data = user.role.value
    _user_form_choices(form)
    if form.validate_on_submit():
        try:
            if user is not None:
                ensure_not_last_admin(user, form.role.data, form.active.data)
            saved = save_user(user, form.data)
            if user is not None and form.reset_two_factor.data and saved.totp_enabled_at is not None:
                twofactor.turn_off(saved, by_admin=True)
            if saved.id == current_user.id and saved.active:   # one's own change: this device, under a new key
                renew_session(saved, request.remote_addr, request.user_agent.string)
        except AccountError as error:
            show_on_form(form, error, "username")
        else:
            db.session.commit()
            flash(f"账号 {saved.username} 已保存。", "success")
            return redirect(url_for("auth.users"), 303)
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("users.manage")
@recent_password_required
def user_new():
    return _save_user_form(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required("users.manage")
@recent_password_required
def user_edit(user_id):
    user = get_scoped_or_404("users.manage", User, user_id)
    if user.role in ADMINISTRATION_ROLES:
        abort(403)          # 三员 accounts are kept by `flask create-admin`, not by the system admin
    return _save_user_form(user)


# --- two factors: the person's own enrolment ---------------------------------------------------------------------

PENDING_SECRET = "totp_pending"


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
@recent_password_required
def two_factor():
    """Two factors (双因素认证): enrol with a QR code and a first code; the recovery codes are shown once."""
    user = current_user._get_current_object()
    policy = twofactor.policy_for(user.role)
    if user.totp_enabled_at is not None:
        return render_template("auth/two_factor.html", user=user, policy=policy,
                               left=twofactor.recovery_codes_left(user))
    secret = session.get(PENDING_SECRET)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[PENDING_SECRET] = twofactor.new_secret()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(user, secret, form.code.data)
        db.session.commit()
        if codes is not None:
            session.pop(PENDING_SECRET, None)
            session.pop(MUST_ENROL, None)
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
        form.code.errors.append("动态口令不正确，请核对手机时间后输入当前显示的 6 位数字。")
        status = 422
    elif request.method == "POST":
        status = 422
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("auth/two_factor_enrol.html", form=form, secret=secret, qr=twofactor.qr_data_url(uri),
                           policy=policy), status


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
@recent_password_required
def recovery_codes():
    user = current_user._get_current_object()
    if user.totp_enabled_at is None:
        return redirect(url_for("auth.two_factor"), 303)
    codes = twofactor.renew_recovery_codes(user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, first=False)


@bp.route("/two-factor/off", methods=["POST"])
@login_required
@recent_password_required
def two_factor_off():
    user = current_user._get_current_object()
    if twofactor.policy_for(user.role).two_factor_required:
        flash("您的角色必须使用双因素认证，不能关闭。", "error")
        return redirect(url_for("auth.two_factor"), 303)
    if user.totp_enabled_at is not None:
        twofactor.turn_off(user)
        db.session.commit()
        flash("已关闭双因素认证。", "success")
    return redirect(url_for("auth.two_factor"), 303)


# --- the security admin's settings -------------------------------------------------------------------------------

@bp.route("/security", methods=["GET", "POST"])
@permission_required("security.manage")
@recent_password_required
def security():
    """Security settings (安全设置) per role: two factors required, password age; and the password rule's and the
    lockout's numbers (a form of their own on the page, told apart by its submit button)."""
    if request.method == "POST" and "th-save" in request.form:
        return _save_thresholds(ThresholdsForm(prefix="th"))
    numbers = thresholds.current()
    limits = _thresholds_form(numbers)
    current = twofactor.policies()
    form_class = policy_form_class()
    if request.method == "GET":
        form = form_class(data={**{f"tf_{r.value}": p.two_factor_required for r, p in current.items()},
                                **{f"age_{r.value}": p.password_max_age_days for r, p in current.items()}})
    else:
        form = form_class()
    status = 200
    if form.validate_on_submit():
        wanted = {role: rules.Policy(bool(form[f"tf_{role.value}"].data), form[f"age_{role.value}"].data)
                  for role in Role}
        try:
            changed = twofactor.save_policies(wanted)
        except twofactor.PolicyRefused as error:
            form[f"tf_{error.role.value}"].errors.append(str(error))
            status = 422
        else:
            db.session.commit()
            flash(f"安全设置已保存（{changed} 个角色有变化）。" if changed else "安全设置没有变化。", "success")
            return redirect(url_for("auth.security"), 303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/security.html", form=form, limits=limits, roles=list(Role), labels=ROLE_LABELS,
                           rules=rules, numbers=numbers), status


def _thresholds_form(numbers: rules.Thresholds) -> ThresholdsForm:
    return ThresholdsForm(prefix="th", formdata=None,
                          data={**numbers._asdict(), "max_lock_minutes": numbers.max_lock_seconds // 60})


def _save_thresholds(limits):
    """The numbers' form of the security page: saved and redirected, or the page again with the messages."""
    status = 422
    if limits.validate_on_submit():
        wanted = rules.Thresholds(limits.min_password_length.data, limits.free_failures.data,
                                  limits.first_lock_seconds.data, limits.max_lock_minutes.data * 60,
                                  limits.address_free_failures.data)
        try:
            changed = thresholds.save(wanted)
        except thresholds.ThresholdsRefused as error:
            for name, message in error.problems.items():
                limits["max_lock_minutes" if name == "max_lock_seconds" else name].errors.append(message)
        else:
            db.session.commit()
            flash("密码与登录锁定规则已保存。" if changed else "密码与登录锁定规则没有变化。", "success")
            return redirect(url_for("auth.security"), 303)
    current = twofactor.policies()
    form = policy_form_class()(data={**{f"tf_{r.value}": p.two_factor_required for r, p in current.items()},
                                     **{f"age_{r.value}": p.password_max_age_days for r, p in current.items()}})
    return render_template("auth/security.html", form=form, limits=limits, roles=list(Role), labels=ROLE_LABELS,
                           rules=rules, numbers=thresholds.current()), status
