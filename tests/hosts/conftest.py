"""Several hosts on loopback: two gunicorn instances against one fresh PostgreSQL database behind haproxy.

Needs haproxy and a PostgreSQL server (DATABASE_URL's, else postgres@127.0.0.1:5432). Skipped without them,
except in CI (REQUIRE_BROWSER set, as for the browser tests), where a missing one fails the run.
"""
import os
import shutil
import socket
import subprocess  # nosec B404 - fixed programs, argument lists, no shell
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_FIELD_KEYS

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = os.environ.get("HAPROXY", shutil.which("haproxy") or "/usr/sbin/haproxy")
PASSWORD = "Hosts-test-9!qz"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/hosts" in str(item.fspath):
            item.add_marker(pytest.mark.hosts)


def _missing(reason: str):
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(reason + " (required in CI: .ci/run installs haproxy and starts PostgreSQL)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def fresh_postgres():
    """A new database on the PostgreSQL server, dropped afterwards; its SQLAlchemy URL."""
    server = make_url(os.environ.get("DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    if server.get_backend_name() != "postgresql":
        server = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"portal_hosts_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:      # noqa: BLE001 - any failure to reach the server means "no PostgreSQL"
        admin.dispose()
        _missing(f"PostgreSQL not reachable at {server.host}:{server.port} ({error.__class__.__name__})")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Host:
    """One gunicorn instance of the portal on a loopback port."""

    name: str
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--graceful-timeout", "10",
             "--bind", f"127.0.0.1:{self.port}", "portal:create_app()"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200,
                   60, f"{self.name} to answer /healthz")

    def stop(self) -> None:
        """SIGTERM: gunicorn finishes the requests in flight and exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@dataclass
class Cluster:
    url: str                     # the load balancer
    hosts: dict[str, Host]
    stats: str
    env: dict
    processes: list = field(default_factory=list)

    def up(self, name: str) -> bool:
        """Whether haproxy's health check counts host `name` as up."""
        csv = requests.get(self.stats, timeout=2).text
        for line in csv.splitlines():
            parts = line.split(",")
            if len(parts) > 17 and parts[0] == "portal" and parts[1] == name:
                return parts[17].startswith("UP")
        return False


HAPROXY_CONFIG = """
global
    maxconn 200
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A request that finds its host gone (refused, or a kept-alive connection closed by a host shutting down)
    # goes to the other host instead of becoming a 503/502.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
frontend lb
    bind 127.0.0.1:{lb}
    default_backend portal
backend portal
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    # A test pins a request to one host by this header; each response says which host served it.
    use-server a if {{ req.hdr(X-Test-Host) -m str a }}
    use-server b if {{ req.hdr(X-Test-Host) -m str b }}
    http-response set-header X-Test-Served-By %[srv_name]
    server a 127.0.0.1:{a} check inter 300ms fall 1 rise 1
    server b 127.0.0.1:{b} check inter 300ms fall 1 rise 1
frontend stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


@pytest.fixture(scope="module")
def cluster(fresh_postgres, tmp_path_factory):
    if not os.path.exists(HAPROXY):
        _missing(f"haproxy not found at {HAPROXY}: install Debian's haproxy (apt-get install haproxy)")
    work = tmp_path_factory.mktemp("hosts")
    # Every host has the same SECRET_KEY and the same field keys (README, "Several hosts, one PostgreSQL").
    env = {**os.environ, "DATABASE_URL": fresh_postgres, "SECRET_KEY": "two-hosts-" + uuid.uuid4().hex,
           "PORTAL_FIELD_KEYS": TEST_FIELD_KEYS, "PORTAL_BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
           "PORTAL_UPLOAD_FOLDER": str(work / "uploads-of-nobody"), "PYTHONPATH": str(ROOT)}
    for command in (["db", "upgrade"], ["create-admin", "hostadmin", "--role", "province", "--password", PASSWORD]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *command],  # nosec B603
                       cwd=ROOT, env=env, check=True, capture_output=True)
    ports = {"a": free_port(), "b": free_port(), "lb": free_port(), "stats": free_port()}
    config = work / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(**ports), encoding="utf-8")
    # Each host a disk of its own, as on two machines: a file kept on one host's disk is not on the other's.
    hosts = {name: Host(name, ports[name], {**env, "PORTAL_UPLOAD_FOLDER": str(work / f"uploads-of-{name}")},
                        work / f"gunicorn-{name}.log") for name in ("a", "b")}
    balancer = None
    try:
        for host in hosts.values():
            host.start()
        balancer = subprocess.Popen([HAPROXY, "-db", "-f", str(config)],  # nosec B603
                                    stdout=(work / "haproxy.log").open("wb"), stderr=subprocess.STDOUT)
        found = Cluster(f"http://127.0.0.1:{ports['lb']}", hosts, f"http://127.0.0.1:{ports['stats']}/stats;csv",
                        env)
        wait_until(lambda: found.up("a") and found.up("b"), 30, "haproxy to see both hosts up")
        yield found
    finally:
        if balancer is not None:
            balancer.terminate()
            try:
                balancer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                balancer.kill()
        for host in hosts.values():
            host.stop()
        assert not list(work.glob("uploads-of-*")), "a host wrote to an upload folder"
