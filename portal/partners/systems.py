"""Partner systems and their API keys (合作方系统与接口密钥, issue 25): the provincial admin registers a system,
names the partner centers it speaks for and its callback address, issues keys (shown once), revokes them.
Each change is audited in its transaction; the view commits."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..auth.models import Role, User
from ..auth.passwords import hash_password
from ..clock import china_today
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import Province, TradingCenter
from .models import ApiKey, OutboxEvent, OutboxStatus, PartnerSystem, PartnerSystemCenter


class SystemRefused(ChangeRefused):
    """A refused change of a partner system or key."""


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str       # shown once, never stored in clear


def callback_problem(url: str) -> str | None:
    """An http(s) URL with a host, or nothing."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "回调地址须为 http:// 或 https:// 开头的完整网址。"
    return None


def systems() -> list[PartnerSystem]:
    return list(db.session.scalars(select(PartnerSystem).options(selectinload(PartnerSystem.centers),
                                                                 selectinload(PartnerSystem.keys))
                                   .order_by(PartnerSystem.name)))


def partner_center_choices() -> list[tuple[int, str]]:
    return [(cid, f"{prov} · {name}") for cid, name, prov in db.session.execute(
        select(TradingCenter.id, TradingCenter.name, Province.name)
        .join(Province, TradingCenter.province_id == Province.id)
        .where(Province.is_home.is_(False), TradingCenter.active.is_(True))
        .order_by(Province.sort_order, TradingCenter.name))]


def _snapshot(system: PartnerSystem, center_ids) -> dict:
    return {"name": system.name, "callback_url": system.callback_url, "remote_url": system.remote_url,
            "center_ids": sorted(center_ids),
            "active": system.active, "notes": system.notes}


def save_system(system: PartnerSystem | None, data: dict) -> PartnerSystem:
    """Create or edit a system: a name, the partner centers (other provinces') it speaks for, a callback."""
    name = (data.get("name") or "").strip()
    center_ids = sorted({int(i) for i in data.get("center_ids") or []})
    url = (data.get("callback_url") or "").strip()
    if not name:
        raise SystemRefused("请填写系统名称。", field="name")
    if not center_ids:
        raise SystemRefused("请至少选择一个该系统代表的外省交易中心。", field="center_ids")
    home = db.session.scalars(select(TradingCenter.name).join(Province, TradingCenter.province_id == Province.id)
                              .where(TradingCenter.id.in_(center_ids), Province.is_home.is_(True))).all()
    if home:
        raise SystemRefused("合作方系统代表的须为外省交易中心：" + "、".join(home) + "是本省的。", field="center_ids")
    if len(db.session.scalars(select(TradingCenter.id).where(TradingCenter.id.in_(center_ids))).all()) \
            != len(center_ids):
        raise SystemRefused("所选交易中心不存在。", field="center_ids")
    problem = callback_problem(url)
    if problem:
        raise SystemRefused(problem, field="callback_url")
    remote = (data.get("remote_url") or "").strip().rstrip("/")
    if callback_problem(remote):
        raise SystemRefused("对方门户地址须为 http:// 或 https:// 开头的完整网址。", field="remote_url")
    creating = system is None
    before = None
    if creating:
        account = User(username=f"api-{secrets.token_hex(4)}", display_name=f"接口：{name}"[:40], role=Role.AGENT,
                       organisation=name[:80], active=True,
                       # a password nobody knows: the account only acts for the system's signed calls
                       password_hash=hash_password(secrets.token_urlsafe(32)))
        db.session.add(account)
        db.session.flush()
        system = PartnerSystem(account_id=account.id)
        db.session.add(system)
    else:
        before = _snapshot(system, [c.center_id for c in db.session.scalars(
            select(PartnerSystemCenter).where(PartnerSystemCenter.system_id == system.id))])
    system.name, system.callback_url = name, url or None
    if "remote_url" in data:
        system.remote_url = remote or None
    system.notes = (data.get("notes") or "").strip()[:500] or None
    if "active" in data:
        system.active = bool(data["active"])
    try:
        db.session.flush()
    except IntegrityError:
        raise SystemRefused(f"已有名为“{name}”的合作方系统。", field="name") from None
    db.session.execute(delete(PartnerSystemCenter).where(PartnerSystemCenter.system_id == system.id))
    db.session.add_all([PartnerSystemCenter(system_id=system.id, center_id=cid) for cid in center_ids])
    db.session.flush()
    audit.record("create" if creating else "update", "partner_system", system, label=name, before=before,
                 after=_snapshot(system, center_ids))
    return system


def issue_key(system: PartnerSystem, expires_on: date, today: date | None = None) -> IssuedKey:
    """A new key for the system, valid to `expires_on` (inclusive); its secret is returned once."""
    today = today or china_today()
    if expires_on < today:
        raise SystemRefused("有效期至不能早于今天。", field="expires_on")
    if (expires_on - today).days > 3 * 366:
        raise SystemRefused("接口密钥有效期最长 3 年，请到期前更换新密钥。", field="expires_on")
    secret = secrets.token_urlsafe(32)
    key = ApiKey(system_id=system.id, key_id="pk_" + secrets.token_hex(8),
                 secret_sha256=hashlib.sha256(secret.encode()).hexdigest(), secret_encrypted=secret,
                 expires_on=expires_on, created_by_id=audit.current_actor_id())
    db.session.add(key)
    db.session.flush()
    audit.record("create", "api_key", key, label=f"{system.name} 密钥 {key.key_id}",
                 after={"key_id": key.key_id, "expires_on": expires_on.isoformat()},
                 summary=f"签发接口密钥 {key.key_id}（有效期至 {expires_on:%Y-%m-%d}）")
    return IssuedKey(key, secret)


def import_key(system: PartnerSystem, key_id: str, secret: str, expires_on: date) -> ApiKey:
    """A key the other portal issued to this one (federation): both sign with it, each way."""
    key_id, secret = (key_id or "").strip(), (secret or "").strip()
    if not key_id or len(key_id) > 40 or not key_id.isascii():
        raise SystemRefused("请填写对方签发的密钥编号。", field="key_id")
    if len(secret) < 20 or not secret.isascii():
        raise SystemRefused("请填写对方签发的签名密钥（至少 20 个字符）。", field="secret")
    key = ApiKey(system_id=system.id, key_id=key_id, secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                 secret_encrypted=secret, expires_on=expires_on, created_by_id=audit.current_actor_id())
    db.session.add(key)
    try:
        db.session.flush()
    except IntegrityError:
        raise SystemRefused(f"密钥编号 {key_id} 已在本系统中使用。", field="key_id") from None
    audit.record("create", "api_key", key, label=f"{system.name} 密钥 {key.key_id}",
                 after={"key_id": key.key_id, "expires_on": expires_on.isoformat()},
                 summary=f"登记对方门户签发的接口密钥 {key.key_id}（有效期至 {expires_on:%Y-%m-%d}）")
    return key


def federated_system_for(center_id: int) -> PartnerSystem | None:
    """The other portal (remote_url set, active) that speaks for this center, if any."""
    return db.session.scalars(select(PartnerSystem).join(PartnerSystemCenter,
                                                         PartnerSystemCenter.system_id == PartnerSystem.id)
                              .where(PartnerSystemCenter.center_id == center_id, PartnerSystem.active.is_(True),
                                     PartnerSystem.remote_url.is_not(None)).order_by(PartnerSystem.id)).first()


def revoke_key(system: PartnerSystem, key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise SystemRefused("该密钥已撤销。")
    key.revoked_at = utcnow()
    audit.record("revoke", "api_key", key, label=f"{system.name} 密钥 {key.key_id}",
                 before={"revoked": False}, after={"revoked": True}, summary=f"撤销接口密钥 {key.key_id}")


def key_secret(key: ApiKey) -> str | None:
    """The key's secret, checked against its stored hash (None if it does not match)."""
    secret = key.secret_encrypted
    if not secret or hashlib.sha256(secret.encode()).hexdigest() != key.secret_sha256:
        return None
    return secret


def usable_key(key_id: str) -> tuple[ApiKey, PartnerSystem] | None:
    """The active key with this id and its active system, or None."""
    row = db.session.execute(select(ApiKey, PartnerSystem).join(PartnerSystem, ApiKey.system_id == PartnerSystem.id)
                             .where(ApiKey.key_id == key_id)).first()
    if row is None or not row[1].active or not row[0].usable_on(china_today()):
        return None
    return row[0], row[1]


def signing_key(system_id: int) -> ApiKey | None:
    """The key a callback to the system is signed with: its newest usable one."""
    for key in db.session.scalars(select(ApiKey).where(ApiKey.system_id == system_id, ApiKey.revoked_at.is_(None))
                                  .order_by(ApiKey.id.desc())):
        if key.usable_on(china_today()):
            return key
    return None


def system_center_ids(system_id: int) -> set[int]:
    return set(db.session.scalars(select(PartnerSystemCenter.center_id)
                                  .where(PartnerSystemCenter.system_id == system_id)))


def deliveries(system_id: int, limit: int = 100) -> list[OutboxEvent]:
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.system_id == system_id)
                                   .order_by(OutboxEvent.id.desc()).limit(limit)))


def resend(system: PartnerSystem, event: OutboxEvent) -> None:
    """Queue a delivered or failed event again, now (the admin's 重新发送)."""
    if event.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        raise SystemRefused("该通知正在等待发送，无需重新发送。")
    before = {"status": event.status.value}
    event.status, event.next_attempt_at, event.claim_token = OutboxStatus.PENDING, utcnow(), None
    event.attempts = 0
    audit.record("update", "outbox_event", event, label=f"{system.name} 通知 #{event.id}", before=before,
                 after={"status": event.status.value}, summary=f"重新发送通知 #{event.id}（{event.event_type}）")
