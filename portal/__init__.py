"""远程异地评标协同门户 — application factory."""
import os
import secrets
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import fieldcrypt, uploads
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: str) -> str:
    """Read the instance's secret key, generating one on first run."""
    path = Path(instance_path) / "secret_key"
    try:
        # Exclusive create: several gunicorn workers starting at once agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(100):  # another worker may still be writing it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


def create_app(test_config=None):
    """Build the app: defaults -> instance/config.py -> environment -> test_config."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(Path(app.instance_path) / "portal.sqlite"),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Production over HTTPS: PORTAL_SESSION_COOKIE_SECURE=true and PORTAL_REMEMBER_COOKIE_SECURE=true.
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        PROXY_FIX_HOPS=0,
        # Sessions end after 30 minutes without a request and 12 hours after login; account and permission
        # changes ask for the password again when it was last given more than 10 minutes ago.
        SESSION_IDLE_MINUTES=30,
        SESSION_ABSOLUTE_HOURS=12,
        CONFIRM_WINDOW_MINUTES=10,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_I18N_ENABLED=False,  # forms use WTForms' own Chinese messages (PortalForm.Meta)  # the token lives as long as the session
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        IMPORT_MAX_ROWS=5000,
        EXPERT_IMPORT_MAX_ROWS=20000,
        # What reading one import may cost (archive entries, sizes, ratio, rows read with blanks, the deadline):
        # IMPORT_<FIELD> for each field of spreadsheets.ReadLimits, whose defaults say how they were measured.
        PAGE_SIZE=50,
        # A list's print view (?print=1) shows every row up to this many (then says how many it left out).
        PRINT_MAX_ROWS=2000,
        # How often a page waiting for the other side of a seat request asks for news (seconds).
        POLL_SECONDS=20,
        # Time guards of the evaluation day (portal/evaluations/timing.py): the draw opens at 00:00 China time
        # of this many working days before the evaluation date, or (when set) this many hours before the start;
        # the winner no earlier than the evaluation day plus the publicity period (实施条例 第五十四条).
        EVALUATION_DRAW_OPEN_WORKING_DAYS=1,
        EVALUATION_DRAW_OPEN_HOURS=None,
        WINNER_PUBLICITY_DAYS=3,
        # OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1.
        ARGON2_TIME_COST=2,
        ARGON2_MEMORY_COST=19456,
        ARGON2_PARALLELISM=1,
        # Field encryption at rest (portal/fieldcrypt.py; README "Field encryption"): PORTAL_FIELD_KEYS is a key
        # ring "id:base64key,..." (the first encrypts), PORTAL_BLIND_INDEX_KEY the HMAC key of the blind indexes.
        # Neither set: both are generated into instance/field_keys (development).
        FIELD_KEYS=None, BLIND_INDEX_KEY=None,
        # E-mail notices (portal/mail; README "E-mail notices"): off until an SMTP host is set. Security is
        # starttls, ssl or none; the password best from the environment (PORTAL_MAIL_SMTP_PASSWORD).
        MAIL_SMTP_HOST=None, MAIL_SMTP_PORT=587, MAIL_SMTP_SECURITY="starttls", MAIL_SMTP_USER=None,
        MAIL_SMTP_PASSWORD=None, MAIL_SMTP_CA_FILE=None, MAIL_SMTP_TIMEOUT=30, MAIL_SENDER=None, MAIL_BASE_URL=None, MAIL_BATCH=100,
    )
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(os.environ["DATABASE_URL"])
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("PORTAL")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    fieldcrypt.init_app(app)

    _init_extensions(app)
    _register_features(app)
    return app


def _init_extensions(app: Flask) -> None:
    """The database, migrations, upload limits, CSRF and logins."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    # Views declared with uploads.limit accept bigger requests; set before CSRF reads the form.
    app.before_request(uploads.apply_limit)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .auth.services import init_login_manager

    init_login_manager(login_manager)


def _register_features(app: Flask) -> None:
    """Every feature's blueprint, then the error pages, commands, template helpers and security headers."""
    from . import cli, dataversions, errors, home, security, templating  # noqa: F401 (dataversions: its table)
    from .audit import views as audit_views
    from .auth import views as auth_views
    from .bookings import views as bookings_views
    from .calendar import views as calendar_views
    from .evaluations import views as evaluations_views
    from .experts import views as experts_views
    from .mail import init_app as init_mail
    from .mail import views as mail_views
    from .notices import views as notices_views
    from .notifications import views as notifications_views
    from .orgs import views as orgs_views
    from .partners import views as partners_views
    from .projects import views as projects_views
    from .reports import views as reports_views
    from .training import views as training_views
    from .workstations import views as workstations_views

    app.url_map.converters["int"] = security.RecordIdConverter   # before any route is added
    for module in (home, auth_views, orgs_views, workstations_views, partners_views, calendar_views,
                   projects_views, bookings_views, evaluations_views, experts_views, audit_views,
                   notifications_views, reports_views, notices_views, training_views, mail_views):
        app.register_blueprint(module.bp)
    from .api import views as api_views

    api_views.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    init_mail(app)
    templating.init_app(app)
    security.init_app(app)


def _normalise_db_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, per connection."""
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
