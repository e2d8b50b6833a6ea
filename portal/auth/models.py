"""Accounts and roles (角色)."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..fieldcrypt import Encrypted
from ..models_base import Timestamped, str_enum
from ..orgs.models import Region, TradingCenter


class Role(enum.Enum):
    PROVINCE_ADMIN = "province_admin"
    PREFECTURE_ADMIN = "prefecture_admin"
    CENTER_STAFF = "center_staff"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    PUBLICITY = "publicity"
    # 三员分立 (GB/T 22239-2019 level 3): system, security and audit administration, one role each
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def needs_region(self) -> bool:
        return self in (Role.PREFECTURE_ADMIN, Role.SUPERVISOR, Role.CENTER_STAFF)

    @property
    def needs_center(self) -> bool:
        return self is Role.CENTER_STAFF


ROLE_LABELS = {
    Role.PROVINCE_ADMIN: "省级管理员",
    Role.PREFECTURE_ADMIN: "市（州）管理员",
    Role.CENTER_STAFF: "交易中心工作人员",
    Role.AGENT: "招标人/招标代理机构",
    Role.SUPERVISOR: "行政监督部门",
    Role.PUBLICITY: "宣传/培训工作人员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}

# The three administration roles (三员): created by `flask create-admin`, never given or edited on the accounts
# page, so that the system admin cannot make themselves, or anyone, the security or audit admin.
ADMINISTRATION_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class User(UserMixin, Timestamped, db.Model):
    """A person who logs in; scoped to a region and, for center staff, to one center."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role NOT IN ('prefecture_admin', 'supervisor', 'center_staff') OR region_id IS NOT NULL",
            name="scoped_roles_have_region"),
        CheckConstraint("role <> 'center_staff' OR center_id IS NOT NULL",
                        name="center_staff_have_center"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    organisation: Mapped[str | None] = mapped_column(String(80))  # e.g. the agency's name
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two factors (双因素认证): the TOTP secret (RFC 6238, base32) once confirmed with a first code, and the last
    # time step accepted, so that a code is accepted once only. The secret is encrypted at rest (migration 0029).
    totp_secret: Mapped[str | None] = mapped_column(Encrypted("users.totp_secret"))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    region: Mapped[Region | None] = relationship(lazy="raise")
    center: Mapped[TradingCenter | None] = relationship(lazy="raise")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def __str__(self):
        return f"{self.display_name}（{self.username}）"


class RecoveryCode(db.Model):
    """A one-time recovery code (恢复码) of an account's two factors: shown once, kept as its SHA-256 (the codes
    are 80 random bits, so a fast hash is not guessable), spent by its first use."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RolePolicy(db.Model):
    """The security admin's settings for one role: two factors required or optional, and after how many days a
    password must be changed (None: never). A role without a row has rules.default_policy's values."""

    __tablename__ = "role_policies"
    __table_args__ = (CheckConstraint("password_max_age_days IS NULL OR password_max_age_days BETWEEN 1 AND 3650",
                                      name="password_age_range"),)

    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)
    two_factor_required: Mapped[bool] = mapped_column(Boolean, default=False)
    password_max_age_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SecurityThresholds(db.Model):
    """The security admin's numbers of the password rule and the login lockout (one row; none: the defaults of
    rules.Thresholds). The ranges are rules.THRESHOLD_LIMITS'."""

    __tablename__ = "security_thresholds"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("min_password_length BETWEEN 8 AND 64", name="password_length_range"),
        CheckConstraint("free_failures BETWEEN 3 AND 10", name="free_failures_range"),
        CheckConstraint("first_lock_seconds BETWEEN 10 AND 600", name="first_lock_range"),
        CheckConstraint("max_lock_seconds BETWEEN 60 AND 86400 AND max_lock_seconds >= first_lock_seconds",
                        name="max_lock_range"),
        CheckConstraint("address_free_failures BETWEEN 10 AND 200 AND address_free_failures >= free_failures",
                        name="address_failures_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    min_password_length: Mapped[int] = mapped_column(Integer)
    free_failures: Mapped[int] = mapped_column(Integer)
    first_lock_seconds: Mapped[int] = mapped_column(Integer)
    max_lock_seconds: Mapped[int] = mapped_column(Integer)
    address_free_failures: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(db.Model):
    """Consecutive failed logins of one username (typed, lower-cased; also names that do not exist, so the
    answer does not tell which do) and until when it is locked. In the database, so every worker and host
    sees the same count."""

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SessionEnd(enum.Enum):
    LOGOUT = "logout"              # the person logged out here
    ELSEWHERE = "elsewhere"        # "log out everywhere", or this device ended from another one
    PASSWORD = "password"          # the password was changed (by the person or an admin)
    RIGHTS = "rights"              # an admin changed the account's role, scope or state
    IDLE = "idle"
    EXPIRED = "expired"            # the absolute limit after login
    RESTORED = "restored"          # the database was restored from a backup: every session logs in again


class LoginSession(db.Model):
    """One logged-in session (登录会话), held in the database: the browser's signed cookie carries only a random
    key whose SHA-256 is stored here. Ending the row ends the session everywhere, including a copy of the
    cookie; the person sees and ends their own sessions on /auth/sessions."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd, "session_end"))
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
