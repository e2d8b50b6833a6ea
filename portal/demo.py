"""Demo data: the 12 Jilin regions (seed 000 attachment order), trading centers, the Hubei plan's
implementing and partner units (seed 004 attachment), venues, workstations and one account per role."""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .auth.models import Role, User
from .auth.passwords import hash_password
from .clock import CHINA, china_today
from .extensions import db
from .models_base import utcnow
from .orgs.models import CenterContact, Province, Region, TradingCenter
from .partners.models import JointTestCenter, JointTestEvent, JointTestStatus, Pairing, PairingPartner
from .workstations.models import Venue, VenueStatus, Workstation, WorkstationStatus

DEMO_PASSWORD = "demo-pass-2026"

# (code, name) in the attachment's order.
REGIONS = [
    ("province", "省公共资源交易中心"), ("changchun", "长春地区"), ("jilin", "吉林地区"),
    ("siping", "四平地区"), ("liaoyuan", "辽源地区"), ("tonghua", "通化地区"), ("baishan", "白山地区"),
    ("songyuan", "松原地区"), ("baicheng", "白城地区"), ("yanbian", "延边州"),
    ("changbaishan", "长白山开发区"), ("meihekou", "梅河口市"),
]

# (name, short name, province short name, level)
PROVINCES = [
    ("吉林省", "吉林"), ("湖北省", "湖北"), ("江苏省", "江苏"), ("山东省", "山东"), ("湖南省", "湖南"),
    ("广东省", "广东"), ("重庆市", "重庆"), ("四川省", "四川"), ("新疆维吾尔自治区", "新疆"),
    ("新疆生产建设兵团", "兵团"), ("辽宁省", "辽宁"), ("浙江省", "浙江"), ("安徽省", "安徽"),
]

# Jilin centers: (name, short name, region code, level, standing secondary venue, alias, code prefix)
JILIN_CENTERS = [
    ("吉林省公共资源交易中心", "省中心", "province", "省级", True, None, "SZX"),
    ("长春市公共资源交易中心", "长春", "changchun", "市级", True, None, "CC"),
    ("榆树市公共资源交易中心", "榆树", "changchun", "县级", False, None, "YS"),
    ("吉林市公共资源交易中心", "吉林市", "jilin", "市级", True, "吉林市公共资源交易服务中心", "JL"),
    ("四平市公共资源交易中心", "四平", "siping", "市级", True, None, "SP"),
    ("辽源市公共资源交易中心", "辽源", "liaoyuan", "市级", False, None, "LY"),
    ("通化市公共资源交易中心", "通化", "tonghua", "市级", False, None, "TH"),
    ("白山市公共资源交易中心", "白山", "baishan", "市级", False, None, "BS"),
    ("松原市公共资源交易中心", "松原", "songyuan", "市级", False, None, "SY"),
    ("白城市公共资源交易中心", "白城", "baicheng", "市级", False, None, "BC"),
    ("延边州公共资源交易中心", "延边", "yanbian", "市级", False, None, "YB"),
    ("长白山开发区公共资源交易中心", "长白山", "changbaishan", "市级", False, None, "CBS"),
    ("梅河口市公共资源交易中心", "梅河口", "meihekou", "市级", False, None, "MHK"),
]

# Seed 004 attachment: implementing units (实施单位), in its order.
HUBEI_IMPLEMENTING = [
    ("湖北省公共资源交易中心（湖北省政府采购中心）", "湖北省中心", "湖北省", "省级"),
    ("十堰市公共资源交易中心", "十堰", "湖北省", "市级"),
    ("宜昌市公共资源交易中心", "宜昌", "湖北省", "市级"),
    ("黄冈市公共资源交易中心", "黄冈", "湖北省", "市级"),
]

# Seed 004 attachment: partner (aid) units (合作援助单位), 8 provincial then 12 municipal, in its order.
# The fourth municipal one, 吉林市公共资源交易服务中心, is the Jilin city center above (its alias).
HUBEI_PARTNERS = [
    ("江苏省公共资源交易中心", "江苏省中心", "江苏省", "省级"),
    ("山东省公共资源交易中心", "山东省中心", "山东省", "省级"),
    ("湖南省公共资源交易中心", "湖南省中心", "湖南省", "省级"),
    ("广东省公共资源交易中心", "广东省中心", "广东省", "省级"),
    ("重庆市公共资源交易中心", "重庆", "重庆市", "省级"),
    ("四川省政府政务服务和公共资源交易服务中心", "四川省中心", "四川省", "省级"),
    ("新疆维吾尔自治区建设工程交易中心", "新疆建设工程", "新疆维吾尔自治区", "省级"),
    ("新疆生产建设兵团公共资源交易中心", "兵团中心", "新疆生产建设兵团", "省级"),
    ("南京市公共资源交易中心", "南京", "江苏省", "市级"),
    ("大连市营商环境建设局（大连市公共资源交易管理办公室）", "大连", "辽宁省", "市级"),
    ("长沙公共资源交易中心", "长沙", "湖南省", "市级"),
    ("吉林市公共资源交易服务中心", "吉林市", "吉林省", "市级"),
    ("苏州市公共资源交易中心", "苏州", "江苏省", "市级"),
    ("南通市公共资源交易中心", "南通", "江苏省", "市级"),
    ("湖州市公共资源交易中心", "湖州", "浙江省", "市级"),
    ("淮南市公共资源交易中心", "淮南", "安徽省", "市级"),
    ("淄博市公共资源交易中心", "淄博", "山东省", "市级"),
    ("佛山市公共资源交易中心", "佛山", "广东省", "市级"),
    ("广元市公共资源交易信息中心", "广元", "四川省", "市级"),
    ("达州市公共资源交易服务中心", "达州", "四川省", "市级"),
]

# Seed 004 attachment: pairings (对口合作对象), implementing unit -> its partner units, in order.
HUBEI_PAIRINGS = [
    ("湖北省公共资源交易中心（湖北省政府采购中心）", [
        "湖南省公共资源交易中心", "四川省政府政务服务和公共资源交易服务中心",
        "新疆维吾尔自治区建设工程交易中心", "新疆生产建设兵团公共资源交易中心", "南京市公共资源交易中心",
        "长沙公共资源交易中心", "广元市公共资源交易信息中心", "达州市公共资源交易服务中心"]),
    ("十堰市公共资源交易中心", [
        "广东省公共资源交易中心", "重庆市公共资源交易中心", "淮南市公共资源交易中心", "佛山市公共资源交易中心"]),
    ("宜昌市公共资源交易中心", [
        "江苏省公共资源交易中心", "苏州市公共资源交易中心", "南通市公共资源交易中心", "湖州市公共资源交易中心"]),
    ("黄冈市公共资源交易中心", [
        "山东省公共资源交易中心", "大连市营商环境建设局（大连市公共资源交易管理办公室）",
        "吉林市公共资源交易服务中心", "淄博市公共资源交易中心"]),
]

# (center name, venue, cross-province workstations, in-province-only workstations)
WORKSTATIONS = [
    ("吉林省公共资源交易中心", "远程异地评标区", 12, 8),
    ("长春市公共资源交易中心", "第一评标区", 10, 10),
    ("长春市公共资源交易中心", "第二评标区", 0, 6),
    ("榆树市公共资源交易中心", "评标室", 0, 4),
    ("吉林市公共资源交易中心", "远程评标区", 8, 6),
    ("四平市公共资源交易中心", "评标区", 6, 4),
    ("辽源市公共资源交易中心", "评标区", 0, 6),
    ("通化市公共资源交易中心", "评标区", 2, 6),
    ("白山市公共资源交易中心", "评标区", 0, 4),
    ("松原市公共资源交易中心", "评标区", 0, 6),
    ("白城市公共资源交易中心", "评标区", 0, 4),
    ("延边州公共资源交易中心", "评标区", 4, 6),
    ("长白山开发区公共资源交易中心", "评标区", 0, 3),
    ("梅河口市公共资源交易中心", "评标区", 0, 4),
]

CONTACTS = [
    ("吉林省公共资源交易中心", "张笑宁", "0431-82752006", "省政数局联系人（远程异地评标调度）"),
    ("吉林省公共资源交易中心", "陈宇峰", "0431-88906210", "省发展改革委联系人"),
]

# (username, display name, role, region code, center name, organisation)
ACCOUNTS = [
    ("province", "省级管理员", Role.PROVINCE_ADMIN, None, None, "吉林省政务服务和数字化建设管理局"),
    ("changchun", "长春地区管理员", Role.PREFECTURE_ADMIN, "changchun", None, "长春市政数局"),
    ("jilin", "吉林地区管理员", Role.PREFECTURE_ADMIN, "jilin", None, "吉林市政数局"),
    ("staff-changchun", "长春中心工作人员", Role.CENTER_STAFF, "changchun", "长春市公共资源交易中心", None),
    ("staff-jilin", "吉林市中心工作人员", Role.CENTER_STAFF, "jilin", "吉林市公共资源交易中心", None),
    ("agent", "招标代理", Role.AGENT, None, None, "吉林省示例招标代理有限公司"),
    ("supervisor", "长春监督员", Role.SUPERVISOR, "changchun", None, "长春市住房和城乡建设局"),
    ("publicity", "宣传培训专员", Role.PUBLICITY, None, None, "吉林省政务服务和数字化建设管理局"),
    # 三员分立: each logs in with a password and, from the first login on, a TOTP code (enrolled at that login)
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, None, None, "吉林省政务服务和数字化建设管理局"),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, None, None, "吉林省政务服务和数字化建设管理局"),
    ("auditor", "审计管理员", Role.AUDIT_ADMIN, None, None, "吉林省政务服务和数字化建设管理局"),
]


def _get_or_add(model, lookup: dict, **values):
    record = db.session.scalars(select(model).filter_by(**lookup)).first()
    if record is None:
        record = model(**lookup, **values)
        db.session.add(record)
        db.session.flush()
        return record, True
    return record, False


def load_organisations() -> dict[str, int]:
    """Provinces, regions and centers; returns how many of each were added."""
    added = {"provinces": 0, "regions": 0, "centers": 0}
    provinces = {}
    for order, (name, short) in enumerate(PROVINCES):
        provinces[name], new = _get_or_add(Province, {"name": name}, short_name=short,
                                           is_home=(order == 0), sort_order=order)
        added["provinces"] += new
    regions = {}
    for order, (code, name) in enumerate(REGIONS, start=1):
        regions[code], new = _get_or_add(Region, {"code": code}, name=name, sort_order=order,
                                         province_id=provinces["吉林省"].id)
        added["regions"] += new
    for name, short, region, level, standing, alias, _ in JILIN_CENTERS:
        _, new = _get_or_add(TradingCenter, {"name": name}, short_name=short, alias=alias,
                             province_id=provinces["吉林省"].id, region_id=regions[region].id, level=level,
                             is_standing_secondary=standing, standing_required=10, active=True)
        added["centers"] += new
    aliases = {alias for *_, alias, _ in JILIN_CENTERS if alias}
    for name, short, province, level in HUBEI_IMPLEMENTING + HUBEI_PARTNERS:
        if name in aliases:
            continue
        _, new = _get_or_add(TradingCenter, {"name": name}, short_name=short,
                             province_id=provinces[province].id, region_id=None, level=level,
                             is_standing_secondary=False, standing_required=0, active=True)
        added["centers"] += new
    return added


HUBEI_PLAN = "关于积极应对疫情开展跨省远程异地分散评标实施方案（附件：实施单位、合作援助单位、对口合作对象名单）"
HUBEI_PLAN_START = date(2020, 3, 1)

# Demo joint-testing steps (联调联试) of Jilin with partner provinces: (province, status, date, result)
# (partner province, step, date, result, the home-province centers that took part: standing venues)
JOINT_TESTS = [
    ("湖北省", JointTestStatus.PLANNED, date(2026, 4, 10), "列入首批跨省联调计划", ()),
    ("湖北省", JointTestStatus.TESTING, date(2026, 5, 18), "音视频与系统互联测试",
     ("吉林省公共资源交易中心", "吉林市公共资源交易中心")),
    ("湖北省", JointTestStatus.PASSED, date(2026, 6, 12), "测试通过", ("吉林省公共资源交易中心", "吉林市公共资源交易中心")),
    ("湖北省", JointTestStatus.ROUTINE, date(2026, 9, 1), "转入常态化运行", ()),
    ("辽宁省", JointTestStatus.PLANNED, date(2026, 7, 1), "按国家统一时间安排联调", ()),
    ("辽宁省", JointTestStatus.TESTING, date(2026, 10, 20), "专家身份核验接口测试中",
     ("长春市公共资源交易中心", "四平市公共资源交易中心")),
]


def load_pairings() -> int:
    """The Hubei plan's pairings (seed 004 attachment, 三), partners in the listed order."""
    centers = {c.name: c.id for c in db.session.scalars(select(TradingCenter))}
    centers.update({c.alias: c.id for c in db.session.scalars(select(TradingCenter)) if c.alias})
    added = 0
    for implementing, partners in HUBEI_PAIRINGS:
        exists = db.session.scalars(select(Pairing.id).filter_by(
            implementing_center_id=centers[implementing], start_date=HUBEI_PLAN_START)).first()
        if exists:
            continue
        db.session.add(Pairing(implementing_center_id=centers[implementing], start_date=HUBEI_PLAN_START,
                               basis=HUBEI_PLAN, partners=[
                                   PairingPartner(partner_center_id=centers[name], position=i)
                                   for i, name in enumerate(partners)]))
        added += 1
    db.session.flush()
    return added


def load_joint_tests() -> int:
    provinces = {p.name: p.id for p in db.session.scalars(select(Province))}
    centers = {c.name: c.id for c in db.session.scalars(select(TradingCenter))}
    added = 0
    for province, status, day, result, taking_part in JOINT_TESTS:
        exists = db.session.scalars(select(JointTestEvent.id).filter_by(
            province_id=provinces[province], status=status, event_date=day)).first()
        if exists:
            continue
        event = JointTestEvent(province_id=provinces[province], status=status, event_date=day,
                               result=result, notes="演示数据", recorded_by="系统")
        db.session.add(event)
        db.session.flush()
        db.session.add_all(JointTestCenter(event_id=event.id, center_id=centers[name]) for name in taking_part
                           if name in centers)
        added += 1
    db.session.flush()
    return added


def load_thresholds() -> int:
    """The notice's thresholds (as migration 0003 inserts them), when missing."""
    from datetime import date

    from .projects.models import Threshold
    from .projects.rules import STARTER_THRESHOLDS, STARTER_THRESHOLDS_FROM, STARTER_THRESHOLDS_NOTICE

    added = 0
    for category, amount in STARTER_THRESHOLDS.items():
        _, new = _get_or_add(Threshold, {"category": category, "effective_from": date(*STARTER_THRESHOLDS_FROM)},
                             amount_wan=amount, notice=STARTER_THRESHOLDS_NOTICE)
        added += new
    return added


def load_demo() -> dict[str, int]:
    """Everything seed-demo loads; running it again adds nothing."""
    added = load_organisations()
    centers = {c.name: c for c in db.session.scalars(select(TradingCenter))}
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    prefixes = {name: prefix for name, *_, prefix in JILIN_CENTERS}
    added["contacts"] = 0
    for center, name, phone, duty in CONTACTS:
        _, new = _get_or_add(CenterContact, {"center_id": centers[center].id, "name": name},
                             phone=phone, duty=duty)
        added["contacts"] += new
    added["venues"] = added["workstations"] = 0
    for center_name, venue_name, cross, local in WORKSTATIONS:
        center = centers[center_name]
        venue, new = _get_or_add(Venue, {"center_id": center.id, "name": venue_name},
                                 status=VenueStatus.ACTIVE, address=f"{center.short_name}交易中心大楼")
        added["venues"] += new
        area = "A" if venue_name not in ("第二评标区",) else "B"
        for number in range(1, cross + local + 1):
            code = f"{prefixes[center_name]}-{area}{number:02d}"
            _, new = _get_or_add(Workstation, {"center_id": center.id, "code": code}, venue_id=venue.id,
                                 cross_province=number <= cross, has_av=True, has_id_reader=number <= cross,
                                 has_signature_pad=number <= cross, status=WorkstationStatus.AVAILABLE)
            added["workstations"] += new
    added["pairings"] = load_pairings()
    added["joint_tests"] = load_joint_tests()
    added["thresholds"] = load_thresholds()
    added["accounts"] = 0
    password_hash = None
    for username, display, role, region, center, organisation in ACCOUNTS:
        if db.session.scalars(select(User.id).filter_by(username=username)).first() is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        db.session.add(User(username=username, display_name=display, role=role,
                            region_id=regions[region].id if region else None,
                            center_id=centers[center].id if center else None,
                            organisation=organisation, password_hash=password_hash, active=True))
        added["accounts"] += 1
    db.session.flush()
    added["sections"] = load_projects()
    added["experts"] = load_experts()
    added["fees"] = load_fees()
    added["seat_requests"] = load_seat_requests()
    added["last_month"] = load_last_month()
    added["notices"] = load_notices()
    added["training"] = load_training()
    return added


# Demo notices (公告专栏): (title, column, region code or None for 全省, tags, body).
NOTICES = [
    ("关于加快推广远程异地评标工作的通知", "announcement", None, ("政策", "远程异地评标"),
     "各市（州）政数局、省公共资源交易中心：\n\n为加快推广远程异地评标，现就有关事项通知如下：\n\n"
     "1. 达到限额标准的依法必须招标项目原则上采用远程异地评标；\n2. 各交易中心登记评标工位，纳入共享目录；\n"
     "3. 客场机位至少提前 **3 个工作日** 申请。"),
    ("远程异地评标业务培训班报名通知", "announcement", None, ("培训", "评标专家"),
     "定于下月举办远程异地评标业务培训班，面向招标人、代理机构、评标专家和交易中心工作人员。请在“培训”栏目在线报名。"),
    ("一图读懂远程异地评标流程", "policy", None, ("政策解读",),
     "## 主场\n\n申请客场机位、抽取专家、下达评审结束指令。\n\n## 客场\n\n受理申请、专家签到、资料移交。"),
    ("长春地区完成首个跨省远程异地评标项目", "news", "changchun", ("工作动态", "跨省"),
     "长春市公共资源交易中心作为主场，与湖北省公共资源交易中心协同完成跨省远程异地评标。"),
]


def load_notices() -> int:
    """A few published notices, so that the public list, search and feed show something."""
    from . import richtext
    from .notices.models import Notice, NoticeTag
    from .notices.rules import Status

    added = 0
    regions = {r.code: r.id for r in db.session.scalars(select(Region))}
    for n, (title, column, region, tags, body) in enumerate(NOTICES):
        if db.session.scalars(select(Notice.id).filter_by(title=title)).first() is not None:
            continue
        html = richtext.to_html(body)
        db.session.add(Notice(
            title=title, column=column, region_id=regions.get(region) if region else None, body_source=body,
            body_html=html, search_text=richtext.normalise(" ".join([title, richtext.to_text(html), *tags])),
            pinned=n == 0, status=Status.PUBLISHED, publish_at=utcnow() - timedelta(days=len(NOTICES) - n),
            tags=[NoticeTag(tag=tag, position=i) for i, tag in enumerate(tags)]))
        added += 1
    db.session.flush()
    return added


def load_training() -> int:
    """One published session of the province a fortnight from now, open for enrolment."""
    from .training.models import TrainingAudience, TrainingSession
    from .training.rules import Status

    title = "远程异地评标业务培训班（第一期）"
    if db.session.scalars(select(TrainingSession.id).filter_by(title=title)).first() is not None:
        return 0
    region = db.session.scalars(select(Region).filter_by(code="province")).first()
    if region is None:
        return 0
    # 09:00 China time, stored as UTC like every time (SQLite keeps no offset: an aware China time read back
    # as UTC showed 17:00).
    starts = datetime.combine(china_today() + timedelta(days=14), time(9, 0), tzinfo=CHINA).astimezone(UTC)
    db.session.add(TrainingSession(
        title=title, region_id=region.id, starts_at=starts, ends_at=starts + timedelta(hours=3),
        place="吉林省公共资源交易中心 三楼培训室", online_url="https://meeting.example.cn/remote-evaluation",
        capacity=60, enrolled=0, status=Status.PUBLISHED, body_source="远程异地评标流程、系统操作、常见问题。",
        body_html="<p>远程异地评标流程、系统操作、常见问题。</p>",
        audiences=[TrainingAudience(audience=a, position=i, walk_ins=0)
                   for i, a in enumerate(("tenderee", "agency", "expert", "staff"))]))
    db.session.flush()
    return 1


# Published guest-side standards (客场就餐费用标准, 专家劳务费标准) of a few demo centers; fictional figures.
FEES = [
    ("长春市公共资源交易中心", "50", "600", "100", "1000", "按吉林省评标专家劳务费标准执行。"),
    ("吉林市公共资源交易中心", "60", "600", "100", "1000", "按吉林省评标专家劳务费标准执行。"),
    ("吉林省公共资源交易中心", "60", "800", "100", "1200", "按吉林省评标专家劳务费标准执行。"),
]


def load_fees() -> int:
    from decimal import Decimal

    changed = 0
    for name, meal, base, extra, cap, note in FEES:
        center = db.session.scalars(select(TradingCenter).filter_by(name=name)).first()
        if center is not None and center.meal_fee_yuan is None:
            center.meal_fee_yuan, center.expert_fee_note = Decimal(meal), note
            center.expert_fee_base_yuan, center.expert_fee_base_hours = Decimal(base), 4
            center.expert_fee_extra_hour_yuan, center.expert_fee_cap_yuan = Decimal(extra), Decimal(cap)
            changed += 1
    db.session.flush()
    return changed


def load_seat_requests() -> int:
    """One request of the demo agent waiting in 吉林市's inbox, so that the workflow can be tried at once."""
    from .bookings.models import SeatRequest
    from .bookings.rules import Status, evaluation_range
    from .projects.models import Project, Section

    if db.session.scalars(select(SeatRequest.id)).first() is not None:
        return 0
    owner = db.session.scalars(select(User).filter_by(username="agent")).first()
    guest = db.session.scalars(select(TradingCenter).filter_by(name="吉林市公共资源交易中心")).first()
    section = db.session.scalars(
        select(Section).join(Project).where(Project.owner_id == owner.id, Section.evaluation_date.is_not(None),
                                            Section.main_center_id != guest.id)
        .order_by(Section.evaluation_date.desc())).first() if owner and guest else None
    if section is None:
        return 0
    starts, ends = evaluation_range(section.evaluation_date, section.start_time, 240)
    db.session.add(SeatRequest(
        section_id=section.id, main_center_id=section.main_center_id, guest_center_id=guest.id,
        cross_province=False, requested_by_id=owner.id, status=Status.SUBMITTED,
        evaluation_date=section.evaluation_date, start_time=section.start_time, duration_minutes=240,
        starts_at=starts, ends_at=ends, committee_size=7, seats_requested=2, version=1, revision=0,
        notes="演示数据：请吉林市中心工作人员受理。", submitted_at=utcnow()))
    db.session.flush()
    return 1 + _inbound_request(guest, section.evaluation_date, section.start_time)


def _inbound_request(guest: TradingCenter, day, start) -> int:
    """A request of 黄冈市 (seed 004 pairs it with 吉林市) registered by 吉林市's staff: inbound work (跨省副场)."""
    from decimal import Decimal

    from .bookings.models import SeatRequest
    from .bookings.rules import Status, evaluation_range
    from .projects.models import Project, Section
    from .projects.rules import Category, Level

    staff = db.session.scalars(select(User).filter_by(username="staff-jilin")).first()
    main = db.session.scalars(select(TradingCenter).filter_by(name="黄冈市公共资源交易中心")).first()
    if staff is None or main is None:
        return 0
    project = Project(code="HGZB-2026-0342", name="黄冈市城区供水管网改造工程", tenderee="黄冈市某水务投资有限公司",
                      region_id=guest.region_id, owner_id=staff.id, host_center_id=guest.id)
    section = Section(project=project, code="01", name="供水管网改造施工一标段", category=Category.CONSTRUCTION,
                      budget_wan=Decimal(3200), estimated_price_wan=Decimal(3200), main_center_id=main.id,
                      evaluation_date=day, start_time=start, remote_level=Level.NOT_REQUIRED)
    db.session.add_all([project, section])
    db.session.flush()
    starts, ends = evaluation_range(day, start, 240)
    db.session.add(SeatRequest(
        section_id=section.id, main_center_id=main.id, guest_center_id=guest.id, cross_province=True, inbound=True,
        requested_by_id=staff.id, status=Status.SUBMITTED, evaluation_date=day, start_time=start,
        duration_minutes=240, starts_at=starts, ends_at=ends, committee_size=7, seats_requested=2, version=1,
        revision=0, partner_contact="黄冈市公共资源交易中心 王工 0713-8866001", partner_reference="HGYC-2026-118",
        notes="演示数据：黄冈市发来的跨省副场申请，已由吉林市中心登记，请受理。", submitted_at=utcnow()))
    db.session.flush()
    return 1


# Last month's remote evaluations, so that the monthly report and its boards have figures to show:
# (project code, project, tenderee, region, main center, section, budget 万元, winning 万元 or None, guest center,
#  guest experts, the how-manieth working day of the month). The last one is inbound work: 黄冈 hosted by 吉林市.
LAST_MONTH = [
    ("JLZB-DEMO-L01", "长春市东部快速路改造工程", "长春市城市建设局", "changchun", "长春市公共资源交易中心",
     "施工一标段", "2860", "2718.5", "吉林市公共资源交易中心", 2, 3),
    ("JLZB-DEMO-L02", "长春市第二水厂扩建工程", "长春水务集团有限公司", "changchun", "长春市公共资源交易中心",
     "设备采购", "1260", None, "大连市营商环境建设局（大连市公共资源交易管理办公室）", 3, 6),
    ("JLZB-DEMO-L03", "四平市中心医院门诊楼工程", "四平市中心医院", "siping", "四平市公共资源交易中心",
     "施工总承包", "5400", "5132", "长春市公共资源交易中心", 2, 9),
    ("HGZB-DEMO-L04", "黄冈市城东污水管网工程", "黄冈市城投集团有限公司", "jilin", "黄冈市公共资源交易中心",
     "管网施工标段", "1980", "1890", "吉林市公共资源交易中心", 2, 12),
]


def load_last_month() -> int:
    """Last month's evaluations as the report counts them: sections evaluated then, their guest seats used
    (completed), winning amounts recorded where the winner is known. Written directly (the services refuse a
    date gone by); running it again adds nothing."""
    from decimal import Decimal

    from .bookings.models import SeatRequest
    from .bookings.rules import Status, evaluation_range
    from .calendar.services import load_calendar
    from .projects.models import Project, Section
    from .projects.rules import Category, Level
    from .reports.rules import previous_month

    agent = db.session.scalars(select(User).filter_by(username="agent")).first()
    staff = db.session.scalars(select(User).filter_by(username="staff-jilin")).first()
    if agent is None or staff is None:
        return 0
    month = previous_month(china_today().replace(day=1))
    calendar = load_calendar()
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    centers = {c.name: c for c in db.session.scalars(select(TradingCenter))}
    added = 0
    for code, name, tenderee, region, main, section_name, budget, winning, guest, experts, nth in LAST_MONTH:
        if db.session.scalars(select(Project.id).filter_by(code=code)).first() is not None:
            continue
        day = calendar.add_working_days(month - timedelta(days=1), nth)
        main_center, guest_center = centers[main], centers[guest]
        inbound = main_center.region_id is None
        project = Project(code=code, name=name, tenderee=tenderee, region_id=regions[region].id,
                          owner_id=(staff if inbound else agent).id,
                          host_center_id=guest_center.id if inbound else None)
        section = Section(project=project, code="01", name=section_name, category=Category.CONSTRUCTION,
                          budget_wan=Decimal(budget), estimated_price_wan=Decimal(budget), main_center_id=main_center.id,
                          evaluation_date=day, start_time=time(9, 0),
                          remote_level=Level.NOT_REQUIRED if inbound else Level.MUST,
                          winning_bid_wan=Decimal(winning) if winning else None,
                          winning_recorded_at=utcnow() if winning else None)
        db.session.add_all([project, section])
        db.session.flush()
        starts, ends = evaluation_range(day, time(9, 0), 240)
        db.session.add(SeatRequest(
            section_id=section.id, main_center_id=main_center.id, guest_center_id=guest_center.id,
            cross_province=main_center.province_id != guest_center.province_id, inbound=inbound,
            requested_by_id=(staff if inbound else agent).id, status=Status.COMPLETED, evaluation_date=day,
            start_time=time(9, 0), duration_minutes=240, starts_at=starts, ends_at=ends, committee_size=7,
            seats_requested=experts, seats_accepted=experts, version=1, revision=0, submitted_at=utcnow(),
            answered_at=utcnow(), notes="演示数据：上月已完成的远程异地评标。"))
        added += 1
    db.session.flush()
    return added


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力永志国东海波宁春雪晓林斌鹏宇浩凯琳晨欣悦博"
MINORITY = ["买买提·艾力", "阿依古丽·吐尔逊", "艾尔肯·热合曼", "巴特尔·朝鲁", "金·哲洙"]
REGION_ID_PREFIX = {"province": "220100", "changchun": "220102", "jilin": "220202", "siping": "220302",
                    "liaoyuan": "220402", "tonghua": "220502", "baishan": "220602", "songyuan": "220702",
                    "baicheng": "220802", "yanbian": "222401", "changbaishan": "222426", "meihekou": "220581"}
TITLES = ["高级工程师", "正高级工程师", "工程师", "高级经济师", "注册造价工程师", "高级会计师"]


def demo_id_number(rng, prefix: str) -> str:
    from .experts.rules import check_digit

    first17 = f"{prefix}{rng.randint(1960, 1988)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + check_digit(first17)


def load_experts(count: int = 300) -> int:
    """Fictional experts (valid check digits) spread over the regions and specialties; reproducible."""
    import random

    from .experts.models import Expert, ExpertSpecialty, Specialty
    from .experts.rules import ShareScope, Status
    from .experts.services import bump_pool_version, load_starter_specialties

    load_starter_specialties()
    if db.session.scalar(select(Expert.id).limit(1)) is not None:
        return 0
    # Fictional demo experts, reproducible on purpose (not a security use of randomness).
    rng = random.Random(2026)  # nosec B311
    regions = list(db.session.scalars(select(Region).order_by(Region.sort_order)))
    leaves = [s for s in db.session.scalars(select(Specialty).where(Specialty.level > 1).order_by(Specialty.code))]
    seen: set[str] = set()
    added = 0
    for n in range(count):
        region = regions[min(int(rng.expovariate(0.35)), len(regions) - 1)]   # larger regions have more
        id_number = demo_id_number(rng, REGION_ID_PREFIX.get(region.code, "220100"))
        if id_number in seen:
            continue
        seen.add(id_number)
        name = MINORITY[n % len(MINORITY)] if n % 60 == 7 else (
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
        status = Status.ACTIVE if n % 17 else Status.SUSPENDED
        expert = Expert(region_id=region.id, name=name, id_number=id_number,
                        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                        employer=f"{region.name.replace('地区', '')}某{rng.choice(['设计院', '建设集团', '监理公司', '造价咨询公司', '大学'])}",
                        title=rng.choice(TITLES), status=status,
                        suspended_reason="年度考核暂停" if status is Status.SUSPENDED else None,
                        share_scope=rng.choice([ShareScope.PROVINCE, ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE,
                                                ShareScope.LOCAL]))
        db.session.add(expert)
        db.session.flush()
        picks = rng.sample(leaves, rng.randint(1, 3))
        db.session.add_all([ExpertSpecialty(expert_id=expert.id, specialty_id=s.id, position=i)
                            for i, s in enumerate(picks, start=1)])
        added += 1
    bump_pool_version()
    db.session.flush()
    return added


# (code, name, tenderee, agency, region, sections: (code, name, category, contract 万元, EPC parts, center,
#  working days from today to the evaluation))
PROJECTS = [
    ("JLZB-2026-0158", "长春市南部新城污水处理厂工程总承包", "长春水务集团有限公司", "吉林省建设工程招标代理有限公司",
     "changchun", [("01", "工程总承包", "epc", "950", {"goods": "820"}, "长春市公共资源交易中心", 8),
                   ("02", "施工监理", "services", "380", {}, "长春市公共资源交易中心", 12)]),
    ("JLZB-2026-0212", "吉林市松花江大桥维修加固工程", "吉林市市政工程管理处", "吉林省建设工程招标代理有限公司",
     "jilin", [("01", "施工", "construction", "1680", {}, "吉林市公共资源交易中心", 10)]),
]


def load_projects() -> int:
    """A few sections for the demo agent, evaluated a few working days from today."""
    from datetime import time
    from decimal import Decimal

    from .calendar.services import load_calendar
    from .projects.models import Project
    from .projects.services import save_project, save_section

    owner = db.session.scalars(select(User).filter_by(username="agent")).first()
    if owner is None:
        return 0
    calendar = load_calendar()
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    centers = {c.name: c for c in db.session.scalars(select(TradingCenter))}
    added = 0
    for code, name, tenderee, agency, region, sections in PROJECTS:
        if db.session.scalars(select(Project.id).filter_by(code=code)).first() is not None:
            continue
        project = save_project(None, {"code": code, "name": name, "tenderee": tenderee, "agency": agency,
                                      "region_id": regions[region].id}, owner)
        for section_code, section_name, category, contract, parts, center, ahead in sections:
            save_section(project, None, {
                "code": section_code, "name": section_name, "category": category,
                "contract_estimate_wan": Decimal(contract),
                **{f"epc_{part}_wan": Decimal(value) for part, value in parts.items()},
                "main_center_id": centers[center].id, "start_time": time(9, 0),
                "evaluation_date": calendar.add_working_days(china_today(), ahead)})
            added += 1
    return added
