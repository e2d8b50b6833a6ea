"""The production logging configuration (issue 27 item 9): gunicorn writes its access log to a file of its
own, rotated daily and kept at least 180 days (网络安全法 第二十一条) by deploy/logrotate.conf, and the log
holds no calendar feed token. The audit log is never pruned: the database refuses to delete its entries
(tests/web/test_audit_chain.py)."""
import grp
import os
import pwd
import re
import runpy
import shutil
import subprocess  # nosec B404 - runs logrotate on a copy of the shipped file
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from portal.accesslog import AccessLogger, redact

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KEPT_DAYS = 180


def _gunicorn_settings(**env) -> dict:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        values = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {k: v for k, v in values.items() if not k.startswith("_") and k not in ("os", "log_dir")}


def test_the_gunicorn_file_holds_valid_settings_and_logs_access_to_a_file():
    settings = _gunicorn_settings()
    config = Config()
    for name, value in settings.items():
        assert name in config.settings, name           # no misspelt setting silently ignored
        config.set(name, value)                        # gunicorn's own validation of each value
    assert config.accesslog == "/var/log/portal/access.log" and config.errorlog == "/var/log/portal/error.log"
    assert config.logger_class is AccessLogger
    assert "%({x-forwarded-for}i)s" in config.access_log_format
    assert _gunicorn_settings(PORTAL_LOG_DIR="/srv/logs")["accesslog"] == "/srv/logs/access.log"


def _logrotate_directives() -> dict:
    text = (DEPLOY / "logrotate.conf").read_text()
    body = text[text.index("{") + 1:text.rindex("}")]
    directives = {}
    for line in body.splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            directives.setdefault(words[0], words[1:])
    return {"paths": text[:text.index("{")].split("\n")[-1].split(), **directives}


def test_logrotate_keeps_the_gunicorn_logs_at_least_180_days():
    rotate = _logrotate_directives()
    settings = _gunicorn_settings()
    assert "daily" in rotate and int(rotate["rotate"][0]) >= KEPT_DAYS and int(rotate["maxage"][0]) >= KEPT_DAYS
    assert set(rotate["paths"]) == {settings["accesslog"], settings["errorlog"]}
    text = (DEPLOY / "logrotate.conf").read_text()
    assert f'kill -USR1 "$(cat {settings["pidfile"]})"' in text    # gunicorn reopens its files


@pytest.mark.skipif(shutil.which("logrotate") is None and not Path("/usr/sbin/logrotate").exists(),
                    reason="logrotate is not installed")
def test_logrotate_accepts_the_file_and_rotates_the_access_log(tmp_path):
    """The shipped file, with its paths moved to a temporary folder and its owner made the test's user."""
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    text = (DEPLOY / "logrotate.conf").read_text()
    text = text.replace("/var/log/portal", str(tmp_path)).replace("/run/portal", str(tmp_path))
    text = text.replace("create 0640 portal portal", f"create 0640 {user} {group}")
    config = tmp_path / "portal.conf"
    config.write_text(text)
    config.chmod(0o644)
    (tmp_path / "access.log").write_text('10.0.0.8 127.0.0.1 [02/Dec/2026:09:00:00 +0800] "GET / HTTP/1.1" 200\n')
    result = subprocess.run([logrotate, "--force", "--state", str(tmp_path / "state"), str(config)],  # nosec B603
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    rotated = [p.name for p in tmp_path.glob("access.log-*")]
    assert len(rotated) == 1 and re.fullmatch(r"access\.log-\d{8}", rotated[0]), rotated
    assert (tmp_path / "access.log").exists() and (tmp_path / "access.log").stat().st_size == 0


@pytest.mark.parametrize("line, logged", [
    ("GET /bookings/feed/Zx9-secret_T0ken.ics HTTP/1.1", "GET /bookings/feed/[token].ics HTTP/1.1"),
    ("GET /bookings/feed/abc.ics?x=1 HTTP/1.1", "GET /bookings/feed/[token].ics?x=1 HTTP/1.1"),
    ("GET /bookings/feeds HTTP/1.1", "GET /bookings/feeds HTTP/1.1"),
    ("GET /notices/feed.atom HTTP/1.1", "GET /notices/feed.atom HTTP/1.1"),
    (None, None),
])
def test_calendar_feed_tokens_are_not_logged(line, logged):
    assert redact(line) == logged


def test_the_access_logger_writes_lines_without_the_token():
    logger = AccessLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/bookings/feed/Zx9-secret.ics", "PATH_INFO":
               "/bookings/feed/Zx9-secret.ics", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": "https://x.example/bookings/feed/Zx9-secret.ics"}
    atoms = logger.atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]), SimpleNamespace(headers=[]), environ,
                         timedelta(milliseconds=5))
    assert "Zx9-secret" not in " ".join(str(v) for v in atoms.values())
