"""Who may do what: one table (role x action -> scope) that every view and template consults.

The scope says which records an allowed role reaches:
- ALL: every record;
- REGION: records of the user's region (a center's records belong to the center's region);
- CENTER: records of the user's own trading center;
- OWN: records the user registered (an agent's projects);
- HOME: records of the user's region, or every record for an account of no region (provincial level,
  e.g. the province's publicity staff).
A record outside the scope is "not found" (404), never shown.
"""
import enum
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select, true

from ..extensions import db
from ..models_base import valid_id
from .models import ROLE_LABELS, Role, User


class Scope(enum.Enum):
    ALL = "all"
    REGION = "region"
    CENTER = "center"
    OWN = "own"
    HOME = "home"


R = Role
EVERY_ROLE = {role: Scope.ALL for role in Role}

PERMISSIONS: dict[str, dict[Role, Scope]] = {
    # Organisations and accounts
    "orgs.view": EVERY_ROLE,
    "orgs.manage": {R.PROVINCE_ADMIN: Scope.ALL},
    # 三员分立: accounts are the system admin's, security settings the security admin's, the audit log the audit
    # admin's; the provincial admin keeps the business rights only
    "users.manage": {R.SYSTEM_ADMIN: Scope.ALL},
    "security.manage": {R.SECURITY_ADMIN: Scope.ALL},
    # Shared workstation directory (场所工位共享目录): everyone reads, admins maintain their own
    "workstations.view": EVERY_ROLE,
    "workstations.manage": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION},
    "workstations.local_use": {R.CENTER_STAFF: Scope.CENTER},
    # Cross-province cooperation (跨省合作): pairings, joint testing
    "partners.view": EVERY_ROLE,
    "partners.manage": {R.PROVINCE_ADMIN: Scope.ALL},
    # Partner systems (系统对接): register them, issue and revoke their API keys, see and re-send deliveries
    "partners.api": {R.PROVINCE_ADMIN: Scope.ALL},
    # Working-day calendar (工作日) and the guest-seat filing deadline
    "calendar.view": EVERY_ROLE,
    "calendar.manage": {R.PROVINCE_ADMIN: Scope.ALL},
    # Projects and tender sections; thresholds; exemptions from remote evaluation
    "projects.view": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION,
                      R.CENTER_STAFF: Scope.CENTER, R.AGENT: Scope.OWN},
    "projects.manage": {R.AGENT: Scope.OWN},
    "thresholds.view": EVERY_ROLE,
    "thresholds.manage": {R.PROVINCE_ADMIN: Scope.ALL},
    "exemptions.view": {R.PROVINCE_ADMIN: Scope.ALL, R.SUPERVISOR: Scope.REGION},
    # Expert pool (评标专家库): everyone sees the catalogue's counts; only the owning region and provincial
    # admins see the records themselves
    "experts.catalogue": EVERY_ROLE,
    "experts.view": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION},
    "experts.manage": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION},
    "experts.transfer": {R.PROVINCE_ADMIN: Scope.ALL},
    "experts.minimums": {R.PROVINCE_ADMIN: Scope.ALL},
    "specialties.manage": {R.PROVINCE_ADMIN: Scope.ALL},
    # Guest seats (客场机位): the main side files, the guest side answers; agents see their own sections'
    "bookings.view": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION,
                      R.CENTER_STAFF: Scope.CENTER, R.AGENT: Scope.OWN},
    "bookings.request": {R.AGENT: Scope.OWN, R.CENTER_STAFF: Scope.CENTER},
    "bookings.answer": {R.CENTER_STAFF: Scope.CENTER},
    "bookings.inbound": {R.CENTER_STAFF: Scope.CENTER},
    "bookings.act": {R.AGENT: Scope.OWN, R.CENTER_STAFF: Scope.CENTER},
    "bookings.calendar": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION,
                          R.CENTER_STAFF: Scope.CENTER},
    "bookings.fees": {R.PROVINCE_ADMIN: Scope.ALL, R.CENTER_STAFF: Scope.CENTER},
    "bookings.feeds": {R.CENTER_STAFF: Scope.CENTER},
    # The evaluation day and after (评标当日与事后): the main venue fixes the committee and ends the evaluation;
    # every venue runs its own part (draw, sign-in, duties, incidents, hand-over); the agent confirms payment
    "evaluation.view": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION,
                        R.CENTER_STAFF: Scope.CENTER, R.AGENT: Scope.OWN},
    "evaluation.manage": {R.CENTER_STAFF: Scope.CENTER},
    "evaluation.run": {R.CENTER_STAFF: Scope.CENTER},
    # Center staff: only for another province's evaluation their center hosts (access.may_record_payment).
    "evaluation.pay": {R.AGENT: Scope.OWN, R.CENTER_STAFF: Scope.CENTER},
    "evaluation.deadlines": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION,
                             R.SUPERVISOR: Scope.REGION, R.CENTER_STAFF: Scope.CENTER, R.AGENT: Scope.OWN},
    "evaluation.verify": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION,
                          R.SUPERVISOR: Scope.REGION},
    # A seat replaced twice is replaced again only with the project's supervisors' approval
    "evaluation.approve": {R.SUPERVISOR: Scope.REGION},
    # The monthly dispatch report (月调度情况表): regions file their own row (the provincial center's row is
    # filed by the province), the province reviews, returns and sees the whole table
    "reports.view": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION},
    "reports.file": {R.PROVINCE_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION},
    "reports.review": {R.PROVINCE_ADMIN: Scope.ALL},
    # Publicity and training (宣传推介和培训): the public reads; publicity staff and admins write, a
    # region's staff for their own region only; every account may enrol in a training session
    "notices.manage": {R.PROVINCE_ADMIN: Scope.ALL, R.PUBLICITY: Scope.HOME, R.PREFECTURE_ADMIN: Scope.REGION},
    "training.manage": {R.PROVINCE_ADMIN: Scope.ALL, R.PUBLICITY: Scope.HOME, R.PREFECTURE_ADMIN: Scope.REGION},
    "training.enrol": EVERY_ROLE,
    "training.record": {R.PROVINCE_ADMIN: Scope.ALL, R.PUBLICITY: Scope.HOME, R.PREFECTURE_ADMIN: Scope.REGION,
                        R.SUPERVISOR: Scope.REGION},
    # Audit log: the audit admin reads, exports and verifies all of it (the system and security admins' actions
    # included); the security admin reads the audit admin's own actions; a region's admins and supervisors read
    # their region's business entries
    "audit.view": {R.AUDIT_ADMIN: Scope.ALL, R.PREFECTURE_ADMIN: Scope.REGION, R.SUPERVISOR: Scope.REGION},
    "audit.export": {R.AUDIT_ADMIN: Scope.ALL},
    "audit.verify": {R.AUDIT_ADMIN: Scope.ALL},
    "audit.auditors": {R.SECURITY_ADMIN: Scope.ALL},
}

ACTION_LABELS = {
    "orgs.view": "查看机构",
    "orgs.manage": "维护地区、交易中心及联系人",
    "users.manage": "管理账号",
    "workstations.view": "查看场所工位共享目录",
    "workstations.manage": "登记、修改、停用评标场所和工位",
    "workstations.local_use": "登记和取消本中心工位的本地使用（本地评标、维护）",
    "partners.view": "查看跨省合作",
    "partners.manage": "维护对口合作与联调联试",
    "partners.api": "登记合作方系统、签发和撤销接口密钥、查看和重发通知",
    "security.manage": "安全设置（双因素认证、密码有效期）",
    "audit.view": "查看操作日志",
    "audit.export": "导出操作日志",
    "audit.verify": "核验操作日志哈希链",
    "audit.auditors": "查看审计管理员的操作记录",
    "calendar.view": "查看工作日日历",
    "calendar.manage": "维护节假日调整和申请期限",
    "projects.view": "查看项目和标段",
    "projects.manage": "登记项目和标段",
    "thresholds.view": "查看远程异地评标限额标准",
    "thresholds.manage": "维护远程异地评标限额标准",
    "exemptions.view": "查看不采用远程异地评标的说明及备案",
    "experts.catalogue": "查看评标专家库共享资源目录",
    "experts.view": "查看本地区专家信息",
    "experts.manage": "维护本地区专家信息",
    "experts.transfer": "办理专家跨地区转移",
    "experts.minimums": "设定专业最低可用专家数",
    "specialties.manage": "维护评标专业分类",
    "bookings.view": "查看客场机位申请",
    "bookings.request": "提出客场机位申请（主场）",
    "bookings.answer": "受理客场机位申请（客场）",
    "bookings.inbound": "登记外省主场发来的客场机位申请（本中心作跨省副场）",
    "bookings.act": "取消预订或标记完成（主场或客场）",
    "bookings.calendar": "查看交易中心工位预订日历",
    "bookings.fees": "公布客场就餐费用和专家劳务费标准",
    "bookings.feeds": "管理工位预订日历订阅链接",
    "evaluation.view": "查看评标当日及事后记录（专家姓名另有限制）",
    "evaluation.manage": "确定评标委员会组成、下达评审结束指令、确认资料接收（主场）",
    "evaluation.run": "抽取本场所专家、签到、保障清单、突发情况、线索和资料移交（本场所）",
    "evaluation.pay": "登记专家劳务费支付（跨省副场的由本中心登记）",
    "evaluation.deadlines": "查看期限提醒",
    "evaluation.verify": "复核专家抽取结果",
    "evaluation.approve": "审批第三次及以后的专家更换",
    "reports.view": "查看远程异地评标月调度情况表",
    "reports.file": "填报、报送本地区月调度情况表",
    "reports.review": "审核、退回月调度情况表，催报",
    "notices.manage": "撰写、发布、撤回公告和专栏文章",
    "training.manage": "发布培训、登记出勤、导出名单",
    "training.enrol": "报名参加培训",
    "training.record": "查看培训台账",
}


SCOPE_LABELS = {Scope.ALL: "全部", Scope.REGION: "本地区", Scope.CENTER: "本中心", Scope.OWN: "本人登记",
                Scope.HOME: "本地区（省级账号：全部）"}


def permission_table_markdown() -> str:
    """The permission table as Markdown (action x role -> scope), as the README prints it."""
    roles = list(Role)
    lines = ["| 操作 | " + " | ".join(ROLE_LABELS[r] for r in roles) + " |",
             "| --- |" + " --- |" * len(roles)]
    for action, grants in PERMISSIONS.items():
        cells = [SCOPE_LABELS[grants[r]] if r in grants else "—" for r in roles]
        lines.append(f"| {ACTION_LABELS[action]} (`{action}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scope_for(action: str, user=None) -> Scope | None:
    """The scope `user` has for `action`, or None when the role may not do it at all."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return None
    return PERMISSIONS[action].get(user.role)


def can(action: str, user=None) -> bool:
    return scope_for(action, user) is not None


def scope_clause(action: str, model, user=None):
    """A WHERE clause restricting `model` to what `user` reaches for `action`."""
    user = user or current_user
    scope = scope_for(action, user)
    if scope is None:
        return ~true()
    if scope is Scope.ALL:
        return true()
    if scope is Scope.CENTER:
        if not user.center_id:
            return ~true()
        # A model whose records a center reaches from two sides says which side each action acts on.
        for_action = getattr(model, "center_clause_for", None)
        return for_action(action, user.center_id) if for_action else model.center_clause(user.center_id)
    if scope is Scope.OWN:
        return model.owner_clause(user.id)
    if scope is Scope.HOME and not user.region_id:
        return true()
    return model.region_clause(user.region_id) if user.region_id else ~true()


def audit_log_clause(model, user=None):
    """The audit entries `user` reads (三员分立): audit.view's scope; for the security admin (audit.auditors), the
    audit admins' own actions, so that the one who reads everyone's actions is read too."""
    user = user or current_user
    if can("audit.view", user):
        return scope_clause("audit.view", model, user)
    if can("audit.auditors", user):
        return model.user_id.in_(select(User.id).where(User.role == Role.AUDIT_ADMIN).scalar_subquery())
    return ~true()


def region_reach(action: str, user=None) -> set[int] | None:
    """The regions `user` reaches for `action`: None for every region, an empty set for none."""
    user = user or current_user
    scope = scope_for(action, user)
    if scope is None:
        return set()
    if scope is Scope.ALL or (scope is Scope.HOME and not user.region_id):
        return None
    return {user.region_id} if user.region_id else set()


def scoped_select(action: str, model, user=None):
    """select(model) limited to the user's scope for `action`."""
    return select(model).where(scope_clause(action, model, user))


def get_scoped_or_404(action: str, model, ident, options=()):
    """Load one record within the user's scope; anything else (missing or out of scope) is 404."""
    ident = valid_id(ident)
    if ident is None:
        abort(404)
    stmt = scoped_select(action, model).where(model.id == ident)
    if options:
        stmt = stmt.options(*options)
    record = db.session.scalars(stmt).first()
    if record is None:
        abort(404)
    return record


def permission_required(action: str):
    """Login required, and the role must appear for `action` in the table (else 403)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
