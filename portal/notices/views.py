"""Notices (公告) and columns (专栏): the public list, search and feed; writing and publishing them."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import publishing, richtext, uploads
from ..auth.permissions import can, get_scoped_or_404, permission_required, scope_clause, scoped_select
from ..clock import to_china
from ..errors import show_on_form
from ..extensions import db
from ..forms_base import china_to_utc
from ..htmx import render
from ..identifiers import stable_urn
from ..listing import paginate
from ..models_base import utcnow, valid_id
from ..orgs.models import Region
from . import bp, rules, services
from .forms import NoticeForm, WithdrawForm
from .models import Notice
from .rules import State, Status

ATTACHMENT_MAX_BYTES = 20 * uploads.MB
FEED_SIZE = 30


def _filters() -> services.Filters:
    column = request.args.get("column", "")
    sort = request.args.get("sort", "new")
    region = request.args.get("region", "")
    return services.Filters(
        column=column if column in rules.COLUMNS else "",
        region=0 if region == "province" else valid_id(region),
        tag=request.args.get("tag", "").strip()[:rules.MAX_TAG_LENGTH],
        q=request.args.get("q", "").strip()[:100],
        sort=sort if sort in services.SORTS else "new",
    )


def _regions():
    return db.session.scalars(select(Region).order_by(Region.sort_order)).all()


@bp.route("/")
def index():
    """The public list: pinned first, then newest; filters by column, region and tag; search."""
    now = utcnow()
    filters = _filters()
    page = paginate(services.public_select(filters, now), per_page=20)
    regions = _regions()
    return render("notices/index.html", "notices/_results.html", page=page, filters=filters, regions=regions,
                  region_names={r.id: r.name for r in regions}, tags=services.popular_tags(now), columns=rules.COLUMNS,
                  sorts=services.SORTS, excerpt=richtext.excerpt)


@bp.route("/feed.atom")
def feed():
    """Atom feed of the latest published notices (阅读器订阅)."""
    now = utcnow()
    notices = db.session.scalars(
        select(Notice).where(Notice.public_clause(now)).options(selectinload(Notice.region))
        .order_by(Notice.publish_at.desc(), Notice.id.desc()).limit(FEED_SIZE)).all()
    updated = max((n.updated_at for n in notices), default=now)
    body = render_template("notices/feed.xml", notices=notices, updated=updated, feed_id=stable_urn("notices-feed", 1),
                           entry_id=lambda notice_id: stable_urn("notice", notice_id))
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response


def _visible(notice_id) -> Notice:
    """A notice the reader may see: public ones to everyone, the others to those who manage them."""
    now = utcnow()
    stmt = (select(Notice).where(Notice.id == valid_id(notice_id))
            .where(or_(Notice.public_clause(now), scope_clause("notices.manage", Notice)))
            .options(selectinload(Notice.region), selectinload(Notice.tags), selectinload(Notice.attachments)))
    notice = db.session.scalars(stmt).first() if valid_id(notice_id) else None
    if notice is None:
        abort(404)
    return notice


@bp.route("/<int:notice_id>")
def show(notice_id):
    notice = _visible(notice_id)
    return render_template("notices/show.html", notice=notice, state=notice.state(utcnow()), State=State,
                           withdraw_form=WithdrawForm(formdata=None),
                           manages=can("notices.manage") and services.region_allowed(current_user, notice.region_id))


@bp.route("/<int:notice_id>/files/<int:file_id>")
def attachment(notice_id, file_id):
    return publishing.download(services.UPLOAD_FEATURE, _visible(notice_id).attachments, file_id)


# --- writing -----------------------------------------------------------------------------------------------------

MANAGE_STATES = {"": "全部", "draft": "草稿", "scheduled": "定时发布", "published": "已发布", "withdrawn": "已撤回"}


@bp.route("/manage")
@permission_required("notices.manage")
def manage():
    """The writer's list: every notice of their scope, drafts and withdrawn ones included."""
    now = utcnow()
    filters = _filters()
    state = request.args.get("state", "")
    state = state if state in MANAGE_STATES else ""
    stmt = services.filtered(scoped_select("notices.manage", Notice), filters)
    stmt = stmt.where({
        "": Notice.id.isnot(None),
        "draft": Notice.status == Status.DRAFT,
        "scheduled": (Notice.status == Status.PUBLISHED) & (Notice.publish_at > now),
        "published": Notice.public_clause(now),
        "withdrawn": Notice.status == Status.WITHDRAWN,
    }[state])
    stmt = stmt.options(selectinload(Notice.region)).order_by(Notice.updated_at.desc(), Notice.id.desc())
    page = paginate(stmt)
    return render("notices/manage.html", "notices/_manage_results.html", page=page, filters=filters,
                  state=state, states=MANAGE_STATES, now=now, columns=rules.COLUMNS, regions=_regions())


def _form_choices(form: NoticeForm) -> None:
    province_wide, regions = services.writable_regions(current_user)
    form.region_id.choices = ([("", "全省")] if province_wide else []) + [(str(r.id), r.name) for r in regions]


def _form_data(form: NoticeForm) -> services.NoticeData:
    return services.NoticeData(
        title=form.title.data, column=form.column.data,
        region_id=valid_id(form.region_id.data) if form.region_id.data else None,
        body_source=form.body_source.data or "", tags=rules.parse_tags(form.tags.data or ""),
        pinned=bool(form.pinned.data), publish_at=china_to_utc(form.publish_at.data))


def _editor(form, notice=None, status=200):
    return render_template("notices/edit.html", form=form, notice=notice, columns=rules.COLUMNS,
                           max_file_bytes=ATTACHMENT_MAX_BYTES), status


def _reload(notice_id) -> Notice:
    return get_scoped_or_404("notices.manage", Notice, notice_id,
                             options=(selectinload(Notice.tags), selectinload(Notice.attachments),
                                      selectinload(Notice.region)))


SAVED = {State.DRAFT: "草稿已保存。", State.SCHEDULED: "已设定定时发布，到时自动公开。",
         State.PUBLISHED: "已发布，公众无需登录即可查看。", State.WITHDRAWN: "已保存（该公告已撤回，未公开）。"}

EDITOR = publishing.Editor(
    feature=services.UPLOAD_FEATURE, kinds=services.ATTACHMENT_KINDS, max_bytes=ATTACHMENT_MAX_BYTES,
    refused=services.NoticeRefused, region_refused="您只能为本地区发布公告。", data=_form_data,
    save=services.save, page=_editor, reload=_reload,
    saved=lambda notice: (SAVED[notice.state(utcnow())], url_for("notices.show", notice_id=notice.id)))


def _save(form: NoticeForm, notice: Notice | None):
    _form_choices(form)
    return publishing.save_from_editor(EDITOR, form, notice)


@bp.route("/new", methods=["GET", "POST"])
@uploads.limit(101 * uploads.MB)
@permission_required("notices.manage")
def new():
    form = NoticeForm()
    if request.method == "POST":
        return _save(form, None)
    _form_choices(form)
    if current_user.region_id and not services.writable_regions(current_user)[0]:
        form.region_id.data = str(current_user.region_id)
    return _editor(form)


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@uploads.limit(101 * uploads.MB)
@permission_required("notices.manage")
def edit(notice_id):
    notice = _reload(notice_id)
    if not services.region_allowed(current_user, notice.region_id):
        abort(404)
    if request.method == "POST":
        return _save(NoticeForm(), notice)
    form = NoticeForm(formdata=None, obj=notice)
    _form_choices(form)
    form.region_id.data = str(notice.region_id) if notice.region_id else ""
    form.tags.data = "、".join(t.tag for t in notice.tags)
    form.publish_at.data = to_china(notice.publish_at).replace(tzinfo=None) if notice.publish_at else None
    form.version.data = str(notice.version)
    return _editor(form, notice)


@bp.route("/<int:notice_id>/withdraw", methods=["POST"])
@permission_required("notices.manage")
def withdraw(notice_id):
    notice = _reload(notice_id)
    if not services.region_allowed(current_user, notice.region_id):
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(notice, form.reason.data)
            db.session.commit()
        except services.NoticeRefused as error:
            show_on_form(form, error, "reason")
        else:
            flash("已撤回，公众不再能看到这条公告。", "success")
            return redirect(url_for("notices.show", notice_id=notice.id), 303)
    notice = _reload(notice_id)
    return render_template("notices/show.html", notice=notice, state=notice.state(utcnow()), State=State,
                           withdraw_form=form, manages=True), 422
