"""Builders for test data. They add and flush; the test commits before it sends requests."""
from sqlalchemy import insert, select, update

from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models_base import utcnow
from portal.orgs.models import Region, TradingCenter
from portal.workstations.models import Venue, VenueStatus, Workstation, WorkstationStatus

PASSWORD = "correct-horse-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"   # the three administrators' enrolled authenticator (32 base32)

CHANGCHUN = "长春市公共资源交易中心"
YUSHU = "榆树市公共资源交易中心"
JILIN_CITY = "吉林市公共资源交易中心"
PROVINCE_CENTER = "吉林省公共资源交易中心"


class OrgIndex:
    """Look up demo organisations by name or code."""

    def region(self, code: str) -> Region:
        return db.session.scalars(select(Region).filter_by(code=code)).one()

    def center(self, name: str) -> TradingCenter:
        return db.session.scalars(select(TradingCenter).filter_by(name=name)).one()


def make_user(username, role: Role, region=None, center=None, active=True, password=PASSWORD,
              totp_secret=None) -> User:
    user = User(username=username, display_name=username, role=role,
                region_id=region.id if region else None, center_id=center.id if center else None,
                password_hash=hash_password(password), active=active, totp_secret=totp_secret,
                totp_enabled_at=utcnow() if totp_secret else None)
    db.session.add(user)
    db.session.flush()
    return user


def totp_code(username: str, secret: str = TOTP_SECRET) -> str:
    """A code the account has not used yet, computed by pyotp (RFC 6238) as the person's phone would: the
    current step's, or the next one's when the current one was used (the server accepts one step either side)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())
    last = db.session.scalar(select(User.totp_last_step).where(User.username == username))
    if last is not None and last >= step + 1:
        # A test logs one account in more often than a phone shows new codes (three per 30 s are accepted):
        # the record of the last code used is set back, as if the person had waited.
        db.session.execute(update(User).where(User.username == username).values(totp_last_step=step - 2))
        db.session.commit()
        last = step - 2
    if last is not None and last >= step:
        step = last + 1
    return totp.generate_otp(step)


def demo_users(orgs: OrgIndex) -> dict[str, User]:
    changchun, jilin = orgs.region("changchun"), orgs.region("jilin")
    users = {
        "province": make_user("province", Role.PROVINCE_ADMIN),
        "changchun": make_user("changchun", Role.PREFECTURE_ADMIN, changchun),
        "jilin": make_user("jilin", Role.PREFECTURE_ADMIN, jilin),
        "staff-changchun": make_user("staff-changchun", Role.CENTER_STAFF, changchun, orgs.center(CHANGCHUN)),
        "staff-jilin": make_user("staff-jilin", Role.CENTER_STAFF, jilin, orgs.center(JILIN_CITY)),
        "agent": make_user("agent", Role.AGENT),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, changchun),
        "publicity": make_user("publicity", Role.PUBLICITY),
        "sysadmin": make_user("sysadmin", Role.SYSTEM_ADMIN, totp_secret=TOTP_SECRET),
        "secadmin": make_user("secadmin", Role.SECURITY_ADMIN, totp_secret=TOTP_SECRET),
        "auditor": make_user("auditor", Role.AUDIT_ADMIN, totp_secret=TOTP_SECRET),
    }
    db.session.commit()
    return users


def make_venue(center: TradingCenter, name="第一评标区", status=VenueStatus.ACTIVE) -> Venue:
    venue = Venue(center_id=center.id, name=name, status=status,
                  retired_at=utcnow() if status is VenueStatus.RETIRED else None)
    db.session.add(venue)
    db.session.flush()
    return venue


def make_workstation(venue: Venue, code: str, cross_province=False,
                     status=WorkstationStatus.AVAILABLE, **values) -> Workstation:
    workstation = Workstation(center_id=venue.center_id, venue_id=venue.id, code=code,
                              cross_province=cross_province, status=status,
                              retired_at=utcnow() if status is WorkstationStatus.RETIRED else None,
                              **values)
    db.session.add(workstation)
    db.session.flush()
    return workstation


def bulk_workstations(venue: Venue, count: int, prefix="W", cross_every=3) -> None:
    """Many workstations at once (for scale tests), through one INSERT."""
    now = utcnow()
    db.session.execute(insert(Workstation), [
        dict(center_id=venue.center_id, venue_id=venue.id, code=f"{prefix}{i:05d}",
             cross_province=(i % cross_every == 0), has_av=True, has_id_reader=False,
             has_signature_pad=False, status=WorkstationStatus.AVAILABLE, created_at=now, updated_at=now)
        for i in range(count)])


def make_project(owner: User, region: Region, code="JLZB-2026-0001", name="长春市某道路改造工程"):
    from portal.projects.services import save_project

    return save_project(None, {"code": code, "name": name, "tenderee": "长春市城市建设局", "agency": "吉林某招标代理有限公司",
                               "region_id": region.id}, owner)


def make_section(project, center: TradingCenter, code="01", category="construction", contract="1200", **extra):
    """A section saved through the service (the decision is computed as in the portal)."""
    from datetime import date, time, timedelta
    from decimal import Decimal

    from portal.projects.services import save_section

    data = {"code": code, "name": f"{code} 标段", "category": category,
            "contract_estimate_wan": Decimal(contract) if contract is not None else None,
            "investment_estimate_wan": None, "budget_wan": None, "main_center_id": center.id,
            "evaluation_date": date.today() + timedelta(days=20), "start_time": time(9, 0)}
    data.update(extra)
    return save_section(project, None, data)


def load_thresholds():
    from portal.demo import load_thresholds as load

    load()


def make_expert(region: Region, id_number: str, name="测试专家", phone="13912345678", codes=("A0201",), **extra):
    """An expert saved through the service; `codes` are specialty codes (the starter tree must be loaded)."""
    from portal.experts.models import Specialty
    from portal.experts.services import save_expert

    ids = [db.session.scalars(select(Specialty.id).filter_by(code=code)).one() for code in codes]
    data = {"name": name, "id_number": id_number, "phone": phone, "employer": "长春某设计院", "title": "高级工程师",
            "specialty_ids": ids, "status": "active", "share_scope": "province"}
    data.update(extra)
    return save_expert(None, data, region.id)


def change_expert(expert, **changes):
    """An expert changed through the service (as the expert form saves it), e.g. status="retired"."""
    from sqlalchemy.orm import joinedload, selectinload

    from portal.experts.models import Expert, ExpertSpecialty
    from portal.experts.services import save_expert

    expert = db.session.scalars(select(Expert).where(Expert.id == expert.id).execution_options(populate_existing=True)
                                .options(selectinload(Expert.specialty_links).joinedload(ExpertSpecialty.specialty))).one()
    specialty_ids = [link.specialty_id for link in expert.specialty_links]
    data = {"name": expert.name, "id_number": expert.id_number, "phone": expert.phone, "employer": expert.employer,
            "title": expert.title, "specialty_ids": list(specialty_ids),
            "status": expert.status.value, "share_scope": expert.share_scope.value,
            "suspended_reason": expert.suspended_reason, "suspended_until": expert.suspended_until}
    data.update(changes)
    return save_expert(expert, data, expert.region_id)


def stock_pool(region: Region, count=6, codes=("A0101", "A0201"), employer="吉林某工程咨询公司", serial=500):
    """`count` available experts of `region` shared province-wide, each holding `codes` (the guest pool a
    request's shortage check counts); ID serials from `serial` on."""
    return [make_expert(region, valid_id_number(serial + n, prefix="220202"), codes=codes, employer=employer)
            for n in range(count)]


def valid_id_number(serial: int, prefix="220102", birth="19800101") -> str:
    from portal.experts.rules import check_digit

    first17 = f"{prefix}{birth}{serial:03d}"
    return first17 + check_digit(first17)


def working_day(n: int = 10):
    """The date n working days after today (China time), by the portal's calendar."""
    from portal.templating import china_today
    from portal.calendar.services import load_calendar

    return load_calendar().add_working_days(china_today(), n)


def make_seat_request(section, guest: TradingCenter, requester: User, seats=2, day=None, start=None, minutes=240,
                      status=None, committee=7):
    """A request stored as it stands after filing (no deadline check: for answering and booking tests)."""
    from datetime import time

    from portal.bookings.models import SeatRequest
    from portal.bookings.rules import Status, evaluation_range

    day = day or working_day(10)
    start = start or time(9, 0)
    status = status or Status.SUBMITTED
    starts, ends = evaluation_range(day, start, minutes)
    req = SeatRequest(section_id=section.id, main_center_id=section.main_center_id, guest_center_id=guest.id,
                      cross_province=False, requested_by_id=requester.id, status=status,
                      evaluation_date=day, start_time=start, duration_minutes=minutes, starts_at=starts,
                      ends_at=ends, committee_size=committee, seats_requested=seats, version=1, revision=0,
                      submitted_at=None if status is Status.DRAFT else utcnow())
    db.session.add(req)
    db.session.flush()
    return req


def book(req, workstation, starts=None, ends=None, active=True):
    """A booking of `workstation` for `req` with its workstation hold, written directly (no service checks):
    the database's own guarantee still applies."""
    from portal.bookings.models import Booking
    from portal.workstations.models import HoldPurpose, WorkstationHold

    starts, ends = starts or req.starts_at, ends or req.ends_at
    hold = WorkstationHold(workstation_id=workstation.id, center_id=req.guest_center_id, starts_at=starts,
                           ends_at=ends, purpose=HoldPurpose.GUEST_BOOKING, label=f"申请 {req.number}",
                           active=active, released_at=None if active else utcnow())
    db.session.add(hold)
    db.session.flush()
    booking = Booking(request_id=req.id, workstation_id=workstation.id, center_id=req.guest_center_id,
                      starts_at=starts, ends_at=ends, active=active, hold_id=hold.id,
                      released_at=None if active else utcnow())
    db.session.add(booking)
    db.session.flush()
    return booking


def make_notice(title="关于开展远程异地评标培训的通知", body="各单位：请组织评标专家参加培训。", region=None,
                status="published", publish_at=None, column="announcement", tags=(), pinned=False):
    """A notice as the service would store it (sanitised body, search text); published an hour ago by default."""
    from datetime import timedelta

    from portal import richtext
    from portal.notices.models import Notice, NoticeTag
    from portal.notices.rules import Status

    html = richtext.to_html(body)
    notice = Notice(title=title, column=column, region_id=region.id if region else None, body_source=body,
                    body_html=html, pinned=pinned, status=Status(status),
                    search_text=richtext.normalise(" ".join([title, richtext.to_text(html), *tags])),
                    publish_at=publish_at or (utcnow() - timedelta(hours=1) if status != "draft" else None),
                    tags=[NoticeTag(tag=tag, position=n) for n, tag in enumerate(tags)])
    db.session.add(notice)
    db.session.flush()
    return notice


def make_training(region, title="远程异地评标系统操作培训", days_ahead=7, capacity=30, status="published",
                  audiences=("agency", "expert"), place="长春市人民大街 1 号会议室", hours=3):
    """A training session starting `days_ahead` days from now (negative: in the past)."""
    from datetime import timedelta

    from portal.training.models import TrainingAudience, TrainingSession
    from portal.training.rules import Status

    starts = utcnow() + timedelta(days=days_ahead)
    session = TrainingSession(title=title, region_id=region.id, starts_at=starts, ends_at=starts + timedelta(hours=hours),
                              place=place, capacity=capacity, enrolled=0, status=Status(status),
                              body_source="课程安排", body_html="<p>课程安排</p>",
                              audiences=[TrainingAudience(audience=a, position=n, walk_ins=0)
                                         for n, a in enumerate(audiences)])
    db.session.add(session)
    db.session.flush()
    return session
