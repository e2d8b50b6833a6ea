"""Account services: authenticate, change passwords, create and edit accounts (with audit)."""
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import as_utc, utcnow
from ..orgs.models import TradingCenter
from . import rules
from .models import LoginThrottle, Role, User
from .passwords import burn_time, hash_password, verify_password

USER_AUDIT_FIELDS = ("username", "display_name", "role", "region_id", "center_id", "organisation",
                     "phone", "active")


class AccountError(ChangeRefused):
    """A refused change of this feature."""


def snapshot(user: User) -> dict:
    return {f: (getattr(user, f).value if isinstance(getattr(user, f), Role) else getattr(user, f))
            for f in USER_AUDIT_FIELDS}


class LockedOut(ChangeRefused):
    """Too many failed logins for this username: refused without looking at the password."""


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:80]


def _locked_for(key: str, now) -> float:
    """Seconds the username stays locked (0 when it is not)."""
    locked_until = db.session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key == key))
    if locked_until is None:
        return 0
    return max(0.0, (as_utc(locked_until) - now).total_seconds())


def _count_failure(key: str, now) -> int:
    """One more consecutive failure, counted by the database (two workers failing at once count two)."""
    # A failure an hour after the last one starts counting again (an old lock does not double a new one).
    fresh = LoginThrottle.last_failure_at < now - timedelta(seconds=rules.FAILURE_MEMORY_SECONDS)
    bump = (update(LoginThrottle).where(LoginThrottle.key == key)
            .values(failures=case((fresh, 1), else_=LoginThrottle.failures + 1), last_failure_at=now)
            .returning(LoginThrottle.failures).execution_options(synchronize_session=False))
    failures = db.session.execute(bump).scalar()
    if failures is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, last_failure_at=now))
            failures = 1
        except IntegrityError:          # another worker created the row just now
            failures = db.session.execute(bump).scalar()
    lock = rules.lock_seconds(failures)
    if lock:
        db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                           .values(locked_until=now + timedelta(seconds=lock))
                           .execution_options(synchronize_session=False))
    return failures


def _clear_failures(key: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key)
                       .execution_options(synchronize_session=False))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; every outcome is audited. After five consecutive
    failures the username is locked for a time that doubles with each further failure (rules.lock_seconds);
    while locked, LockedOut is raised without checking the password."""
    now = utcnow()
    key = _throttle_key(username)
    wait = _locked_for(key, now)
    user = db.session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()
    if wait:
        audit.record("login_failed", "user", user, label=username[:40], username=username[:40] or "?",
                     region_id=user.region_id if user else None, actor=user,
                     summary=f"多次失败后锁定中（还剩 {rules.wait_text(wait)}）")
        raise LockedOut(f"登录失败次数过多，请在 {rules.wait_text(wait)}后再试；如忘记密码，请联系管理员。")
    if user is None:
        burn_time(password)
        failures = _count_failure(key, now)
        audit.record("login_failed", "user", label=username[:40], username=username[:40] or "?",
                     summary=f"用户名不存在（连续第 {failures} 次）")
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok or not user.active:
        failures = _count_failure(key, now)
        audit.record("login_failed", "user", user, region_id=user.region_id, actor=user,
                     summary=("密码错误" if not ok else "账号已停用") + f"（连续第 {failures} 次）")
        return None
    _clear_failures(key)
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = now
    audit.record("login", "user", user, region_id=user.region_id, actor=user)
    return user


def _refuse_while_locked(user: User, key: str, now, what: str) -> None:
    wait = _locked_for(key, now)
    if wait:
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"{what}：多次失败后锁定中（还剩 {rules.wait_text(wait)}）")
        raise LockedOut(f"密码错误次数过多，请在 {rules.wait_text(wait)}后再试。")


def confirm_password(user: User, password: str) -> bool:
    """The logged-in user gives the password again (before an account or permission change); failures count
    towards the same lock as logins."""
    key = _throttle_key(user.username)
    now = utcnow()
    _refuse_while_locked(user, key, now, "确认身份")
    ok, _ = verify_password(user.password_hash, password)
    if not ok:
        failures = _count_failure(key, now)
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"确认身份时密码错误（连续第 {failures} 次）")
        return False
    _clear_failures(key)
    audit.record("confirm", "user", user, region_id=user.region_id)
    return True


def end_all_sessions(user: User) -> None:
    """Move the account's session epoch: every session opened before is logged out at its next request."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_epoch=User.session_epoch + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["session_epoch"])


def change_password(user: User, current: str, new: str) -> None:
    """Change one's password; the current password is checked under the same lock as logins (a stolen
    session cannot guess it without limit), and a wrong one is counted and audited (the view commits)."""
    key, now = _throttle_key(user.username), utcnow()
    try:
        _refuse_while_locked(user, key, now, "修改密码")
    except LockedOut as error:
        raise AccountError(str(error), field="current_password") from error
    ok, _ = verify_password(user.password_hash, current)
    if not ok:
        failures = _count_failure(key, now)
        audit.record("confirm_failed", "user", user, region_id=user.region_id,
                     summary=f"修改密码时当前密码错误（连续第 {failures} 次）")
        raise AccountError("当前密码不正确。", field="current_password")
    _clear_failures(key)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user)        # other devices log in again with the new password; the view keeps this one
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
    """Create (user=None) or update an account from validated form data."""
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
        end_all_sessions(user)     # the account's sessions end: it logs in again with its new rights
        _clear_failures(_throttle_key(user.username))   # an admin's reset also lifts a lock
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


def user_loader(user_id: str) -> User | None:
    """The session's account, unless its epoch has moved since the session was opened (logged out
    everywhere, password changed, rights changed): then the session counts as logged out."""
    from flask import session

    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or session.get(SESSION_EPOCH) != user.session_epoch:
        return None
    return user


SESSION_EPOCH, LOGGED_IN_AT, SEEN_AT, CONFIRMED_AT = "epoch", "login_at", "seen_at", "confirmed_at"


def open_session(user: User) -> None:
    """After a successful login: a fresh session (no fixation) stamped with the account's epoch and times."""
    import time

    from flask import session
    from flask_login import login_user

    session.clear()
    login_user(user)
    now = time.time()
    session[SESSION_EPOCH] = user.session_epoch
    session[LOGGED_IN_AT] = session[SEEN_AT] = session[CONFIRMED_AT] = now


def init_login_manager(login_manager):
    login_manager.user_loader(user_loader)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
