"""During and after the evaluation: the guest venue's duties (副场保障), incidents (突发情况), violation clues
(线索移交), the hand-over of records (资料移交) and its receipt, and the payment of the experts' fees."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ... import uploads
from ...audit import services as audit
from ...auth.recipients import center_staff_ids
from ...clock import china_today, to_china
from ...extensions import db
from ...models_base import utcnow
from ...notifications.services import notify
from .. import rules
from ..models import Attachment, Clue, CommitteeMember, DutyItem, Evaluation, EvaluationVenue, HandoverItem, Incident
from .common import EvaluationError, aware, check_not_future, lock, region_of, tell_main_and_supervisors

# --- duties (副场保障) ----------------------------------------------------------------------------------------


def tick_duty(evaluation: Evaluation, venue: EvaluationVenue, item: str, note: str, done: bool) -> None:
    """Tick (or untick) one item of a guest venue's duty checklist, with who and when."""
    if item not in rules.DUTY_LABELS:
        raise EvaluationError("请选择保障事项。")
    if venue.is_main:
        raise EvaluationError("保障清单只适用于副场（客场）。")
    lock(evaluation)
    existing = db.session.get(DutyItem, (venue.id, item))
    label = rules.DUTY_LABELS[item]
    if done and existing is None:
        db.session.add(DutyItem(venue_id=venue.id, item=item, done_by_id=audit.current_actor_id(),
                                note=(note or "").strip()[:300] or None))
        summary = f"{venue.label}完成保障事项：{label}"
    elif not done and existing is not None:
        db.session.delete(existing)
        summary = f"{venue.label}取消保障事项勾选：{label}"
    else:
        return
    db.session.flush()
    audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation), summary=summary)


def duties_of(evaluation: Evaluation) -> dict[int, dict[str, DutyItem]]:
    """The ticked duty items, by venue id and item."""
    out: dict[int, dict[str, DutyItem]] = {}
    for duty in db.session.scalars(
            select(DutyItem).join(EvaluationVenue, DutyItem.venue_id == EvaluationVenue.id)
            .where(EvaluationVenue.evaluation_id == evaluation.id).options(joinedload(DutyItem.done_by))):
        out.setdefault(duty.venue_id, {})[duty.item] = duty
    return out


# --- incidents (突发情况) --------------------------------------------------------------------------------------

def report_incident(evaluation: Evaluation, venue: EvaluationVenue, data: dict) -> Incident:
    """A venue reports an incident; the main venue and the region's supervisors are told at once."""
    if data["kind"] not in rules.INCIDENT_LABELS:
        raise EvaluationError("请选择突发情况的类型。", "kind")
    check_not_future(data["occurred_at"], "occurred_at")
    if data.get("resumed_at"):
        check_not_future(data["resumed_at"], "resumed_at")
    lock(evaluation)
    incident = Incident(evaluation_id=evaluation.id, venue_id=venue.id, kind=data["kind"],
                        occurred_at=data["occurred_at"], effect=data["effect"].strip()[:500],
                        handling=(data.get("handling") or "").strip()[:500] or None,
                        resumed_at=data.get("resumed_at"), reported_by_id=audit.current_actor_id())
    if incident.resumed_at and incident.resumed_at < incident.occurred_at:
        raise EvaluationError("恢复时间不能早于发生时间。", "resumed_at")
    db.session.add(incident)
    db.session.flush()
    label = rules.INCIDENT_LABELS[incident.kind]
    audit.record("create", "incident", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}突发情况：{label}；影响：{incident.effect[:100]}")
    tell_main_and_supervisors(evaluation, f"{venue.label}发生{label}，{incident.effect[:60]}", "incidents")
    return incident


def resume_incident(evaluation: Evaluation, incident: Incident, resumed_at: datetime, handling: str) -> None:
    """Record when the evaluation resumed after an incident (and how it was handled)."""
    check_not_future(resumed_at, "resumed_at")
    lock(evaluation, incident)
    if incident.resumed_at is not None:
        raise EvaluationError("该突发情况已登记恢复。")
    if resumed_at < aware(incident.occurred_at):
        raise EvaluationError("恢复时间不能早于发生时间。", "resumed_at")
    incident.resumed_at = resumed_at
    if handling.strip():
        incident.handling = handling.strip()[:500]
    audit.record("update", "incident", evaluation, region_id=region_of(evaluation),
                 summary=f"{incident.venue.label}{rules.INCIDENT_LABELS[incident.kind]}已恢复")


def incidents_of(evaluation: Evaluation) -> list[Incident]:
    """The evaluation's incidents in the order they happened."""
    return list(db.session.scalars(select(Incident).where(Incident.evaluation_id == evaluation.id)
                                   .options(joinedload(Incident.venue).joinedload(EvaluationVenue.center))
                                   .order_by(Incident.occurred_at, Incident.id)))


# --- clues (线索移交) ------------------------------------------------------------------------------------------

def _store_files(evaluation: Evaluation, files, batch: uploads.UploadBatch, **owner) -> int:
    """Store checked uploads as attachments of a clue or hand-over item (through the change's batch)."""
    for storage in files:
        stored = batch.store(storage)
        db.session.add(Attachment(evaluation_id=evaluation.id, name=stored.name, key=stored.key,
                                  mimetype=stored.mimetype, size=stored.size, sha256=stored.sha256,
                                  uploaded_by_id=audit.current_actor_id(), **owner))
    return len(files)


def file_clue(evaluation: Evaluation, venue: EvaluationVenue, text: str, files, batch: uploads.UploadBatch) -> Clue:
    """The secondary venue transfers a suspected violation to the main venue (线索移交)."""
    if venue.is_main:
        raise EvaluationError("线索由副场移交给主场；主场发现的线索请直接向行政监督部门报告。")
    if not (text or "").strip():
        raise EvaluationError("请填写线索内容。", "text")
    lock(evaluation)
    clue = Clue(evaluation_id=evaluation.id, venue_id=venue.id, text=text.strip()[:5000],
                filed_by_id=audit.current_actor_id())
    db.session.add(clue)
    db.session.flush()
    stored = _store_files(evaluation, files, batch, clue_id=clue.id)
    db.session.flush()
    # The audit entry says that a clue was filed, not what it says (the log is read more widely).
    audit.record("create", "clue", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}向主场移交违法违规线索（附件 {stored} 个）")
    tell_main_and_supervisors(evaluation, f"{venue.label}移交了一条违法违规线索", "clues")
    return clue


def report_clue(evaluation: Evaluation, clue: Clue, reported_to: str, note: str) -> None:
    """The main venue records its report of the clue to the authorities."""
    if not (reported_to or "").strip():
        raise EvaluationError("请填写报告的行政监督部门。", "reported_to")
    lock(evaluation, clue)
    if clue.reported_at is not None:
        raise EvaluationError("该线索已登记报告。")
    clue.reported_at = utcnow()
    clue.reported_to = reported_to.strip()[:200]
    clue.report_note = (note or "").strip()[:500] or None
    clue.reported_by_id = audit.current_actor_id()
    audit.record("update", "clue", evaluation, region_id=region_of(evaluation),
                 summary=f"主场已将线索报告{clue.reported_to}")


def clues_of(evaluation: Evaluation) -> list[Clue]:
    """Every clue of the evaluation with its files (the caller keeps those the person may read)."""
    return list(db.session.scalars(select(Clue).where(Clue.evaluation_id == evaluation.id)
                                   .options(joinedload(Clue.venue).joinedload(EvaluationVenue.center),
                                            selectinload(Clue.attachments))
                                   .order_by(Clue.id)))


# --- hand-over (资料移交) ------------------------------------------------------------------------------------

def _handover_problem(kind: str, mode: str, reference: str, files) -> EvaluationError | None:
    if kind not in rules.HANDOVER_LABELS:
        return EvaluationError("请选择移交的资料。", "kind")
    if mode not in dict(rules.HANDOVER_MODES):
        return EvaluationError("请选择移交方式。", "mode")
    if mode == "physical" and not reference:
        return EvaluationError("线下移交请填写移交单号或存储介质编号。", "reference")
    if mode == "file" and not files:
        return EvaluationError("请选择要上传的文件，或改为线下移交。", "files")
    return None


def hand_over(evaluation: Evaluation, venue: EvaluationVenue, kind: str, mode: str, reference: str, files,
              batch: uploads.UploadBatch) -> None:
    """Record one kind of material handed to the main venue; the hand-over is complete with all three."""
    if venue.is_main:
        raise EvaluationError("资料由客场移交给主场。")
    reference = (reference or "").strip()
    problem = _handover_problem(kind, mode, reference, files)
    if problem:
        raise problem
    if venue.external and not reference:
        # The main venue records a partner province's hand-over on its behalf: the partner's slip is the proof.
        raise EvaluationError("外省客场的资料由主场代为登记，请填写合作方的移交单号（电子移交的也请填写）。", "reference")
    lock(evaluation, venue)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能移交资料。")
    if venue.received_at is not None:
        raise EvaluationError("主场已确认接收，不能再修改移交记录。")
    item = db.session.scalars(select(HandoverItem).where(HandoverItem.venue_id == venue.id,
                                                         HandoverItem.kind == kind)).first()
    if item is None:
        item = HandoverItem(venue_id=venue.id, kind=kind)
        db.session.add(item)
    item.mode, item.reference = mode, reference[:200] or None
    item.handed_at, item.handed_by_id = utcnow(), audit.current_actor_id()
    db.session.flush()
    if mode == "file":
        _store_files(evaluation, files, batch, handover_item_id=item.id)
    kinds = set(db.session.scalars(select(HandoverItem.kind).where(HandoverItem.venue_id == venue.id)))
    complete = kinds >= set(rules.HANDOVER_LABELS)
    if complete and venue.handed_over_at is None:
        venue.handed_over_at = utcnow()
        venue.handed_over_by_id = audit.current_actor_id()
        notify(center_staff_ids(evaluation.main_center_id),
               f"{evaluation.section.name}：{venue.label}已移交全部评标资料，请确认接收。",
               f"/evaluations/{evaluation.id}#handover", skip=audit.current_actor_id())
    db.session.flush()
    audit.record("handover", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}移交{rules.HANDOVER_LABELS[kind]}（{dict(rules.HANDOVER_MODES)[mode][:4]}）"
                         + ("；资料已全部移交" if complete else ""))


def confirm_receipt(evaluation: Evaluation, venue: EvaluationVenue, note: str) -> None:
    """The main venue confirms it received everything a guest venue handed over."""
    lock(evaluation, venue)
    if venue.handed_over_at is None:
        raise EvaluationError("客场尚未移交全部资料（见证记录、专家考核记录、音视频资料）。")
    if venue.received_at is not None:
        raise EvaluationError("已经确认接收。")
    venue.received_at = utcnow()
    venue.received_by_id = audit.current_actor_id()
    venue.received_note = (note or "").strip()[:500] or None
    audit.record("receive", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"主场确认接收{venue.label}移交的评标资料")


def handover_items_of(evaluation: Evaluation) -> dict[int, dict[str, HandoverItem]]:
    """What each guest venue handed over, by venue id and kind, with the files."""
    out: dict[int, dict[str, HandoverItem]] = {}
    for item in db.session.scalars(
            select(HandoverItem).join(EvaluationVenue, HandoverItem.venue_id == EvaluationVenue.id)
            .where(EvaluationVenue.evaluation_id == evaluation.id).options(selectinload(HandoverItem.attachments))):
        out.setdefault(item.venue_id, {})[item.kind] = item
    return out


# --- fees and payment (劳务费与就餐费) ------------------------------------------------------------------------

def confirm_payment(evaluation: Evaluation, member: CommitteeMember, amount: Decimal, reference: str,
                    paid_on: date | None = None, correction: str | None = None) -> None:
    """The agent confirms that one expert was paid: the amount, the payment's reference (voucher) and the day it
    was paid (today unless given; never before the evaluation day nor after today, China time). A payment
    already recorded changes only as a correction with its reason, audited with what it was before."""
    lock(evaluation, member)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能登记劳务费支付。")
    if not member.seated:
        raise EvaluationError("该专家已被更换，不需要支付劳务费。")
    correction = (correction or "").strip()
    if member.paid_at is not None and not correction:
        raise EvaluationError("该专家的劳务费已登记支付；如需更正，请填写更正原因。", "correction")
    today = china_today()
    paid_on = paid_on or today
    problem = rules.payment_date_problem(paid_on, evaluation.evaluation_date, today)
    if problem:
        raise EvaluationError(problem, "paid_on")
    before = None if member.paid_at is None else (
        f"{member.paid_yuan:.2f} 元，{member.paid_on or to_china(member.paid_at).date()}，凭证 {member.payment_ref or '无'}")
    member.paid_yuan = amount
    member.payment_ref = (reference or "").strip()[:100] or None
    member.paid_on = paid_on
    member.paid_at = utcnow()
    member.paid_by_id = audit.current_actor_id()
    note = "" if member.owed_total is None or amount == member.owed_total else f"（应付 {member.owed_total:.2f} 元）"
    what = f"{member.venue.label}评委席位 {member.seat_no} 劳务费及就餐费"
    if before is None:
        summary = f"{what}已支付 {amount:.2f} 元（{paid_on}）{note}"
    else:
        summary = f"{what}支付更正：{before} → {amount:.2f} 元，{paid_on}，凭证 {member.payment_ref or '无'}；原因：{correction}"
    audit.record("pay", "evaluation", evaluation, region_id=region_of(evaluation), summary=summary[:500])
