"""The start page: what each role does here, with links."""
from flask import Blueprint, redirect, render_template
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    from .notices.views import latest
    from .training.views import upcoming

    return render_template("home.html", user=current_user, notices=latest(5), sessions=upcoming(3))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/evaluation/", defaults={"rest": ""})
@bp.route("/evaluation/<path:rest>")
def old_evaluation_links(rest):
    """Links stored before the evaluation pages moved to /evaluations/ (notifications keep their link)."""
    return redirect("/evaluations/" + rest, code=301)
