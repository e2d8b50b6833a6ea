"""E-mail notices (邮件提醒): each person's address and choices, the outbox filled in the transaction of a
notification, and the worker (`flask --app portal mail send|digest`) that delivers it by SMTP."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail")


def init_app(app):
    """Queue an e-mail for every notification of a person who asked for one (when SMTP is configured)."""
    from ..notifications.services import notified
    from .services import enqueue

    notified.connect(enqueue)
