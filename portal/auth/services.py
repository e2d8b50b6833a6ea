"""Account services: authenticate, change passwords, create and edit accounts (with audit); the database-held
login sessions."""
import hashlib
import secrets
import time
from datetime import timedelta

from flask import current_app, g, session
from flask_login import login_user
from sqlalchemy import and_, delete, func, select, update

from ..audit import services as audit
from ..clock import to_china
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import TradingCenter
from . import rules, throttle
from .models import LoginSession, Role, SessionEnd, User
from .passwords import burn_time, hash_password, verify_password

USER_AUDIT_FIELDS = ("username", "display_name", "role", "region_id", "center_id", "organisation",
                     "phone", "active")


class AccountError(ChangeRefused):
    """A refused change of this feature."""

def snapshot(user: User) -> dict:
    return {f: (getattr(user, f).value if isinstance(getattr(user, f), Role) else getattr(user, f))
            for f in USER_AUDIT_FIELDS}


class LockedOut(ChangeRefused):
    """Too many failed logins (from this address, or for this username from here): refused without looking at
    the password; `seconds` says when to try again (the view's Retry-After)."""

    def __init__(self, message: str, seconds: float = 0):
        super().__init__(message)
        self.seconds = max(1, int(seconds + 0.999))


def _refusal(attempt: throttle.Attempt, what: str = "登录") -> str:
    """The Chinese refusal of a throttled attempt, saying when to try again."""
    wait = rules.wait_text(attempt.wait)
    if attempt.refused == "address":
        return (f"从您所在的网络地址{what}失败的次数过多，请在 {wait}后再试；如忘记密码，请联系管理员。")
    if what == "登录":
        return f"登录失败次数过多，请在 {wait}后再试；如忘记密码，请联系管理员。"
    return f"密码错误次数过多，请在 {wait}后再试。"


def authenticate(username: str, password: str, address: str | None = None) -> User | None:
    """The active user with these credentials, or None; every outcome is audited. Failures are counted per
    client address, per (username, address) and per username (throttle.count_attempt); while a count locks
    the attempt, LockedOut is raised without checking the password."""
    now = utcnow()
    attempt = throttle.count_attempt(username, address, now)
    # The count is committed before the slow password check (the one exception to one transaction per
    # request): the database's write lock (SQLite) or the keys' rows (PostgreSQL) are not held while argon2
    # runs, and a simultaneous sixth attempt sees five committed failures and a lock.
    db.session.commit()
    user = db.session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()
    if attempt.refused:
        held = "此网络地址" if attempt.refused == "address" else "多次失败后"
        audit.record("login_failed", "user", user, label=username[:40], username=username[:40] or "?",
                     region_id=user.region_id if user else None, actor=user,
                     summary=f"{held}锁定中（还剩 {rules.wait_text(attempt.wait)}）")
        raise LockedOut(_refusal(attempt), attempt.wait)
    failures = attempt.failures
    if user is None:
        burn_time(password)
        audit.record("login_failed", "user", label=username[:40], username=username[:40] or "?",
                     summary=f"用户名不存在（连续第 {failures} 次）")
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok or not user.active:
        audit.record("login_failed", "user", user, region_id=user.region_id, actor=user,
                     summary=("密码错误" if not ok else "账号已停用") + f"（连续第 {failures} 次）")
        return None
    if new_hash:
        user.password_hash = new_hash
    if user.totp_enabled_at is None:
        user.last_login_at = now
    db.session.flush()          # the account's row before the throttle's, in the order save_user takes them
    throttle.succeeded(attempt)
    if user.totp_enabled_at is not None:   # the login is recorded after the second step (twofactor)
        audit.record("login_password", "user", user, region_id=user.region_id, actor=user,
                     summary="密码正确，待输入动态口令")
    else:
        audit.record("login", "user", user, region_id=user.region_id, actor=user)
    return user


def _counted_attempt(user: User, address: str | None, now, what: str) -> throttle.Attempt:
    """A logged-in person's password check, counted first like a login's (throttle.count_attempt); LockedOut
    while a count locks it."""
    attempt = throttle.count_attempt(user.username, address, now)
    db.session.commit()         # as in authenticate: no lock held while the password is checked
    if attempt.refused:
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"{what}：多次失败后锁定中（还剩 {rules.wait_text(attempt.wait)}）")
        raise LockedOut(_refusal(attempt, what), attempt.wait)
    return attempt


def confirm_password(user: User, password: str, address: str | None = None) -> bool:
    """The logged-in user gives the password again (before an account or permission change); failures count
    towards the same locks as logins."""
    attempt = _counted_attempt(user, address, utcnow(), "确认身份")
    ok, _ = verify_password(user.password_hash, password)
    if not ok:
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"确认身份时密码错误（连续第 {attempt.failures} 次）")
        return False
    throttle.succeeded(attempt)
    audit.record("confirm", "user", user, region_id=user.region_id)
    return True


def _end_sessions(reason: SessionEnd, *where) -> None:
    db.session.execute(update(LoginSession).where(LoginSession.ended_at.is_(None), *where)
                       .values(ended_at=utcnow(), end_reason=reason).execution_options(synchronize_session=False))


def end_all_sessions(user: User, reason: SessionEnd) -> None:
    """End every open session of the account, on every device and host (the person's own device, after their
    own change, then gets a new one: renew_session)."""
    _end_sessions(reason, LoginSession.user_id == user.id)


def change_password(user: User, current: str, new: str, address: str | None = None) -> None:
    """Change one's password; the current password is checked under the same lock as logins (a stolen
    session cannot guess it without limit), and a wrong one is counted and audited (the view commits)."""
    try:
        attempt = _counted_attempt(user, address, utcnow(), "修改密码")
    except LockedOut as error:
        raise AccountError(str(error), field="current_password") from error
    ok, _ = verify_password(user.password_hash, current)
    if not ok:
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"修改密码时当前密码错误（连续第 {attempt.failures} 次）")
        raise AccountError("当前密码不正确。", field="current_password")
    new_hash = hash_password(new)            # before any row is written: no lock is held while argon2 runs
    user.password_hash = new_hash
    user.password_changed_at = utcnow()
    db.session.flush()                       # the account's row before the throttle's, as in save_user
    throttle.succeeded(attempt)
    end_all_sessions(user, SessionEnd.PASSWORD)   # every device, this one included (the view renews it)
    audit.record("password", "user", user, region_id=user.region_id)


def _check_scope_consistency(role: Role, region_id, center_id):
    """Center staff belong to a center of their region; roles without a region keep none."""
    if role.needs_center:
        center = db.session.get(TradingCenter, center_id) if center_id else None
        if center is None or center.region_id is None:
            raise AccountError("所选交易中心不属于本省地区。", field="center_id")
        if center.region_id != region_id:
            raise AccountError("所选交易中心不在所属地区内。", field="center_id")


def save_user(user: User | None, data: dict) -> User:
    """Create (user=None) or update an account from validated form data. A new password or new rights end the
    account's sessions (an admin editing their own account gets a new one: renew_session)."""
    role = Role(data["role"])
    region_id = data.get("region_id") if role.needs_region else None
    center_id = data.get("center_id") if role.needs_center else None
    _check_scope_consistency(role, region_id, center_id)
    clash = db.session.scalars(select(User.id).where(
        func.lower(User.username) == data["username"].lower())).first()
    if clash is not None and (user is None or clash != user.id):
        raise AccountError("该用户名已被使用。", field="username")
    creating = user is None
    before = None if creating else snapshot(user)
    if creating:
        if not data.get("password"):
            raise AccountError("新建账号必须设置初始密码。", field="password")
        user = User()
        db.session.add(user)
    user.username = data["username"]
    user.display_name = data["display_name"]
    user.role = role
    user.region_id = region_id
    user.center_id = center_id
    user.organisation = data.get("organisation") or None
    user.phone = data.get("phone") or None
    user.active = bool(data.get("active"))
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
        user.password_changed_at = utcnow()
    db.session.flush()
    after = snapshot(user)
    moved = ("role", "region_id", "center_id", "active")
    if not creating and (data.get("password") or any(before[f] != after[f] for f in moved)):
        end_all_sessions(user, SessionEnd.PASSWORD if data.get("password") else SessionEnd.RIGHTS)
        throttle.lift(user.username)   # an admin's reset also lifts the account's locks
    audit.record("create" if creating else "update", "user", user, region_id=user.region_id,
                 before=before, after=after,
                 summary="重置了密码" if (data.get("password") and not creating) else "")
    return user


def ensure_not_last_admin(user: User, new_role: str, active: bool) -> None:
    """The province must keep at least one active provincial admin."""
    if user.role is Role.PROVINCE_ADMIN and (new_role != Role.PROVINCE_ADMIN.value or not active):
        others = db.session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.PROVINCE_ADMIN, User.active.is_(True), User.id != user.id))
        if not others:
            raise AccountError("至少需要保留一个启用的省级管理员账号。", field="role")


SESSION_KEY, LOGGED_IN_AT, SEEN_AT, CONFIRMED_AT = "sid", "login_at", "seen_at", "confirmed_at"
SESSIONS_KEPT_DAYS = 30     # session rows are removed this long after their login
SEEN_EVERY_SECONDS = 60     # a session's activity is written at most this often


def _live(now):
    """Sessions still valid in the database itself: not ended, within the absolute limit, and active within
    the idle limit (allowing for activity being written once a minute). The cookie's own times give the
    person the reason first; these hold also for a copy of the cookie that keeps its own times fresh."""

    config = current_app.config
    return and_(LoginSession.ended_at.is_(None),
                LoginSession.created_at > now - timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
                LoginSession.last_seen_at > now - timedelta(minutes=config["SESSION_IDLE_MINUTES"],
                                                            seconds=SEEN_EVERY_SECONDS))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def user_loader(user_id: str) -> User | None:
    """The session's account, if the session's row is still open (one query: the account with its session).
    A cookie without a key, with an ended key (logged out, ended from another device, password or rights
    changed) or with another account's key counts as logged out."""

    key = session.get(SESSION_KEY)
    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        return None
    if not isinstance(key, str) or not key:
        return None
    row = db.session.execute(
        select(User, LoginSession.id).join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == ident, LoginSession.key_sha256 == _digest(key), _live(utcnow()))).first()
    if row is None:
        return None
    g.login_session_id = row[1]
    return row[0]


def open_session(user: User, address: str | None, user_agent: str | None) -> None:
    """After a successful login: a fresh cookie session (no fixation) holding a new random key, and its row."""

    now = utcnow()
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.created_at < now - timedelta(days=SESSIONS_KEPT_DAYS)))
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_sha256=_digest(key), created_at=now, last_seen_at=now,
                                address=(address or "")[:45] or None, user_agent=(user_agent or "")[:200] or None))
    session.clear()
    login_user(user)
    session[SESSION_KEY] = key
    session[LOGGED_IN_AT] = session[SEEN_AT] = session[CONFIRMED_AT] = time.time()


def renew_session(user: User, address: str | None, user_agent: str | None) -> bool:
    """After the person's own password or rights change ended their sessions: this device goes on under a new
    key (a copy of the old cookie stays logged out). False when this session had not ended."""

    ended = db.session.scalar(select(LoginSession.ended_at).where(LoginSession.id == g.login_session_id))
    if ended is None:
        return False
    open_session(user, address, user_agent)
    return True


def session_seen(session_id: int) -> None:
    """The person was active in this session now (written at most once a minute by the caller)."""
    db.session.execute(update(LoginSession).where(LoginSession.id == session_id)
                       .values(last_seen_at=utcnow()).execution_options(synchronize_session=False))


def end_session(session_id: int, reason: SessionEnd) -> None:
    _end_sessions(reason, LoginSession.id == session_id)


def open_sessions(user: User) -> list[LoginSession]:
    """The account's open sessions, the most recently active first."""
    return list(db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id, _live(utcnow()))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()).limit(50)))


def end_own_session(user: User, session_id: int) -> LoginSession | None:
    """The person ends one of their own sessions (another device); None when it is not theirs or has ended."""
    row = db.session.scalars(select(LoginSession).where(
        LoginSession.id == session_id, LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))).first()
    if row is None:
        return None
    row.ended_at, row.end_reason = utcnow(), SessionEnd.ELSEWHERE
    audit.record("session_end", "user", user, region_id=user.region_id,
                 summary=f"结束了另一登录会话（{row.address or '地址不明'}，"
                         f"{to_china(row.created_at):%Y-%m-%d %H:%M} 登录）")
    return row


def init_login_manager(login_manager):
    login_manager.user_loader(user_loader)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
