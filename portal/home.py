"""The start page: each role's workbench (工作台), what each role does here, with links."""
from flask import Blueprint, jsonify, redirect
from flask_login import current_user

from .auth.permissions import can
from .clock import china_now
from .htmx import render, wants_fragment
from .notices import services as notices
from .reports import table as reports_table
from .training import services as training
from .workbench import services as workbench

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """The home page; its htmx poll (every minute) gets the workbench's cards alone."""
    now = china_now()
    cards = workbench.build(current_user, now.date())
    if wants_fragment():   # the poll: the cards only, none of the page's other queries
        return render("home.html", "workbench/_workbench.html", user=current_user, cards=cards, now=now, polled=True)
    # The monthly report a filer still owes (the banner): asked here and passed to the page.
    owed = reports_table.pending_for(current_user) if can("reports.file") else None
    return render("home.html", "workbench/_workbench.html", user=current_user, cards=cards, now=now,
                  notices=notices.latest(5), sessions=training.upcoming(3), owed=owed)


@bp.route("/healthz")
def healthz():
    """For the load balancer: 200 when this process can read the migrated database, else 503.

    The answer is never cached and says nothing about the data (no version, no counts)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    try:
        # A real table: an empty file SQLite would create for a wrong path has none.
        db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
    else:
        response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/evaluation/", defaults={"rest": ""})
@bp.route("/evaluation/<path:rest>")
def old_evaluation_links(rest):
    """Links stored before the evaluation pages moved to /evaluations/ (notifications keep their link)."""
    return redirect("/evaluations/" + rest, code=301)
