"""Each person's e-mail preferences page (reached from the user menu)."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from . import bp, rules, services
from ..forms_base import ActionForm
from .forms import PreferencesForm


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm()
    if not form.is_submitted():
        form.address.data = services.address_of(current_user.id)
        for kind, mode in services.choices_of(current_user.id).items():
            form[f"mode_{kind}"].data = mode.value
    status = 200
    if form.validate_on_submit():
        changed = services.save_preferences(current_user._get_current_object(), form.address.data or "",
                                            form.modes())
        db.session.commit()
        flash("邮件提醒设置已保存。" if changed else "设置没有变化。", "success")
        return redirect(url_for("mail.preferences"), 303)
    if form.errors:
        status = 422
    return render_template("mail/preferences.html", form=form, kinds=rules.KINDS, enabled=services.enabled(),
                           sender=current_app.config.get("MAIL_SENDER") or "",
                           messages=services.recent_messages(current_user.id)), status


@bp.route("/preferences/test", methods=["POST"])
@login_required
def send_test():
    """Queue a test e-mail to one's own saved address (the worker sends it)."""
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "error")
        return redirect(url_for("mail.preferences"), 303)
    problem = services.queue_test_message(current_user._get_current_object())
    db.session.commit()
    flash(problem or "测试邮件已排队，几分钟内发出；请查看收件箱（也可能在垃圾邮件中）。", "error" if problem else "success")
    return redirect(url_for("mail.preferences"), 303)
