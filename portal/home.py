"""The start page: what each role does here, with links."""
from flask import Blueprint, render_template
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    return render_template("home.html", user=current_user)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
