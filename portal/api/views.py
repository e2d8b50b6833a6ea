"""The partner API's endpoints. Each call: signature (auth.py) → scope (the system's own centers and requests,
else 403/404) → checks of the body (422 with the field's path) → the bookings services → one commit, together
with the idempotency record of a POST."""
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import wraps

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..bookings.models import SeatRequest
from ..bookings.rules import Side, Status
from ..bookings.services import changes, federation, inbound, lifecycle, wire
from ..bookings.services.availability import seat_counts
from ..bookings.services.common import BookingConflict, BookingError, StaleRequest
from ..bookings.services.lifecycle import timeline
from ..bookings import rules as booking_rules
from ..clock import CHINA
from ..experts.models import Specialty
from ..experts.services import catalogue_counts
from ..extensions import csrf, db
from ..orgs.models import Province, TradingCenter
from ..partners import signing
from ..partners.services import may_host_for
from ..partners.systems import system_center_ids
from ..projects.rules import Category
from . import auth, bp, errors
from .errors import ApiError
from .models import IdempotentAnswer
from .openapi import document

APPLICATION_TYPES = {"apply": "申请", "change": "变更", "cancel": "取消"}


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


# --- reading the body ----------------------------------------------------------------------------------------

def json_body() -> dict:
    if not request.data:
        raise ApiError(400, "empty_body", "请求体不能为空，须为 JSON 对象。")
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）。")
    try:
        data = json.loads(request.data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", "请求体不是有效的 JSON（UTF-8）。") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "请求体须为 JSON 对象。")
    return data


def invalid(field: str, message: str):
    raise ApiError(422, "invalid_field", message, field)


def text(data: dict, name: str, label: str, max_length: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            invalid(name, f"请填写{label}（{name}）。")
        return None
    if not isinstance(value, str):
        invalid(name, f"{label}（{name}）须为文本。")
    value = value.strip()
    if len(value) > max_length:
        invalid(name, f"{label}（{name}）最多 {max_length} 个字。")
    if "\x00" in value:
        invalid(name, f"{label}（{name}）含有不允许的空字符。")
    return value


def integer(data: dict, name: str, label: str, low: int, high: int, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            invalid(name, f"请填写{label}（{name}）。")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        invalid(name, f"{label}（{name}）须为整数。")
    if not low <= value <= high:
        invalid(name, f"{label}（{name}）应在 {low} 至 {high} 之间。")
    return value


def start_time(value, name: str = "evaluationStartTime") -> datetime:
    """An ISO 8601 date-time; without an offset it is China time. Whole minutes."""
    if not isinstance(value, str) or not value.strip():
        invalid(name, f"请填写评标开始时间（{name}），如 2026-12-10T09:00:00+08:00。")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        invalid(name, f"评标开始时间（{name}）须为 ISO 8601 日期时间，如 2026-12-10T09:00:00+08:00。")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    moment = moment.astimezone(CHINA)
    if moment.second or moment.microsecond:
        invalid(name, f"评标开始时间（{name}）精确到分钟即可。")
    if not date(2000, 1, 1) <= moment.date() <= date(2099, 12, 31):
        invalid(name, f"评标开始时间（{name}）的年份不正确。")
    return moment


def center(code, field: str) -> TradingCenter:
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) > 9:
        raise ApiError(404, "center_not_found", f"交易中心编码 {str(code)[:20]} 不存在。", field)
    found = db.session.get(TradingCenter, int(code))
    if found is None or not found.active:
        raise ApiError(404, "center_not_found", f"交易中心编码 {code} 不存在。", field)
    return found


def home_center(code, field: str) -> TradingCenter:
    """A center of this portal's province: one that can host guest seats here."""
    found = center(code, field)
    if not db.session.scalar(select(Province.is_home).where(Province.id == found.province_id)):
        raise ApiError(404, "center_not_found", f"交易中心编码 {code} 不是本系统的交易中心。", field)
    return found


def own_request(request_id: int) -> SeatRequest:
    """A request this system filed; any other is not found (404), whoever filed it."""
    req = db.session.scalars(select(SeatRequest).options(selectinload(SeatRequest.specialty_links))
                             .where(SeatRequest.id == request_id,
                                    SeatRequest.partner_system_id == g.partner_system.id)).first()
    if req is None:
        raise ApiError(404, "request_not_found", "申请不存在或不是本系统提交的。")
    return req


def refused(error: BookingError):
    status = 409 if isinstance(error, StaleRequest | BookingConflict) else 422
    return ApiError(status, "conflict" if status == 409 else "refused", str(error), error.field and _field(error.field))


FIELD_NAMES = {"evaluation_date": "evaluationStartTime", "start_time": "evaluationStartTime",
               "seats": "expertCount", "seats_requested": "expertCount", "committee_size": "committeeSize",
               "duration_minutes": "durationMinutes", "main_center_id": "mainCenterCode",
               "project_code": "tenderProjectCode", "section_code": "bidSectionCode", "guests": "centerCode",
               "specialty_ids": "specialtyCodes", "reason": "reason", "workstation_ids": "expertCount"}


def _field(name: str) -> str:
    return FIELD_NAMES.get(name, name)


# --- idempotency -----------------------------------------------------------------------------------------------

def idempotent(view):
    """A POST's first answer is kept under its Idempotency-Key and returned to every retry (same call), in the
    same commit as the change; a retry with another body is refused (422)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers[signing.HEADER_IDEMPOTENCY]
        fingerprint = signing.fingerprint(request.method, request.path, request.get_data(cache=True))
        stored = _stored(key)
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            status, body = view(*args, **kwargs)
        except ApiError as error:
            db.session.rollback()
            status, body = error.status, errors.body(error.code, error.message, error.field)
        db.session.add(IdempotentAnswer(system_id=g.partner_system.id, idempotency_key=key, fingerprint=fingerprint,
                                        status_code=status, body=json.dumps(body, ensure_ascii=False)))
        try:
            db.session.commit()
        except IntegrityError:           # a retry racing this one stored its answer first: that one stands
            db.session.rollback()
            return _replay(_stored(key), fingerprint)
        return jsonify(body), status
    return wrapped


def _stored(key: str) -> IdempotentAnswer | None:
    return db.session.scalars(select(IdempotentAnswer).where(IdempotentAnswer.system_id == g.partner_system.id,
                                                             IdempotentAnswer.idempotency_key == key)).first()


def _replay(stored: IdempotentAnswer, fingerprint: str):
    if stored.fingerprint != fingerprint:
        return errors.response(422, "idempotency_key_reused", "该幂等键（Idempotency-Key）已用于另一个请求，"
                               "请为新的请求使用新的幂等键。", signing.HEADER_IDEMPOTENCY)
    response = jsonify(json.loads(stored.body))
    response.status_code = stored.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


# --- availability ----------------------------------------------------------------------------------------------

@bp.get("/centers/<code>/availability")
def availability(code):
    """Free cross-province workstations of a host center for an evaluation, and its experts per specialty
    shared across provinces (counts only)."""
    host = home_center(code, "centerCode")
    moment = start_time(request.args.get("evaluationStartTime"))
    minutes_text = request.args.get("durationMinutes", "240")
    if not minutes_text.isascii() or not minutes_text.isdigit() or not 1 <= int(minutes_text) <= 720:
        invalid("durationMinutes", "评标时长（durationMinutes）须为 1 至 720 之间的整数（分钟）。")
    minutes = int(minutes_text)
    _may_ask(host, moment.date())
    starts, ends = booking_rules.evaluation_range(moment.date(), moment.time().replace(tzinfo=None), minutes)
    free_cross, all_cross, _, _ = seat_counts([host.id], starts, ends).get(host.id, (0, 0, 0, 0))
    wanted = request.args.getlist("specialtyCode")
    if len(wanted) > 20 or any(len(c) > 20 for c in wanted):
        invalid("specialtyCode", "专业代码（specialtyCode）最多 20 个，每个最多 20 个字符。")
    counts = catalogue_counts(region_id=host.region_id, scope="cross_province") if host.region_id else {}
    names = dict(db.session.execute(select(Specialty.code, Specialty.name)).all())
    codes = wanted or sorted(code for code, region in counts if region is None and len(code) <= 3)
    body = {
        "centerCode": wire.center_code(host.id), "centerName": host.name,
        "evaluationStartTime": starts.astimezone(CHINA).isoformat(timespec="seconds"),
        "evaluationEndTime": ends.astimezone(CHINA).isoformat(timespec="seconds"), "durationMinutes": minutes,
        "freeCrossProvinceWorkstations": free_cross, "crossProvinceWorkstations": all_cross,
        "expertCounts": [{"specialtyCode": c, "specialtyName": names.get(c), "expertCount": counts.get((c, None), 0)}
                         for c in codes],
    }
    db.session.commit()        # the key's last use
    return jsonify(body)


def _may_ask(host: TradingCenter, day: date, main: TradingCenter | None = None) -> None:
    """The system's center (or any of its centers) may ask this host on the day: the reverse partner rule."""
    mains = [main] if main else list(db.session.scalars(
        select(TradingCenter).where(TradingCenter.id.in_(system_center_ids(g.partner_system.id)))))
    decisions = [may_host_for(m, host, day) for m in mains]
    if not any(d.allowed for d in decisions):
        reason = decisions[0].reason if decisions else "本系统未登记代表的交易中心。"
        raise ApiError(403, "not_partner", reason or f"{host.name}不是本系统所代表交易中心的合作单位。", "centerCode")


# --- filing, change, withdrawal ----------------------------------------------------------------------------

@bp.post("/seat-requests")
@idempotent
def file_request():
    """One application record: applicationType apply (new), change or cancel (of originalApplicationId)."""
    data = json_body()
    kind = data.get("applicationType", "apply")
    if kind not in APPLICATION_TYPES:
        invalid("applicationType", "申请类型（applicationType）须为 apply（申请）、change（变更）或 cancel（取消）。")
    if kind == "apply":
        return _apply(data)
    original = text(data, "originalApplicationId", "原申请编号", 60)
    req = _by_reference(original)
    return _change(req, data) if kind == "change" else _cancel(req, data)


@bp.post("/seat-requests/<int:request_id>/changes")
@idempotent
def change_request(request_id):
    return _change(own_request(request_id), json_body())


@bp.post("/seat-requests/<int:request_id>/withdrawal")
@idempotent
def withdraw_request(request_id):
    return _cancel(own_request(request_id), json_body())


def _by_reference(reference: str) -> SeatRequest:
    req = db.session.scalars(select(SeatRequest).options(selectinload(SeatRequest.specialty_links))
                             .where(SeatRequest.partner_system_id == g.partner_system.id,
                                                       SeatRequest.partner_reference == reference)
                             .order_by(SeatRequest.id.desc())).first()
    if req is None:
        raise ApiError(404, "request_not_found", f"本系统没有申请编号为 {reference} 的申请。", "originalApplicationId")
    return req


def _apply(data: dict):
    reference = text(data, "applicationId", "申请编号", 60)
    main = center(data.get("mainCenterCode"), "mainCenterCode")
    if main.id not in system_center_ids(g.partner_system.id):
        raise ApiError(403, "not_your_center", f"本系统不代表{main.name}，不能以其名义提交申请。", "mainCenterCode")
    host = home_center(data.get("centerCode"), "centerCode")
    moment = start_time(data.get("evaluationStartTime"))
    category = data.get("category", "construction")
    if category not in {c.value for c in Category}:
        invalid("category", "类别（category）须为 construction、epc、goods、services 或 combined。")
    budget = data.get("budget")
    try:
        budget = Decimal(str(budget)) if budget is not None and not isinstance(budget, bool) else None
    except InvalidOperation:
        budget = None
    if budget is None or not budget.is_finite() or budget < 0 or budget >= Decimal("1e10"):
        invalid("budget", "请以数字填写预算金额或合同估算价（budget，万元，不小于 0）。")
    codes = data.get("specialtyCodes") or []
    if not isinstance(codes, list) or len(codes) > 5 or not all(isinstance(c, str) and len(c) <= 20 for c in codes):
        invalid("specialtyCodes", "专业代码（specialtyCodes）须为最多 5 个代码的列表。")
    specialty_ids = []
    if codes:
        known = dict(db.session.execute(select(Specialty.code, Specialty.id).where(Specialty.code.in_(codes))).all())
        missing = [c for c in codes if c not in known]
        if missing:
            invalid("specialtyCodes", f"专业代码 {'、'.join(missing)} 不存在。")
        specialty_ids = [known[c] for c in codes]
    fields = {
        "main_center_id": main.id, "partner_reference": reference,
        "partner_contact": text(data, "contact", "主场联系人及电话", 200, required=False) or g.partner_system.name,
        "project_name": text(data, "tenderProjectName", "招标项目名称", 200),
        "project_code": text(data, "tenderProjectCode", "招标项目编号", 50),
        "tenderee": text(data, "tendererName", "招标人名称", 200),
        "agency": text(data, "tenderAgencyName", "招标代理机构名称", 200, required=False),
        "section_name": text(data, "bidSectionName", "标段（包）名称", 200),
        "section_code": text(data, "bidSectionCode", "标段（包）编号", 50),
        "category": category, "budget_wan": budget,
        "evaluation_date": moment.date(), "start_time": moment.time().replace(tzinfo=None),
        "duration_minutes": integer(data, "durationMinutes", "评标时长（分钟）", 1, 720),
        "committee_size": integer(data, "committeeSize", "评标委员会人数", 1, 99),
        "seats": integer(data, "expertCount", "本中心客场专家人数", 1, 50),
        "specialty_ids": tuple(specialty_ids), "notes": text(data, "notes", "备注", 500, required=False),
        "partner_system_id": g.partner_system.id,
    }
    _may_ask(host, moment.date(), main)
    try:
        done = inbound.register(host, fields)
    except BookingError as error:
        raise refused(error) from None
    body = wire.request_json(done.request)
    body["warnings"] = list(done.warnings)
    return 201, body


def _change(req: SeatRequest, data: dict):
    moment = start_time(data.get("evaluationStartTime"))
    fields = {"evaluation_date": moment.date(), "start_time": moment.time().replace(tzinfo=None),
              "duration_minutes": integer(data, "durationMinutes", "评标时长（分钟）", 1, 720),
              "seats_requested": integer(data, "expertCount", "本中心客场专家人数", 1, 50),
              "reason": text(data, "reason", "变更原因", 500)}
    try:
        changes.request_change(req, req.version, fields)
    except BookingError as error:
        raise refused(error) from None
    return 202, wire.request_json(req)


def _cancel(req: SeatRequest, data: dict):
    reason = text(data, "reason", "撤回或取消的原因", 500, required=False) or ""
    try:
        if req.status is Status.SUBMITTED:
            lifecycle.withdraw(req, req.version, reason)
        elif req.status in booking_rules.HOLDING_STATUSES:
            if not reason:
                invalid("reason", "取消已接受的预订须填写原因（reason）。")
            lifecycle.cancel(req, req.version, reason, Side.MAIN)
        else:
            raise ApiError(409, "conflict", f"申请当前为“{req.status.label}”，不能撤回或取消。", "applicationType")
    except BookingError as error:
        raise refused(error) from None
    return 200, wire.request_json(req)


# --- federation: another portal's answers -----------------------------------------------------------------

@bp.post("/partner-events")
@idempotent
def partner_event():
    """An event of another portal about a request this portal sent there (federation): applied once."""
    data = json_body()
    kind, payload = data.get("eventType"), data.get("data")
    if not isinstance(kind, str) or not kind or len(kind) > 40:
        invalid("eventType", "请填写事件类型（eventType）。")
    if not isinstance(payload, dict):
        invalid("data", "事件内容（data）须为 JSON 对象。")
    try:
        req, changed = federation.apply_event(g.partner_system.id, kind, payload)
    except federation.UnknownRequest as error:
        raise ApiError(404, "request_not_found", str(error), error.field) from None
    except BookingError as error:
        raise refused(error) from None
    return 200, {"applied": changed, "id": req.id, "status": req.status.value}


# --- reading ---------------------------------------------------------------------------------------------------

@bp.get("/seat-requests/<int:request_id>")
def show_request(request_id):
    """The request's state and its history (what happened when, no one's name)."""
    req = own_request(request_id)
    body = wire.request_json(req)
    body["history"] = [{"time": e.created_at.astimezone(CHINA).isoformat(timespec="seconds"), "action": e.action,
                        "summary": e.summary or ""} for e in timeline(req)]
    db.session.commit()        # the key's last use
    return jsonify(body)


@bp.before_request
def check_signature():
    auth.authenticate()


@bp.errorhandler(ApiError)
def api_error(error):
    db.session.rollback()
    return errors.response(error.status, error.code, error.message, error.field)


@bp.errorhandler(HTTPException)
def http_error(error):
    code, message = errors.HTTP_CODES.get(error.code, ("error", "请求无法处理。"))
    return errors.response(error.code or 400, code, message)


def init_app(app) -> None:
    """Register the blueprint, CSRF-exempt (every call is signed; no cookie session is used)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
