"""Two factors (双因素认证, issue 27 item 7): TOTP (RFC 6238, pyotp) enrolled with a QR code and confirmed with a
first code, one-time recovery codes, the second login step (throttled like passwords), and the security
admin's per-role settings (two factors required, password age). Services flush and audit; views commit."""
import base64
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, func, select

from ..audit import services as audit
from ..extensions import db
from ..models_base import as_utc, utcnow
from . import rules, throttle
from .models import ROLE_LABELS, RecoveryCode, Role, RolePolicy, User
from .services import LockedOut

ISSUER = "远程异地评标协同门户"
SECOND_FACTOR_PREFIX = "totp:"   # the code step's throttle keys are its own: a right password does not reset them


# --- settings per role ------------------------------------------------------------------------------------------

def policies() -> dict[Role, rules.Policy]:
    """Every role's settings: the saved row, or the default."""
    saved = {row.role: rules.Policy(row.two_factor_required, row.password_max_age_days)
             for row in db.session.scalars(select(RolePolicy))}
    return {role: saved.get(role, rules.default_policy(role.value)) for role in Role}


def policy_for(role: Role) -> rules.Policy:
    row = db.session.get(RolePolicy, role)
    return rules.Policy(row.two_factor_required, row.password_max_age_days) if row else \
        rules.default_policy(role.value)


class PolicyRefused(ValueError):
    def __init__(self, role: Role, message: str):
        super().__init__(message)
        self.role = role


def save_policies(wanted: dict[Role, rules.Policy]) -> int:
    """Save the security admin's settings (every role checked first, nothing saved if one is refused); one audit
    entry per role that changed. Returns how many changed."""
    for role, policy in wanted.items():
        problem = rules.policy_problem(role.value, policy)
        if problem:
            raise PolicyRefused(role, problem)
    current = policies()
    changed = 0
    for role, policy in wanted.items():
        if current[role] == policy:
            continue
        row = db.session.get(RolePolicy, role) or RolePolicy(role=role)
        db.session.add(row)
        row.two_factor_required = policy.two_factor_required
        row.password_max_age_days = policy.password_max_age_days
        row.updated_at = utcnow()
        audit.record("update", "role_policy", label=ROLE_LABELS[role],
                     before=dict(current[role]._asdict()), after=dict(policy._asdict()),
                     summary=f"{ROLE_LABELS[role]}：双因素认证{'必须' if policy.two_factor_required else '可选'}，"
                             f"密码有效期{f'{policy.password_max_age_days} 天' if policy.password_max_age_days else '不限'}")
        changed += 1
    db.session.flush()
    return changed


def password_expired(user: User, now: datetime | None = None) -> bool:
    """Whether the account's password is older than its role allows (a password never recorded counts from
    the account's creation)."""
    now = now or utcnow()
    changed = user.password_changed_at or user.created_at
    return rules.password_expired(as_utc(changed).timestamp() if changed else None, now.timestamp(),
                                  policy_for(user.role).password_max_age_days)


def must_enrol(user: User) -> bool:
    return user.totp_enabled_at is None and policy_for(user.role).two_factor_required


# --- enrolment --------------------------------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_url(text: str) -> str:
    """The QR code of `text` as an SVG data: URL for an <img> (the CSP's img-src allows data:; no inline SVG
    styles, no script)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _matching_steps(secret: str, code: str, now: datetime) -> list[int]:
    """The time steps (previous, current, next: a phone's clock may be 30 s off) whose code is `code`."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    code = rules.normalise_code(code)
    return [s for s in (step - 1, step, step + 1) if secrets.compare_digest(totp.generate_otp(s), code)]


def confirm_enrolment(user: User, secret: str, code: str) -> list[str] | None:
    """The first code from the person's app confirms the secret: two factors are on and ten recovery codes are
    made (returned to be shown once). None when the code is wrong (audited)."""
    step = rules.accepted_step(_matching_steps(secret, code, utcnow()), None) if rules.is_totp_code(code) else None
    if step is None:
        audit.record("two_factor_failed", "user", user, region_id=user.region_id, summary="绑定时动态口令不正确")
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    audit.record("two_factor_on", "user", user, region_id=user.region_id,
                 summary=f"启用双因素认证，生成 {len(codes)} 个恢复码")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    now = utcnow()
    codes = []
    for _ in range(rules.RECOVERY_CODES):
        raw = "".join(secrets.choice(rules.RECOVERY_ALPHABET)
                      for _ in range(rules.RECOVERY_GROUPS * rules.RECOVERY_GROUP_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, code_sha256=rules.recovery_digest(raw), created_at=now))
        codes.append(rules.format_recovery_code(raw))
    db.session.flush()
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    """New recovery codes replace every old one (used or not)."""
    codes = _new_recovery_codes(user)
    audit.record("recovery_codes", "user", user, region_id=user.region_id,
                 summary=f"重新生成 {len(codes)} 个恢复码，原有恢复码作废")
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def turn_off(user: User, by_admin: bool = False) -> None:
    """Two factors off: the secret and the recovery codes are removed (the person's own choice where the role
    allows it; the system admin's reset after a lost phone)."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    audit.record("two_factor_off", "user", user, region_id=user.region_id,
                 summary="管理员重置了双因素认证" if by_admin else "关闭了双因素认证")


# --- the second login step --------------------------------------------------------------------------------------

def check_second_factor(user: User, code: str, address: str | None) -> bool:
    """The code after the password: a TOTP code not used before, or an unused recovery code (spent now).
    Counted and locked like a password (throttle.count_attempt, under keys of its own); LockedOut while locked.
    Every outcome audited; on success the login itself is recorded (the caller opens the session)."""
    now = utcnow()
    attempt = throttle.count_attempt(SECOND_FACTOR_PREFIX + user.username, address, now)
    db.session.commit()          # as for passwords: the count holds against a burst of parallel guesses
    if attempt.refused:
        audit.record("login_failed", "user", user, region_id=user.region_id, actor=user,
                     summary=f"动态口令多次错误后锁定中（还剩 {rules.wait_text(attempt.wait)}）")
        raise LockedOut(f"动态口令错误次数过多，请在 {rules.wait_text(attempt.wait)}后再试；"
                        "如手机丢失，请使用恢复码或联系系统管理员。", attempt.wait)
    how = None
    if rules.is_totp_code(code) and user.totp_secret:
        step = rules.accepted_step(_matching_steps(user.totp_secret, code, now), user.totp_last_step)
        if step is not None:
            user.totp_last_step, how = step, "动态口令"
    elif code:
        row = db.session.scalars(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_sha256 == rules.recovery_digest(code),
            RecoveryCode.used_at.is_(None))).first()
        if row is not None:
            row.used_at = now
            db.session.flush()
            how = f"恢复码（剩余 {recovery_codes_left(user)} 个）"
    if how is None:
        audit.record("login_failed", "user", user, region_id=user.region_id, actor=user,
                     summary=f"动态口令或恢复码不正确（连续第 {attempt.failures} 次）")
        return False
    user.last_login_at = now
    db.session.flush()
    throttle.succeeded(attempt)
    audit.record("login", "user", user, region_id=user.region_id, actor=user, summary=f"密码和{how}")
    return True
