"""Flask commands: seed-demo, create-admin."""
import click
from flask import current_app
from sqlalchemy import select

from .extensions import db


def init_app(app):
    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo data (idempotent: a second run adds nothing)."""
        from .demo import load_demo

        added = load_demo()
        db.session.commit()
        summary = "，".join(f"{k} {v}" for k, v in added.items())
        click.echo(f"演示数据已就绪（本次新增：{summary}）。演示账号密码：demo-pass-2026")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", default="省级管理员", help="display name")
    @click.password_option(prompt="密码")
    def create_admin(username, name, password):
        """Create a provincial admin account."""
        from .auth.models import Role, User
        from .auth.passwords import hash_password
        from .auth.rules import password_problems

        problems = password_problems(password, username)
        if problems:
            raise click.ClickException(" ".join(problems))
        if db.session.scalars(select(User.id).filter_by(username=username)).first():
            raise click.ClickException(f"用户名 {username} 已存在。")
        db.session.add(User(username=username, display_name=name, role=Role.PROVINCE_ADMIN,
                            password_hash=hash_password(password), active=True))
        db.session.commit()
        click.echo(f"已创建省级管理员 {username}。")
        current_app.logger.info("created provincial admin %s", username)
