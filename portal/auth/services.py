"""Account services: authenticate, change passwords, create and edit accounts (with audit)."""
from sqlalchemy import func, select

from ..audit import services as audit
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import TradingCenter
from .models import Role, User
from .passwords import burn_time, hash_password, verify_password

USER_AUDIT_FIELDS = ("username", "display_name", "role", "region_id", "center_id", "organisation",
                     "phone", "active")


class AccountError(ChangeRefused):
    """A refused change of this feature."""


def snapshot(user: User) -> dict:
    return {f: (getattr(user, f).value if isinstance(getattr(user, f), Role) else getattr(user, f))
            for f in USER_AUDIT_FIELDS}


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; both outcomes are audited."""
    user = db.session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()
    if user is None:
        burn_time(password)
        audit.record("login_failed", "user", label=username[:40], username=username[:40] or "?",
                     summary="用户名不存在")
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok or not user.active:
        audit.record("login_failed", "user", user, region_id=user.region_id, actor=user,
                     summary="密码错误" if not ok else "账号已停用")
        return None
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    audit.record("login", "user", user, region_id=user.region_id, actor=user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    ok, _ = verify_password(user.password_hash, current)
    if not ok:
        raise AccountError("当前密码不正确。", field="current_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
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
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def init_login_manager(login_manager):
    login_manager.user_loader(user_loader)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
