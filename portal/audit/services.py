"""Writing audit entries: called by services, inside the transaction of the change they record."""
from datetime import UTC
from decimal import Decimal

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select, update

from ..extensions import db
from ..models_base import utcnow
from . import chain
from .models import AuditChainHead, AuditEntry

ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "retire": "停用",
    "restore": "恢复",
    "import": "批量导入",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "logout_all": "退出所有设备",
    "session_end": "结束登录会话",
    "confirm": "确认身份",
    "confirm_failed": "确认身份失败",
    "password": "修改密码",
    "password_reset": "重置密码",
    "file": "登记备案",
    "view": "查看",
    "transfer": "转移",
    "export": "导出",
    "submit": "提交",
    "accept": "接受",
    "reject": "拒绝",
    "withdraw": "撤回",
    "cancel": "取消",
    "complete": "完成",
    "revoke": "撤销",
    "draw": "抽取专家",
    "replace": "更换专家",
    "sign_in": "签到",
    "sign": "签署",
    "end": "评审结束",
    "handover": "资料移交",
    "receive": "确认接收",
    "pay": "登记支付",
    "return": "退回",
    "approve": "审核通过",
    "reopen": "重新打开",
    "remind": "催报",
    "winning": "登记中标金额",
    "publish": "发布",
    "enrol": "报名",
    "attendance": "登记出勤",
    "login_password": "密码验证通过",
    "two_factor_failed": "双因素认证失败",
    "two_factor_on": "启用双因素认证",
    "two_factor_off": "关闭双因素认证",
    "recovery_codes": "重新生成恢复码",
    "verify": "核验日志",
    "keys_rotate": "轮换字段加密密钥",
}

FIELD_LABELS = {
    "code": "编号", "venue_id": "评标场所", "cross_province": "支持跨省", "has_av": "音视频设备",
    "has_id_reader": "身份证读卡器", "has_signature_pad": "电子签名板", "status": "状态", "notes": "备注",
    "retire_reason": "停用原因", "name": "名称", "center_id": "交易中心", "address": "地址",
    "short_name": "简称", "alias": "其他名称", "province_id": "省份", "region_id": "地区", "level": "层级",
    "is_standing_secondary": "常态化跨省副场", "standing_required": "副场应有跨省工位数",
    "expert_fee_note": "专家劳务费标准", "expert_fee_base_yuan": "劳务费基本标准",
    "expert_fee_base_hours": "基本标准小时数", "expert_fee_extra_hour_yuan": "超过部分每小时",
    "expert_fee_cap_yuan": "劳务费每天最高", "meal_fee_yuan": "就餐费用标准", "active": "启用",
    "username": "用户名", "display_name": "姓名", "role": "角色", "organisation": "单位", "phone": "电话",
    "duty": "职责", "file": "文件", "rows": "行数", "codes": "工位编号",
    "implementing_center_id": "实施单位", "partner_center_ids": "合作援助单位", "start_date": "开始日期",
    "end_date": "结束日期", "basis": "依据", "event_date": "日期", "result": "结果", "workstations": "使用工位",
    "center_ids": "参与的本省交易中心",
    "day": "日期", "working": "上班", "notice": "依据的通知", "note": "节日名称", "year": "年份",
    "lead_working_days": "提前工作日数", "count_evaluation_day": "评标当日计入",
    "amount_wan": "限额（万元）", "effective_from": "生效日期", "category": "类别",
    "tenderee": "招标人", "agency": "招标代理机构", "contract_estimate_wan": "合同估算价",
    "investment_estimate_wan": "项目投资概算", "budget_wan": "资金预算", "epc_construction_wan": "施工部分",
    "epc_goods_wan": "货物部分", "epc_services_wan": "服务部分", "combined_parts": "合并采购内容",
    "special_expert_needs": "专家特殊要求", "special_specialties": "特殊要求的专业",
    "local_pool_insufficient": "本地专家不足", "main_center_id": "主场", "evaluation_date": "评标日期",
    "start_time": "评标开始时间", "prequalification": "资格预审", "mandatory_tender": "依法必须招标",
    "remote_level": "远程异地评标判定",
    "reason": "原因", "explanation": "书面说明", "pdf_name": "扫描件", "pdf_sha256": "扫描件校验值",
    "share_scope": "共享范围", "employer": "工作单位", "title": "职称", "suspended_reason": "暂停原因",
    "suspended_until": "暂停至", "specialties": "评标专业", "minimum": "最低可用专家数",
    "winner_determined_on": "确定中标人日期", "filed_on": "备案日期", "filed_with": "行政监督部门",
    "guest_center_id": "客场", "duration_minutes": "预计时长（分钟）", "committee_size": "评标委员会人数",
    "seats_requested": "申请机位数", "tenderee_reps": "招标人代表人数", "bidders": "投标人",
    "supervising_department": "行政监督部门", "venues": "各场所专家人数", "seats_accepted": "接受机位数", "label": "名称",
    "subject": "标题", "column": "栏目", "pinned": "置顶", "publish_at": "发布时间", "tags": "标签", "body_length": "正文字数",
    "attachments": "附件", "withdrawn_reason": "撤回原因", "starts_at": "开始时间", "ends_at": "结束时间",
    "place": "地点", "online_url": "线上链接", "capacity": "名额", "audiences": "培训对象",
    "materials": "培训资料", "cancel_reason": "取消原因", "audience": "参训身份", "attended": "出勤",
    "walk_ins": "未报名参训人数",
    "two_factor_required": "必须使用双因素认证", "password_max_age_days": "密码有效期（天）",
    "current": "当前密钥", "changed": "重新加密的字段值",
    "callback_url": "回调地址", "key_id": "密钥编号", "expires_on": "有效期至", "revoked": "已撤销",
}

OBJECT_LABELS = {
    "workstation": "评标工位",
    "venue": "评标场所",
    "trading_center": "交易中心",
    "center_contact": "联系人",
    "user": "账号",
    "field_keys": "字段加密密钥",
    "mail_preferences": "邮件提醒设置",
    "region": "地区",
    "pairing": "对口合作",
    "joint_test": "联调联试",
    "calendar_override": "节假日调整",
    "announced_year": "年度节假日安排",
    "deadline_setting": "申请期限设置",
    "threshold": "限额标准",
    "project": "项目",
    "section": "标段",
    "exemption": "书面说明",
    "expert": "评标专家",
    "specialty": "评标专业",
    "seat_request": "客场机位申请",
    "evaluation": "远程异地评标",
    "incident": "突发情况",
    "clue": "违法违规线索",
    "monthly_report": "月调度情况表",
    "calendar_feed": "日历订阅",
    "notice": "公告",
    "training_session": "培训",
    "enrolment": "培训报名",
    "role_policy": "角色安全设置",
    "audit_log": "操作日志",
    "partner_system": "合作方系统",
    "api_key": "接口密钥",
    "outbox_event": "发往合作方的通知",
}


def snapshot(obj, fields) -> dict:
    """The named fields of a record as JSON-safe values for before/after: enums by value, dates as ISO text."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out


def current_actor_id() -> int | None:
    """The logged-in user's id, or None outside a request (CLI, demo loading)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def record(action: str, object_type: str, obj=None, *, label: str = "", region_id=None,
           before: dict | None = None, after: dict | None = None, summary: str = "",
           actor=None, username: str | None = None) -> AuditEntry:
    """Add an audit entry to the session (the caller's transaction commits or rolls back both)."""
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # the entry needs the new record's id
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    values = {
        "created_at": utcnow(),
        "user_id": actor.id if actor is not None else None,
        "username": username or (actor.username if actor is not None else "系统"),
        "action": action,
        "object_type": object_type,
        "object_id": getattr(obj, "id", None),
        "object_label": (label or (str(obj) if obj is not None else ""))[:200],
        "region_id": region_id,
        "summary": summary[:500],
        "before": before,
        "after": after,
    }
    # Take the chain's head first (this serialises writers), link the entry to it, move the head on.
    prev_hash = db.session.execute(
        update(AuditChainHead).where(AuditChainHead.id == 1).values(entries=AuditChainHead.entries + 1)
        .returning(AuditChainHead.last_hash).execution_options(synchronize_session=False)).scalar_one()
    entry_hash = chain.entry_hash(values, prev_hash)
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=entry_hash)
                       .execution_options(synchronize_session=False))
    entry = AuditEntry(**values, prev_hash=prev_hash, entry_hash=entry_hash)
    db.session.add(entry)
    return entry


def verify_chain(batch: int = 2000) -> tuple[int, tuple[int | None, str] | None]:
    """(entries read, first break or None): the whole log re-hashed in id order, a batch at a time."""
    # One snapshot for the head and every batch (PostgreSQL's default isolation would let entries committed
    # during the walk show up as a mismatch); SQLite's read transaction is a snapshot already.
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = db.session.get(AuditChainHead, 1)
    columns = [getattr(AuditEntry, name) for name in ("id", "prev_hash", "entry_hash", *chain.FIELDS)]
    read = 0

    def rows():
        nonlocal read
        last_id = 0
        while True:
            chunk = db.session.execute(select(*columns).where(AuditEntry.id > last_id)
                                       .order_by(AuditEntry.id).limit(batch)).mappings().all()
            if not chunk:
                return
            for row in chunk:
                read += 1
                yield row
            last_id = chunk[-1]["id"]

    problem = chain.first_break(rows(), head.last_hash if head else None, head.entries if head else 0)
    db.session.rollback()
    return read, problem


def chain_anchor() -> dict:
    """The chain's head now (length and last hash), to be kept off-site: printed, mailed, written to storage the
    database's owner cannot change. `check_anchor` later proves the log up to that entry is unchanged, also
    against someone who could set the triggers aside and re-hash the whole log."""

    head = db.session.get(AuditChainHead, 1)
    return {"entries": head.entries if head else 0, "last_hash": head.last_hash if head else None,
            "taken_at": utcnow().astimezone(UTC).isoformat(timespec="seconds")}


def check_anchor(anchor: dict) -> str | None:
    """None when the log still holds the anchored entry with its hash at its place; else what differs
    (Chinese). Run after verify_chain: a log that re-hashes rightly and still ends its first `entries` entries
    in the anchored hash is, up to there, the log the anchor saw."""
    try:
        entries, last_hash = int(anchor["entries"]), anchor["last_hash"]
    except (KeyError, TypeError, ValueError):
        return "锚点文件格式不对（应含 entries 与 last_hash）"
    if entries <= 0:
        return None
    found = db.session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id).offset(entries - 1).limit(1))
    db.session.rollback()
    if found is None:
        return f"日志不足 {entries} 条：锚点之前的记录被删除"
    if found != last_hash:
        return f"第 {entries} 条记录的校验值与锚点（{anchor.get('taken_at', '时间不明')}）不符：锚点之前的记录被改动后重算"
    return None
