"""A realistic province at full scale, for the benchmarks (issue 10).

On top of the demo data (its regions, centers, accounts and settings), adds — at --scale 1:

    60 trading centers of the home province (the demo's 13 and 47 county centers), 5,000 workstations in
    their venues, 100,000 experts with 1–3 specialties each, 20,000 projects with 50,000 sections evaluated
    over five years, guest-seat requests holding 200,000 bookings (never two on one workstation at once, as
    the database demands), requests waiting in every center's inbox, and 2,000 notices with tags,
    plus the accounts that own and answer them (an agent per 50 projects, two staff per center, a prefecture
    admin and a supervisor per region).

Deterministic: the same --seed and --anchor (the day the five years end; default today in China) give the
same rows, timestamps included (taken from the anchor), except the demo data underneath, which follows the day
it is loaded, and password hashes, which are salted. Rows go in by bulk inserts with explicit ids (PostgreSQL's sequences are moved past them at the
end), so a full-scale load takes well under two minutes on SQLite and on PostgreSQL.

    .venv/bin/python bench/generate.py [--url URL] [--scale 1] [--seed 10] [--anchor YYYY-MM-DD]

Without --url it builds bench/out/province-<scale>.sqlite afresh. With --url the database must be empty
(or migrated with nothing in it): the schema is migrated, then filled.
"""
import argparse
import json
import random
import sys
import time
from datetime import date, datetime, time as clock, timedelta, UTC
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import OUT, bench_app  # noqa: E402

FULL = {"centers": 60, "workstations": 5_000, "experts": 100_000, "projects": 20_000, "sections": 50_000,
        "bookings": 200_000, "notices": 2_000, "agents": 400}
YEARS = 5
BATCH = 5_000

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文斌宇浩凯鹏飞雪梅海波东亮"
EMPLOYERS = ["吉林建筑大学", "长春工程学院", "吉林省建筑设计院", "吉林省交通规划设计院", "中国建筑第八工程局",
             "吉林省水利水电勘测设计研究院", "东北电力设计院", "吉林大学", "长春市市政工程设计研究院", "吉林省建苑设计集团"]
WORKS = ["道路改造工程", "污水处理厂扩建工程", "学校教学楼建设项目", "医院门诊楼改造项目", "供热管网改造工程",
         "农村饮水安全工程", "桥梁加固工程", "高标准农田建设项目", "老旧小区改造工程", "体育馆建设项目",
         "水库除险加固工程", "公路养护工程", "智慧城市信息化项目", "设备采购项目", "监理服务项目"]
TAGS = ["远程异地评标", "评标专家", "培训", "工作站", "交易中心", "政策", "月报", "跨省合作", "操作手册", "见证",
        "系统升级", "专家库", "场地", "监督", "湖北", "辽宁", "长春", "吉林", "延边", "通知", "经验", "标准",
        "流程", "服务", "数字化", "招标代理", "工程建设", "政府采购", "信用", "年度总结"]
PARAGRAPHS = [
    "为进一步规范远程异地评标工作，提高评标质量和效率，根据省发展改革委等部门有关文件要求，现将有关事项通知如下。",
    "各交易中心应当按照统一标准建设远程异地评标工作站，配备音视频、身份识别和电子签章设备，并在共享目录中登记。",
    "招标人或招标代理机构应当在评标三个工作日前提出副场席位申请，副场所在交易中心应当及时答复。",
    "评标专家应当按时到达指定场地签到，严格遵守评标纪律，不得泄露评标情况。",
    "各地区应当于每月 10 日前报送上月远程异地评标开展情况统计表，逾期未报的予以通报。",
    "本次培训围绕远程异地评标系统操作、专家抽取规则和常见问题处理展开，参训人员反响良好。",
]


def scaled(scale: float) -> dict:
    return {k: max(1, round(v * scale)) for k, v in FULL.items()}


class Ids:
    """Explicit ids past what a table already holds."""

    def __init__(self, session, model):
        from sqlalchemy import func, select

        self.next = (session.scalar(select(func.max(model.id))) or 0) + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def insert_rows(session, table, rows: list[dict]) -> int:
    """Bulk insert: PostgreSQL's COPY (with every constraint and trigger checked), executemany on SQLite."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import JSON

        from sqlalchemy.types import TypeDecorator

        columns = [c for c in table.columns if c.name in rows[0] or c.default is not None]
        defaults = {c.name: c.default.arg(None) if callable(c.default.arg) else c.default.arg
                    for c in columns if c.default is not None and not c.default.is_sequence and c.name not in rows[0]}
        as_json = {c.name for c in columns if isinstance(c.type, JSON)}
        # COPY bypasses the column types: an encrypted column (portal.fieldcrypt.Encrypted) is encrypted here.
        dialect = session.get_bind().dialect
        for c in columns:
            if isinstance(c.type, TypeDecorator) and c.name in rows[0]:
                for row in rows:
                    row[c.name] = c.type.process_bind_param(row[c.name], dialect)
        names = ", ".join(f'"{c.name}"' for c in columns)
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([(json.dumps(row[c.name]) if c.name in as_json else row[c.name])
                                if c.name in row else defaults[c.name] for c in columns])
        return len(rows)
    for start in range(0, len(rows), BATCH):
        session.execute(table.insert(), rows[start:start + BATCH])
    return len(rows)


def weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def build(scale: float = 1.0, seed: int = 10, anchor: date | None = None, log=print, analyse: bool = True
          ) -> dict[str, int]:
    """Fill the app's database (inside an app context); returns the rows added per table. Run again, it tops
    centers, workstations and experts up to the scale's counts and adds projects, sections, requests, bookings
    and notices as much again (new ids and codes; accounts and reports only where missing). `analyse` refreshes the planner's
    statistics at the end, as a production database would have them."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.bookings.models import Booking, SeatRequest
    from portal.workstations.models import WorkstationHold
    from portal.bookings.rules import evaluation_range
    from portal.demo import DEMO_PASSWORD, REGION_ID_PREFIX, load_demo
    from portal.experts.models import ID_NUMBER, PHONE, Expert, ExpertSpecialty, Specialty
    from portal.experts.rules import check_digit
    from portal.fieldcrypt import blind_index
    from portal.experts.services import bump_pool_version
    from portal.extensions import db
    from portal.notices.models import Notice, NoticeTag
    from portal.notices.rules import COLUMNS
    from portal import richtext
    from portal.orgs.models import Province, Region, TradingCenter
    from portal.projects.models import Project, Section
    from portal.templating import china_today
    from portal.workstations.models import Venue, Workstation
    from portal.auth.passwords import hash_password
    from portal.models_base import as_utc

    n = scaled(scale)
    rng = random.Random(seed)
    anchor = anchor or china_today()
    now = datetime.combine(anchor, clock(2, 0), tzinfo=UTC)   # "now" of the generated rows
    session = db.session
    added: dict[str, int] = {}
    t0 = time.perf_counter()

    if db.engine.dialect.name == "sqlite":
        # A bulk load: a page cache that holds the indexes (the default 2 MB makes every trigger probe a read).
        session.execute(db.text("PRAGMA cache_size = -400000"))
    load_demo()
    session.commit()
    log(f"  demo data            {time.perf_counter() - t0:6.1f} s")

    home = session.scalars(select(Province).where(Province.is_home.is_(True))).one()
    regions = list(session.scalars(select(Region).order_by(Region.sort_order)))
    by_code = {r.code: r for r in regions}
    centers = list(session.scalars(select(TradingCenter).where(TradingCenter.province_id == home.id)
                                   .order_by(TradingCenter.id)))

    # --- centers, venues, workstations ---------------------------------------------------------------------
    ids = Ids(session, TradingCenter)
    rows = []
    county_regions = [r for r in regions if r.code != "province"]
    for k in range(len(centers), n["centers"]):
        region = county_regions[k % len(county_regions)]
        rows.append({"id": ids.take(), "name": f"{region.name.removesuffix('地区')}第{k}县公共资源交易中心",
                     "short_name": f"县{k}", "province_id": home.id, "region_id": region.id, "level": "县级",
                     "is_standing_secondary": False, "standing_required": 0, "active": True,
                     "address": f"{region.name}某县政务服务中心", "created_at": now, "updated_at": now})
    added["trading_centers"] = insert_rows(session, TradingCenter.__table__, rows)
    centers = list(session.scalars(select(TradingCenter).where(TradingCenter.province_id == home.id)
                                   .order_by(TradingCenter.id)))

    venue_ids = Ids(session, Venue)
    have = {c: 0 for c in [c.id for c in centers]}
    for center_id, count in session.execute(select(Workstation.center_id, db.func.count())
                                            .group_by(Workstation.center_id)):
        have[center_id] = count
    venues, new_venues = {}, []
    existing = {(center_id, name): venue_id for venue_id, center_id, name in session.execute(
        select(Venue.id, Venue.center_id, Venue.name).where(Venue.name.like("远程评标区%")))}
    for c in centers:
        venues[c.id] = []
        for number in (1, 2):
            venue_id = existing.get((c.id, f"远程评标区{number}"))
            if venue_id is None:
                venue_id = venue_ids.take()
                new_venues.append({"id": venue_id, "center_id": c.id, "name": f"远程评标区{number}",
                                   "address": f"{c.short_name}交易中心{number}楼", "status": "active",
                                   "created_at": now, "updated_at": now})
            venues[c.id].append(venue_id)
    added["venues"] = insert_rows(session, Venue.__table__, new_venues)
    # City and provincial centers are bigger than county ones (weights 3 : 1).
    weights = {c.id: (3 if c.level != "县级" else 1) for c in centers}
    to_add = max(0, n["workstations"] - sum(have.values()))
    total_weight = sum(weights.values())
    ws_ids, rows = Ids(session, Workstation), []
    quota = {c.id: to_add * weights[c.id] // total_weight for c in centers}
    quota[centers[0].id] += to_add - sum(quota.values())
    for c in centers:
        for k in range(have[c.id], have[c.id] + quota[c.id]):
            status = "available" if k % 50 else ("maintenance" if k % 100 else "retired")
            rows.append({"id": ws_ids.take(), "center_id": c.id, "venue_id": venues[c.id][k % 2],
                         "code": f"G{c.id:03d}-{k + 1:04d}", "cross_province": k % 4 == 0, "has_av": True,
                         "has_id_reader": k % 3 != 2, "has_signature_pad": k % 2 == 0, "status": status,
                         "retired_at": now if status == "retired" else None,
                         "retire_reason": "设备老化" if status == "retired" else None,
                         "created_at": now, "updated_at": now})
    added["workstations"] = insert_rows(session, Workstation.__table__, rows)
    stations: dict[int, list[int]] = {}
    for ws_id, center_id in session.execute(select(Workstation.id, Workstation.center_id)
                                            .where(Workstation.status == "available").order_by(Workstation.id)):
        stations.setdefault(center_id, []).append(ws_id)
    log(f"  centers, workstations {time.perf_counter() - t0:5.1f} s")

    # --- accounts --------------------------------------------------------------------------------------------
    password = hash_password(DEMO_PASSWORD)
    user_ids, rows = Ids(session, User), []
    taken = {name: user_id for user_id, name in session.execute(select(User.id, User.username))}

    def account(username, role, **more):
        if username in taken:
            return taken[username]
        rows.append({"id": user_ids.take(), "username": username, "display_name": username[:40], "role": role,
                     "password_hash": password, "active": True, "created_at": now, "updated_at": now,
                     "region_id": None, "center_id": None, "organisation": None, **more})
        return rows[-1]["id"]

    agents = [account(f"agent{k:04d}", "agent", organisation=f"第{k}招标代理有限公司") for k in range(n["agents"])]
    staff = {}
    for c in centers:
        staff[c.id] = [account(f"staff{c.id:03d}-{k}", "center_staff", region_id=c.region_id or by_code["province"].id,
                               center_id=c.id) for k in (1, 2)]
    for r in regions:
        account(f"admin-{r.code}", "prefecture_admin", region_id=r.id)
        account(f"supervisor-{r.code}", "supervisor", region_id=r.id)
    added["users"] = insert_rows(session, User.__table__, rows)

    # --- experts ---------------------------------------------------------------------------------------------
    leaves = list(session.scalars(select(Specialty.id).where(Specialty.level > 1).order_by(Specialty.id)))
    expert_ids, experts, links = Ids(session, Expert), [], []
    have = session.scalar(select(db.func.count(Expert.id)))
    for k in range(have, n["experts"]):
        region = regions[k % len(regions)]
        prefix = REGION_ID_PREFIX.get(region.code, "220100")
        first17 = (f"{prefix}{1950 + (k // 1000) % 40}{1 + (k // 40000) % 12:02d}{1 + (k // 480000) % 28:02d}"
                   f"{k % 1000:03d}")
        expert_id = expert_ids.take()
        status = "active" if k % 25 else ("retired" if k % 50 else "suspended")
        experts.append({"id": expert_id, "region_id": region.id,
                        "name": SURNAMES[k % len(SURNAMES)] + GIVEN[(k // 7) % len(GIVEN)] + GIVEN[(k // 3) % len(GIVEN)],
                        "id_number": first17 + check_digit(first17), "phone": f"139{k:08d}",
                        "id_number_bidx": blind_index(ID_NUMBER, first17 + check_digit(first17)),
                        "phone_bidx": blind_index(PHONE, f"139{k:08d}"),
                        "employer": EMPLOYERS[k % len(EMPLOYERS)], "title": "高级工程师" if k % 3 else "工程师",
                        "status": status, "suspended_reason": "年度考核不合格" if status == "suspended" else None,
                        "share_scope": ("local", "province", "cross_province")[rng.randrange(3)],
                        "created_at": now, "updated_at": now})
        for position, specialty in enumerate(rng.sample(leaves, rng.randint(1, 3)), start=1):
            links.append({"expert_id": expert_id, "specialty_id": specialty, "position": position})
    added["experts"] = insert_rows(session, Expert.__table__, experts)
    added["expert_specialties"] = insert_rows(session, ExpertSpecialty.__table__, links)
    del experts, links
    bump_pool_version()
    log(f"  experts               {time.perf_counter() - t0:5.1f} s")

    # --- projects and sections ---------------------------------------------------------------------------------
    first_day = anchor - timedelta(days=365 * YEARS)
    past_days = weekdays(first_day, anchor - timedelta(days=1))
    coming_days = weekdays(anchor + timedelta(days=1), anchor + timedelta(days=45))
    project_ids, section_ids = Ids(session, Project), Ids(session, Section)
    projects, sections = [], []
    per_project = n["sections"] / n["projects"]
    made_sections = 0
    for k in range(n["projects"]):
        center = centers[rng.randrange(len(centers))]
        region_id = center.region_id or by_code["province"].id
        project_id = project_ids.take()
        work = WORKS[k % len(WORKS)]
        projects.append({"id": project_id, "code": f"JLGG{2021 + k % 6}{project_id:07d}", "name": f"{center.short_name}{work}",
                         "tenderee": f"{center.short_name}某建设单位", "agency": f"第{k % n['agents']}招标代理有限公司",
                         "region_id": region_id, "owner_id": agents[k % len(agents)],
                         "created_at": now, "updated_at": now})
        count = max(1, min(4, round(per_project * (k + 1)) - made_sections))
        if k == n["projects"] - 1:
            count = max(1, n["sections"] - made_sections)
        # The last 3 % of projects are evaluated in the coming weeks, the rest over the past five years.
        future = k >= n["projects"] * 0.97
        for s in range(count):
            day = (coming_days if future else past_days)[rng.randrange(len(coming_days if future else past_days))]
            amount = Decimal(rng.randrange(200, 50_000))
            category = ("construction", "construction", "services", "goods", "epc")[rng.randrange(5)]
            level = "must" if amount >= 400 or category == "construction" else "not_required"
            sections.append({
                "id": section_ids.take(), "project_id": project_id, "code": f"{s + 1:03d}", "name": f"第{s + 1}标段",
                "category": category, "contract_estimate_wan": amount, "estimated_price_wan": amount,
                "budget_wan": amount if category in ("goods", "services") else None,
                "epc_construction_wan": amount if category == "epc" else None, "combined_parts": "",
                "special_expert_needs": False, "local_pool_insufficient": False, "prequalification": False,
                "main_center_id": center.id, "evaluation_date": day,
                "start_time": clock(9, 0) if s % 2 == 0 else clock(13, 30), "remote_level": level,
                "winning_bid_wan": (amount * Decimal("0.93")).quantize(Decimal("0.0001")) if not future else None,
                "winning_recorded_at": now if not future else None, "created_at": now, "updated_at": now})
        made_sections += count
    added["projects"] = insert_rows(session, Project.__table__, projects)
    added["sections"] = insert_rows(session, Section.__table__, sections)
    log(f"  projects, sections    {time.perf_counter() - t0:5.1f} s")

    # --- guest-seat requests and bookings ------------------------------------------------------------------------
    # Every remote section asks one to three other centers for seats; used seats hold workstations, never two
    # bookings of one workstation at once: (center, day, start) -> the next free workstation of that center.
    remote = [s for s in sections if s["remote_level"] == "must"]
    mean_guests, mean_seats = 2, 2.5
    wanted_requests = n["bookings"] / mean_seats / 0.88   # about 12 % of requests end without seats
    share = min(1.0, wanted_requests / (len(remote) * mean_guests))
    request_ids, booking_ids, hold_ids = Ids(session, SeatRequest), Ids(session, Booking), Ids(session, WorkstationHold)
    requests, bookings, holds_rows = [], [], []
    used: dict[tuple, set] = {}          # (center, start) -> workstations booked by this run
    busy: dict[int, list] = {}           # workstation -> (start, end) of bookings already in the database
    # Every use of a workstation is a hold (guest bookings, local use, sign-ins): the database refuses two at once.
    for ws_id, starts_at, ends_at in session.execute(select(WorkstationHold.workstation_id, WorkstationHold.starts_at,
                                                            WorkstationHold.ends_at)
                                                     .where(WorkstationHold.active.is_(True))):
        busy.setdefault(ws_id, []).append((as_utc(starts_at), as_utc(ends_at)))
    booked = 0
    for s in remote:
        if booked >= n["bookings"]:
            break
        if rng.random() > share:
            continue
        future = s["evaluation_date"] > anchor
        others = [c for c in centers if c.id != s["main_center_id"] and stations.get(c.id)]
        for guest in rng.sample(others, rng.randint(1, 3)):
            seats = rng.randint(1, 4)
            roll = rng.random()
            if future:
                status = "submitted" if roll < 0.4 else ("draft" if roll < 0.45 else "accepted")
            else:
                status = "completed" if roll < 0.9 else ("rejected", "withdrawn", "cancelled")[rng.randrange(3)]
            holds = status in ("accepted", "completed")
            starts, ends = evaluation_range(s["evaluation_date"], s["start_time"], 240)
            key = (guest.id, starts)
            taken = used.setdefault(key, set())
            # Each day starts at another workstation, so that bookings spread over all of them.
            pool = stations[guest.id]
            turn = (s["evaluation_date"].toordinal() * 7) % len(pool)
            free = []
            for ws_id in pool[turn:] + pool[:turn]:
                if ws_id not in taken and not any(a < ends and starts < b for a, b in busy.get(ws_id, ())):
                    free.append(ws_id)
                    if len(free) == seats:
                        break
            if holds and len(free) < seats:
                status, holds = "rejected", False
            request_id = request_ids.take()
            requests.append({
                "id": request_id, "section_id": s["id"], "main_center_id": s["main_center_id"],
                "guest_center_id": guest.id, "cross_province": False,
                "requested_by_id": agents[s["project_id"] % len(agents)], "status": status,
                "evaluation_date": s["evaluation_date"], "start_time": s["start_time"], "duration_minutes": 240,
                "starts_at": starts, "ends_at": ends, "committee_size": 7 + 2 * (seats > 2), "seats_requested": seats,
                "seats_accepted": seats if holds else (0 if status == "rejected" else None),
                "notes": None, "submitted_at": None if status == "draft" else now,
                "answered_at": now if status in ("accepted", "completed", "rejected") else None,
                "answered_by_id": staff[guest.id][0] if status in ("accepted", "completed", "rejected") else None,
                "reason": "当日工作站已满" if status == "rejected" else None,
                "version": 1 if status in ("draft", "submitted") else 2, "revision": 0,
                "created_at": now, "updated_at": now})
            if holds:
                for ws_id in free[:seats]:
                    hold_id = hold_ids.take()
                    holds_rows.append({"id": hold_id, "workstation_id": ws_id, "center_id": guest.id,
                                       "starts_at": starts, "ends_at": ends, "purpose": "guest_booking",
                                       "label": f"申请 {request_id}", "active": True, "created_at": now,
                                       "created_by_id": staff[guest.id][0]})
                    bookings.append({"id": booking_ids.take(), "request_id": request_id, "workstation_id": ws_id,
                                     "center_id": guest.id, "starts_at": starts, "ends_at": ends, "active": True,
                                     "created_at": now, "created_by_id": staff[guest.id][0], "hold_id": hold_id})
                taken.update(free[:seats])
                booked += seats
    added["seat_requests"] = insert_rows(session, SeatRequest.__table__, requests)
    added["workstation_holds"] = insert_rows(session, WorkstationHold.__table__, holds_rows)
    added["bookings"] = insert_rows(session, Booking.__table__, bookings)
    del requests, bookings, holds_rows, sections
    log(f"  requests, bookings    {time.perf_counter() - t0:5.1f} s")

    # --- notices -------------------------------------------------------------------------------------------------
    bodies = []
    for k in range(12):
        source = f"## 一、总体要求\n\n{PARAGRAPHS[k % 6]}\n\n## 二、工作安排\n\n" + "\n\n".join(
            f"{j + 1}. {PARAGRAPHS[(k + j) % 6]}" for j in range(4)) + \
            f"\n\n| 事项 | 时间 |\n| --- | --- |\n| 报送 | 每月 10 日前 |\n\n{PARAGRAPHS[(k + 3) % 6]}\n"
        html = richtext.to_html(source)
        bodies.append((source, html, richtext.to_text(html)))
    notice_ids, notices, tags = Ids(session, Notice), [], []
    columns = list(COLUMNS)
    publisher = session.scalars(select(User.id).where(User.username == "publicity")).first()
    for k in range(n["notices"]):
        source, html, text = bodies[k % len(bodies)]
        region = None if k % 3 == 0 else regions[k % len(regions)].id
        chosen = rng.sample(TAGS, 1 + k % 4)
        title = f"关于{WORKS[k % len(WORKS)].removesuffix('项目').removesuffix('工程')}远程异地评标工作的第{k + 1}号通知"
        status = "published" if k % 40 else ("draft" if k % 80 else "withdrawn")
        published = datetime.combine(first_day, clock(1, 0), tzinfo=UTC) + timedelta(
            hours=k * (YEARS * 365 * 24) // n["notices"])
        notice_id = notice_ids.take()
        notices.append({"id": notice_id, "title": title, "column": columns[k % len(columns)], "region_id": region,
                        "body_source": source, "body_html": html,
                        "search_text": richtext.normalise(" ".join([title, text, " ".join(chosen)])),
                        "pinned": k % 500 == 7, "status": status, "publish_at": None if status == "draft" else published,
                        "withdrawn_reason": "内容已更新" if status == "withdrawn" else None,
                        "created_by_id": publisher, "updated_by_id": publisher, "version": 1,
                        "created_at": published, "updated_at": published})
        tags.extend({"notice_id": notice_id, "tag": tag, "position": i} for i, tag in enumerate(chosen))
    added["notices"] = insert_rows(session, Notice.__table__, notices)
    added["notice_tags"] = insert_rows(session, NoticeTag.__table__, tags)
    log(f"  notices               {time.perf_counter() - t0:5.1f} s")

    added["monthly_reports"] = file_reports(anchor, first_day, regions, log)
    log(f"  monthly reports       {time.perf_counter() - t0:5.1f} s")

    if db.engine.dialect.name == "postgresql":
        from portal.reports.models import MonthlyReport, ReportVersion

        for model in (TradingCenter, Venue, Workstation, User, Expert, ExpertSpecialty, Project, Section,
                      SeatRequest, WorkstationHold, Booking, Notice, MonthlyReport, ReportVersion):
            table = model.__tablename__
            session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    session.commit()
    if analyse:
        session.execute(db.text("ANALYZE"))
        session.commit()
    log(f"  committed, analysed   {time.perf_counter() - t0:5.1f} s")
    return added


def file_reports(anchor: date, first_day: date, regions, log) -> int:
    """Every region's report of every past month, submitted and frozen as the portal freezes it, except that
    of the month just ended, which half of the regions have filed (the rest are still due)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.reports import counting, rules
    from portal.reports.models import MonthlyReport, ReportVersion

    this_month = date(anchor.year, anchor.month, 1)
    last_month = rules.previous_month(this_month)
    month = date(first_day.year, first_day.month, 1)
    report_ids, version_ids = Ids(db.session, MonthlyReport), Ids(db.session, ReportVersion)
    reports, versions = [], []
    while month < this_month:
        rows = counting.load_rows([month], regions, live_only=True)[month]
        due = datetime.combine(rules.due_date(month, counting.due_day()) - timedelta(days=3), clock(2, 0),
                               tzinfo=UTC)
        filed = set(db.session.scalars(select(MonthlyReport.region_id).where(MonthlyReport.month == month)))
        for index, row in enumerate(rows):
            if (month == last_month and index % 2) or row.region.id in filed:
                continue
            values = row.values
            row.values = values | {"all_projects": values["main_projects"] * 2 + 5,
                                   "all_sections": values["main_sections"] * 2 + 8,
                                   "all_budget": values["main_budget"] * 2 + 100,
                                   "all_winning": values["main_winning"] * 2 + 90}
            report_id = report_ids.take()
            reports.append({"id": report_id, "region_id": row.region.id, "month": month, "status": "submitted",
                            "all_projects": row.values["all_projects"], "all_sections": row.values["all_sections"],
                            "all_budget_wan": row.values["all_budget"], "all_winning_wan": row.values["all_winning"],
                            "submissions": 1, "first_submitted_at": due, "submitted_at": due, "late": False,
                            "version": 2, "created_at": due, "updated_at": due})
            versions.append({"id": version_ids.take(), "report_id": report_id, "number": 1,
                             "figures": counting.freeze(row), "submitted_at": due, "late": False})
        month = rules.next_month(month)
    insert_rows(db.session, MonthlyReport.__table__, reports)
    insert_rows(db.session, ReportVersion.__table__, versions)
    return len(reports)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="an empty database (default: a fresh SQLite file under bench/out/)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--anchor", type=date.fromisoformat, default=None, help="the last day of the five years")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.url
    if not url:
        path = OUT / f"province-{args.scale:g}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    t0 = time.perf_counter()
    app = bench_app(url)
    print(f"schema migrated in {time.perf_counter() - t0:.1f} s")
    with app.app_context():
        added = build(args.scale, args.seed, args.anchor)
    print(f"loaded in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in added.items()))


if __name__ == "__main__":
    main()
