from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/evaluations")
