"""Load benchmark driven by wrk (issue 26): the portal under gunicorn on 127.0.0.1, each page as the role that
uses it, against two baselines served by the same workers in the same run.

    .venv/bin/python bench/wrk_load.py [--url URL] [--scale 1] [--workers 2] [--connections 20]
                                       [--seconds 15] [--pages directory,inbox,...] [--think 0]
    .venv/bin/python bench/wrk_load.py --rewrite        # only rewrite bench/RESULTS.md from bench/out/wrk-*.json

Without --url it uses bench/out/province-<scale>.sqlite and builds it with `bench/generate.py --scale <scale>`
when missing. With --url (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench_1x) the database must have
been filled by `bench/generate.py --url URL --scale <scale>`; --scale then only labels the run (the row counts
are checked against it). The full run on both databases at 1x and 4x is `bench/full_run.sh`.

What one run does:

1. migrates the schema (as a deploy does), picks the accounts from the database (agents with sections to
   come, staff of centers with waiting requests, regional admins and supervisors, the demo's province admin
   and publicity officer), and starts gunicorn (`bench.wsgi:app`, --workers sync workers) on a free port;
2. for each page, in this order — the bare template page (`/bench/bare`), the bare page again with twice the
   connections, the reference ORM list (`/bench/reference`), the portal's pages, and the bare page last —
   logs the page's users in through the real login form (GET /auth/login for the CSRF token and cookie, POST
   username, password, csrf_token, then the page the login redirects to, which shows and so clears its flash
   message) — anonymous pages get --users visitors who keep the cookie the portal sets them, as browsers do —
   requests each of its paths and users once (any answer but 2xx fails the page: a 302 to the login page is
   not throughput), runs wrk for --warmup seconds (discarded) and then for --seconds with --connections
   connections, rotating the users' session cookies (and HX-Request: true for a fragment) in
   bench/wrk/portal.lua; with --think, then a paced phase (users who think before each request);
3. records per page: req/s, latency p50/p95/p99 (wrk's own histogram), every status wrk saw (non-2xx count
   as failures), the peak resident memory of each gunicorn worker (from /proc, every 0.25 s), the CPU the
   workers, PostgreSQL's backends, wrk and the whole machine used, and responses that re-issued a cookie;
4. writes bench/out/wrk-<database>-<scale>x.json and rewrites bench/RESULTS.md from every such file: a table
   per database and scale with the ratios to both baselines and the issue's targets, met or missed by how
   much, and the growth of each page's cost from 1x to 4x where both were measured.

The generator check: the bare page is measured with --connections and with twice as many, and wrk's CPU time
is recorded, so a reader can see the server, not wrk, sets the figure. Fresh logins before each page keep each
session under the portal's once-a-minute activity write (a cookie replayed after 60 s would make every request
write), which is why --warmup + --seconds must stay under 50 s. The per-page "set cookie" count in the JSON shows
whether any answer re-issued the cookie anyway (it should be 0). Traffic goes to 127.0.0.1 only; wrk and
gunicorn stop by themselves (wrk -d) or are stopped when the script ends, also on Ctrl-C.
"""
import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
LUA = ROOT / "bench" / "wrk" / "portal.lua"
PASSWORD = "demo-pass-2026"
TICKS = os.sysconf("SC_CLK_TCK")

# Targets of issue 26 (2 workers, 2 cores, 20 connections, full scale).
TARGET_REFERENCE = 1.0      # these pages at >= 1.0x the reference list's throughput
TARGET_FRAGMENT = 0.40      # a logged-in htmx fragment at >= 40 % of the bare page
TARGET_GROWTH = 0.20        # each page's cost growing <= 20 % from 1x to 4x the data
TARGET_RSS_MB = 150         # each worker under 150 MB
REFERENCE_TARGET_PAGES = ("directory", "catalogue", "availability", "inbox", "requests", "notices", "home")
FRAGMENT_TARGET_PAGES = ("deadline",)

PAGES = ["directory", "catalogue", "availability", "inbox", "requests", "projects", "notices", "home",
         "notifications", "healthz", "deadline", "monthly"]
BASELINES = ["bare", "bare-2x", "reference", "bare-last"]


# --- HTTP with Python (logins and the check before each page; the load itself is wrk's) ----------------------

def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def session_cookie(headers, previous=""):
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return previous


def log_in(port, username):
    """The session cookie of `username` after the real login form (CSRF token and all)."""
    status, headers, body = request(port, "GET", "/auth/login")
    cookie = session_cookie(headers)
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or not match:
        raise SystemExit(f"GET /auth/login answered {status} without a CSRF token")
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": match.group(1).decode()})
    status, headers, _ = request(port, "POST", "/auth/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    if status != 303:
        raise SystemExit(f"the login of {username} answered {status} (expected 303)")
    cookie = session_cookie(headers, cookie)
    # Follow the redirect as a browser does: the page it leads to shows (and so removes from the session) the
    # login's flash message. A cookie still holding it would have every page wrk asks for show the message
    # again and re-issue the cookie.
    location = urllib.parse.urlsplit(dict((k.lower(), v) for k, v in headers)["location"])
    status, headers, _ = request(port, "GET", location.path + (f"?{location.query}" if location.query else ""),
                                 {"Cookie": cookie})
    if status != 200:
        raise SystemExit(f"after the login of {username}, {location.path} answered {status}")
    return session_cookie(headers, cookie)


def visit(port, path) -> str:
    """The cookie of an anonymous visitor to `path` who keeps what the portal sets, as a browser does ("" when
    it sets none: the baselines, /healthz). The first answer sets the CSRF token, the second Flask-Login's
    `_fresh` flag; from the third on the cookie stays as it is."""
    cookie = ""
    for _ in range(5):
        status, headers, _ = request(port, "GET", path, {"Cookie": cookie} if cookie else {})
        if not 200 <= status < 300:
            return cookie
        renewed = session_cookie(headers, cookie)
        if renewed == cookie:
            return cookie
        cookie = renewed
    return cookie


# --- the server and what it uses -----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url, workers, port):
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-benchmark-only", PYTHONPATH=str(ROOT))
    env.pop("PORTAL_SQLALCHEMY_DATABASE_URI", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--worker-class", "sync",
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT),
                                "bench.wsgi:app"], env=env)
    for _ in range(150):
        time.sleep(0.2)
        if process.poll() is not None:
            raise SystemExit(f"gunicorn ended with status {process.returncode}")
        try:
            if request(port, "GET", "/healthz")[0] == 200 and len(children(process.pid)) >= workers:
                return process
        except OSError:
            pass
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid) -> float:
    """utime + stime of a process, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


class MemorySampler(threading.Thread):
    """The peak resident size (MB) of each gunicorn worker, read from /proc every quarter second; `mark()`
    starts a new page's peaks."""

    def __init__(self, master_pid):
        super().__init__(daemon=True)
        self.master, self.stopped, self.lock = master_pid, threading.Event(), threading.Lock()
        self.page: dict[int, float] = {}
        self.run_peak: dict[int, float] = {}

    def sample(self):
        for pid in children(self.master):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                rss = int(match.group(1)) / 1024
                with self.lock:
                    self.page[pid] = max(self.page.get(pid, 0), rss)
                    self.run_peak[pid] = max(self.run_peak.get(pid, 0), rss)

    def mark(self) -> list[float]:
        """The peaks since the last mark (largest first), and start again."""
        self.sample()
        with self.lock:
            peaks, self.page = sorted(self.page.values(), reverse=True), {}
        return [round(p, 1) for p in peaks]

    def run(self):
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(0.25)


def postgres_backends(url) -> list[int]:
    """The PostgreSQL server processes serving the portal's workers (same machine), for their CPU time."""
    if not url.startswith("postgres"):
        return []
    from sqlalchemy import create_engine, text

    from portal import _normalise_db_url

    engine = create_engine(_normalise_db_url(url))
    try:
        with engine.connect() as db:
            return list(db.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


# --- the pages and their users ---------------------------------------------------------------------------------

VISITOR = "~visitor-"


def visitors(n: int) -> list[str]:
    """Anonymous visitors: each gets the cookie (if any) its first visit sets, as a browser keeps it."""
    return [f"{VISITOR}{k}" for k in range(1, n + 1)]


class Page:
    """A page of the benchmark: `pairs` are the (username or visitor, path) requests wrk rotates over."""

    def __init__(self, key, label, role, pairs, htmx=False, connections=None):
        self.key, self.label, self.role, self.pairs = key, label, role, pairs
        self.htmx, self.connections = htmx, connections

    @property
    def users(self) -> list[str]:
        return list(dict.fromkeys(user for user, _ in self.pairs))

    @property
    def accounts(self) -> list[str]:
        return [user for user in self.users if not user.startswith(VISITOR)]

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(path for _, path in self.pairs))

    def entries(self, cookies) -> list[tuple[str, dict]]:
        headers = {"HX-Request": "true"} if self.htmx else {}
        return [(path, {**headers, **({"Cookie": cookies[user]} if cookies[user] else {})})
                for user, path in self.pairs]


def every(users, paths) -> list[tuple]:
    """Each user with each path; consecutive requests go to different users (users vary fastest)."""
    return [(users[i % len(users)], paths[i // len(users)]) for i in range(len(users) * len(paths))]


def plan(url, users: int, connections: int) -> tuple[list[Page], dict]:
    """Every page of the benchmark with its users and paths, from what the database holds."""
    from sqlalchemy import create_engine, text

    from portal import _normalise_db_url
    from portal.templating import china_today

    engine = create_engine(_normalise_db_url(url))
    today = china_today()
    with engine.connect() as db:
        agents = db.execute(text(
            "SELECT u.username, min(s.id), min(s.evaluation_date) FROM sections s JOIN projects p ON p.id = s.project_id "
            "JOIN users u ON u.id = p.owner_id WHERE s.evaluation_date > :today AND s.remote_level = 'must' "
            "AND u.username LIKE 'agent0%' GROUP BY u.username ORDER BY u.username LIMIT :n"),
            {"today": today, "n": users}).all()
        staff = list(db.scalars(text(
            "SELECT u.username FROM users u JOIN seat_requests r ON r.guest_center_id = u.center_id "
            "WHERE u.username LIKE 'staff%-1' AND r.status = 'submitted' GROUP BY u.username ORDER BY u.username "
            "LIMIT :n"), {"n": users}))
        admins = list(db.scalars(text("SELECT username FROM users WHERE username LIKE 'admin-%' "
                                      "OR username LIKE 'supervisor-%' ORDER BY username")))
        sizes = {table: db.scalar(text(f"SELECT count(*) FROM {table}")) for table in (
            "trading_centers", "workstations", "experts", "projects", "sections", "seat_requests", "bookings",
            "notices", "users")}
    engine.dispose()
    if len(agents) < users or len(staff) < users or not admins:
        raise SystemExit(f"the database holds {len(agents)} agents with sections to come and {len(staff)} centers "
                         f"with waiting requests (need {users} each): fill it with bench/generate.py (recently: "
                         "the sections to come are the 45 days after the day it ran)")
    agent_names = [a[0] for a in agents]
    quarter = max(1, users // 4)
    mixed = agent_names[:quarter] + staff[:quarter] + admins[:quarter]
    mixed += ["province", "publicity"] * ((users - len(mixed)) // 2 + 1)
    mixed = mixed[:users]
    last_month = date(today.year, today.month, 1) - timedelta(days=1)
    reporters = (["province"] * (users // 2) + admins)[:users]
    anonymous = visitors(users)
    bare = every(anonymous, ["/bench/bare"])
    pages = [
        Page("bare", "bare Flask template page", "anonymous", bare),
        Page("bare-2x", f"bare page, {2 * connections} connections (generator check)", "anonymous", bare,
             connections=2 * connections),
        Page("reference", "reference: 50-row ORM list, selectinload, url_for per row", "anonymous",
             every(anonymous, [f"/bench/reference?page={n}" for n in range(1, 5)])),
        Page("directory", "workstation directory /workstations/", "every role", every(mixed, [
            "/workstations/", "/workstations/?page=2", "/workstations/?status=available&sort=center"])),
        Page("catalogue", "expert catalogue /experts/", "every role",
             every(mixed, ["/experts/", "/experts/?scope=cross_province"])),
        # Each agent asks about a section of their own, as the request form does.
        Page("availability", "seat availability search /bookings/availability", "agent",
             [(a, f"/bookings/availability?section={s}&evaluation_date={d}&seats=2") for a, s, d in agents]),
        Page("inbox", "guest inbox /bookings/inbox", "center staff", every(staff, ["/bookings/inbox"])),
        Page("requests", "request list /bookings/", "agent", every(agent_names, ["/bookings/"])),
        Page("projects", "sections /projects/", "agent", every(agent_names, ["/projects/"])),
        Page("notices", "notices /notices/", "anonymous", every(anonymous, ["/notices/", "/notices/?page=2"])),
        Page("home", "home page /", "every role", every(mixed, ["/"])),
        Page("notifications", "notifications /notifications/", "every role", every(mixed, ["/notifications/"])),
        Page("healthz", "health check /healthz", "anonymous", every(anonymous, ["/healthz"])),
        Page("deadline", "deadline fragment /bookings/deadline (htmx)", "agent", every(
            agent_names, [f"/bookings/deadline?date={today + timedelta(days=k)}" for k in range(3, 40, 3)]),
             htmx=True),
        Page("monthly", f"monthly table /reports/monthly/{last_month:%Y-%m}", "province and regional admins",
             every(reporters, [f"/reports/monthly/{last_month:%Y-%m}"])),
        Page("bare-last", "bare page again, last (drift)", "anonymous", bare),
    ]
    return pages, sizes


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_plan(path: Path, entries):
    lines = ["return {"]
    for p, headers in entries:
        h = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
        lines.append(f"  {{path = {lua_string(p)}, headers = {{{h}}}}},")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def check(port, entries) -> list[str]:
    """Each distinct path once and each distinct cookie once: every answer must be 2xx."""
    seen_paths, seen_cookies, problems = set(), set(), []
    for p, headers in entries:
        cookie = headers.get("Cookie")
        if p in seen_paths and cookie in seen_cookies:
            continue
        seen_paths.add(p)
        seen_cookies.add(cookie)
        status, answer, _ = request(port, "GET", p, headers)
        if not 200 <= status < 300:
            location = dict((k.lower(), v) for k, v in answer).get("location", "")
            problems.append(f"{p} answered {status}{' -> ' + location if location else ''}")
    return problems


def run_wrk(port, plan_file, seconds, connections, threads, sampler=None, backends=()) -> dict:
    """One wrk run; the result of bench/wrk/portal.lua's done() plus the CPU every party used."""
    threads = min(threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
               f"http://127.0.0.1:{port}", "--", str(plan_file), str(threads)]
    workers = children(sampler.master) if sampler else []
    before = {pid: cpu_seconds(pid) for pid in list(workers) + list(backends)}
    busy0, total0 = machine_ticks()
    t0 = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(seconds + 60, process.kill)   # wrk stops itself after -d; this is the safety net
    timer.start()
    try:
        stdout, stderr = process.stdout.read(), process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - t0
    busy1, total1 = machine_ticks()
    match = re.search(r"^WRK_RESULT (.*)$", stdout, re.M)
    if process.returncode != 0 or not match:
        raise SystemExit(f"wrk failed ({process.returncode}): {stderr.strip() or stdout.strip()}")
    result = json.loads(re.sub(r"-?nan|-?inf", "null", match.group(1)))
    cores = os.cpu_count() or 1
    result["elapsed_s"] = elapsed
    result["wrk_cpu_s"] = usage.ru_utime + usage.ru_stime
    result["machine_busy_share"] = (busy1 - busy0) / max(1, total1 - total0)
    result["wrk_cpu_share"] = result["wrk_cpu_s"] / (elapsed * cores)
    result["workers_cpu_s"] = sum(cpu_seconds(pid) - before[pid] for pid in workers)
    result["database_cpu_s"] = sum(cpu_seconds(pid) - before[pid] for pid in backends)
    result["threads"], result["connections"], result["seconds"] = threads, connections, seconds
    return result


def percentile(ordered, p):
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def paced_phase(port, entries, seconds, users, think_ms) -> dict:
    """`users` Python clients that each think 0.5-1.5x `think_ms` before every request, on a new connection
    each time as a browser clicking a link would (gunicorn's sync workers close every connection): the latency
    a person sees with that many others active. The load is light (about users / think requests a second),
    so a Python client suffices; its own overhead, about a millisecond, is in the figures."""
    deadline = time.perf_counter() + seconds
    latencies, failures, lock = [], [0], threading.Lock()

    def user(n):
        rng = random.Random(n)
        time.sleep(rng.uniform(0, think_ms / 1000))        # arrivals spread over the first think time
        k = n
        while time.perf_counter() < deadline:
            path, headers = entries[k % len(entries)]
            k += users
            t0 = time.perf_counter()
            try:
                status = request(port, "GET", path, headers)[0]
            except OSError:
                status = 0
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                failures[0] += not 200 <= status < 300
            time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)

    clients = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    ordered = sorted(latencies) or [0.0]
    return {"requests": len(latencies), "non_2xx": failures[0], "p50": percentile(ordered, 50),
            "p95": percentile(ordered, 95), "p99": percentile(ordered, 99), "max": ordered[-1]}


def measure(page: Page, port, args, sampler, url, work: Path) -> dict:
    connections = page.connections or args.connections
    t0 = time.perf_counter()
    cookies = {user: log_in(port, user) for user in page.accounts}
    cookies.update({user: visit(port, page.paths[0]) for user in page.users if user.startswith(VISITOR)})
    entries = page.entries(cookies)
    plan_file = work / f"plan-{page.key}.lua"
    write_plan(plan_file, entries)
    problems = check(port, entries)
    if args.warmup:
        run_wrk(port, plan_file, args.warmup, connections, args.threads)
    backends = postgres_backends(url)     # after the warm-up: every worker has its connection by now
    sampler.mark()
    result = run_wrk(port, plan_file, args.seconds, connections, args.threads, sampler, backends)
    rss = sampler.mark()
    paced = None
    if args.think:
        paced = paced_phase(port, entries, args.seconds, connections, args.think)
    session_age = time.perf_counter() - t0
    statuses = {int(k): v for k, v in result["statuses"].items()}
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    non_2xx = sum(statuses.values()) - ok
    if paced:
        non_2xx += paced["non_2xx"]
    failure = "; ".join(problems[:3])
    if not ok:
        failure = (failure + "; " if failure else "") + f"no request answered 2xx in {args.seconds} s"
    if non_2xx:
        failure = (failure + "; " if failure else "") + f"{non_2xx} non-2xx answers under load, e.g. {result['example']}"
    if socket_errors:
        failure = (failure + "; " if failure else "") + f"{socket_errors} socket errors/timeouts {result['errors']}"
    requests = max(1, result["requests"])
    latency = {k: (v / 1000 if v is not None else None) for k, v in result["latency_us"].items()}
    return {
        "key": page.key, "label": page.label, "role": page.role, "users": len(page.users),
        "cookies": sum(1 for c in cookies.values() if c),
        "paths": page.paths, "htmx": page.htmx, "connections": connections, "threads": result["threads"],
        "requests": result["requests"], "ok": ok, "rps": ok / (result["duration_us"] / 1e6),
        "latency_ms": latency, "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "non_2xx": non_2xx, "socket_errors": result["errors"], "set_cookie": result["set_cookie"],
        "bytes_per_response": result["bytes"] / requests, "rss_mb": rss,
        "workers_cpu_ms_per_request": result["workers_cpu_s"] * 1000 / requests,
        "database_cpu_ms_per_request": result["database_cpu_s"] * 1000 / requests if backends else None,
        "workers_cpu_share": result["workers_cpu_s"] / (result["elapsed_s"] * (os.cpu_count() or 1)),
        "database_cpu_share": result["database_cpu_s"] / (result["elapsed_s"] * (os.cpu_count() or 1)),
        "wrk_cpu_share": result["wrk_cpu_share"], "wrk_cpu_s": result["wrk_cpu_s"], "elapsed_s": result["elapsed_s"],
        "wrk_thread_busy": result["wrk_cpu_s"] / (result["elapsed_s"] * result["threads"]),
        "machine_busy_share": result["machine_busy_share"], "session_age_s": session_age,
        "paced_latency_ms": paced,
        "failed": bool(failure), "failure": failure or None,
    }


# --- the run ----------------------------------------------------------------------------------------------------

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n", 1)[0].split(" Copyright")[0]
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Linux {platform.release()}, "
            f"Python {platform.python_version()}, {wrk.strip()}")


def git(*command) -> str:
    return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def redacted(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def expected_workstations(scale: float) -> int:
    from bench.generate import scaled

    return scaled(scale)["workstations"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="the database (default: bench/out/province-<scale>.sqlite)")
    parser.add_argument("--scale", type=float, default=1.0, help="the generator's scale of that database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each page's measurement")
    parser.add_argument("--users", type=int, default=20, help="accounts per page (one session each)")
    parser.add_argument("--pages", default="", help=f"a subset of {','.join(PAGES)} (the baselines always run)")
    parser.add_argument("--think", type=int, default=0,
                        help="also a paced phase per page: --connections users who each wait 0.5-1.5x this many "
                             "ms before every request (the latency a person sees with that many others active)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes (default bench/out)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="the Markdown rewritten from every JSON in --out (default bench/RESULTS.md)")
    parser.add_argument("--rewrite", action="store_true", help="only rewrite --results from --out")
    args = parser.parse_args()
    if args.rewrite:
        write_results(args.out, args.results)
        print(f"written {args.results}")
        return
    if args.warmup + args.seconds * (2 if args.think else 1) > 50:
        parser.error("--warmup + --seconds (twice with --think) must stay under 50 s: the portal writes a "
                     "session's activity once a minute, so a cookie replayed for longer would make every request "
                     "a write")
    chosen = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(chosen) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages {', '.join(sorted(unknown))}; choose from {', '.join(PAGES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    url = args.url
    if not url:
        path = OUT / f"province-{args.scale:g}.sqlite"
        if not path.exists():
            print(f"building {path.relative_to(ROOT)} (bench/generate.py --scale {args.scale:g})", flush=True)
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--scale", f"{args.scale:g}"],
                           check=True)
        url = f"sqlite:///{path}"
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    from bench.common import bench_app

    bench_app(url)          # the schema at the newest migration, as a deploy leaves it
    pages, sizes = plan(url, args.users, args.connections)
    pages = [p for p in pages if p.key in BASELINES or not chosen or p.key in chosen]
    wanted = expected_workstations(args.scale)
    if abs(sizes["workstations"] - wanted) > 0.05 * wanted:
        print(f"WARNING: {sizes['workstations']:,} workstations, but --scale {args.scale:g} of the generator makes "
              f"{wanted:,}: is --scale right for this database?", flush=True)

    work = args.out / "wrk"
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # run the finally below: stop gunicorn
    server = start_gunicorn(url, args.workers, port)
    sampler = MemorySampler(server.pid)
    sampler.start()
    results = []
    try:
        print(f"{database} at {args.scale:g}x, gunicorn {args.workers} workers on 127.0.0.1:{port}, wrk "
              f"-t{args.threads} -c{args.connections}, {args.warmup}+{args.seconds} s per page", flush=True)
        for page in pages:
            result = measure(page, port, args, sampler, url, work)
            results.append(result)
            lat = result["latency_ms"]
            print(f"{page.label[:58]:58} {result['rps']:8.1f} req/s  p50 {lat['p50']:7.1f}  p95 {lat['p95']:7.1f}  "
                  f"p99 {lat['p99']:7.1f} ms  RSS {max(result['rss_mb'] or [0]):5.0f} MB  wrk CPU "
                  f"{result['wrk_cpu_share']:4.0%}  workers {result['workers_cpu_share']:4.0%}  machine "
                  f"{result['machine_busy_share']:4.0%}" + (f"  FAILED: {result['failure']}" if result["failed"] else ""),
                  flush=True)
    finally:
        sampler.stopped.set()
        stop(server)
    run = {
        "database": database, "scale": args.scale, "url": redacted(url), "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine(), "commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain")),
        "workers": args.workers, "connections": args.connections, "threads": args.threads, "seconds": args.seconds,
        "warmup": args.warmup, "users": args.users, "think_ms": args.think, "sizes": sizes,
        "wall_s": round(time.perf_counter() - started, 1),
        "rss_peak_mb": sorted((round(v, 1) for v in sampler.run_peak.values()), reverse=True),
        "pages": results,
    }
    name = args.out / f"wrk-{database.lower()}-{args.scale:g}x.json"
    name.write_text(json.dumps(run, ensure_ascii=False, indent=1))
    if args.results:
        write_results(args.out, args.results)
    failed = [p["key"] for p in results if p["failed"]]
    print(f"{run['wall_s']:.0f} s; written {name}" + (f" and {args.results}" if args.results else ""))
    if failed:
        print(f"FAILED pages (their figures are not throughput): {', '.join(failed)}")
        sys.exit(1)


# --- the report ----------------------------------------------------------------------------------------------------

def baselines(run) -> tuple[float, float, float]:
    """(bare, reference, bare-2x) req/s of a run; bare is the mean of its first and last measurement."""
    by = {p["key"]: p for p in run["pages"]}
    first, last = by["bare"]["rps"], by.get("bare-last", by["bare"])["rps"]
    return (first + last) / 2, by["reference"]["rps"], by["bare-2x"]["rps"]


def ratio(a, b) -> float:
    return a / b if b else 0.0


def verdict(value, target, higher=True, unit="x") -> str:
    met = value >= target if higher else value <= target
    if met:
        return "met"
    if unit == "x":
        return f"missed: needs {target / value:.1f}x the throughput" if value else "missed"
    return f"missed by {abs(value - target) * 100:.0f} points"


def write_results(out: Path, results: Path):
    runs = [json.loads(p.read_text()) for p in sorted(out.glob("wrk-*.json"))]
    runs.sort(key=lambda r: (r["database"] != "SQLite", r["scale"]))
    lines = [
        "# Load benchmark results", "",
        "Written by `bench/wrk_load.py` (issue 26) from `bench/out/wrk-*.json`; commands in the README, "
        "\"Benchmarks\". Each run: gunicorn with sync workers on 127.0.0.1 over a database filled by "
        "`bench/generate.py` at the scale shown (1x: 60 centers, 5,000 workstations, 100,000 experts, 50,000 "
        "sections, 200,000 bookings, 2,000 notices; 4x: `--scale 4`, four times each, centers included), driven "
        "by `wrk` with `bench/wrk/portal.lua`: every page as the role that uses it, its users logged in through "
        "the login form, their session cookies rotated (and `HX-Request: true` for the fragment). "
        "Baselines, served by the same workers in the same run (`bench/reference.py`): a bare Flask template page "
        "(no database, no session), measured first and last (the ratios use the mean), and the reference "
        "list: 50 workstations with venue and center by `selectinload`, a `url_for` per row, a compiled Jinja "
        "template. A page that answered anything but 2xx (a 302 to the login page, a 4xx) is marked FAILED and "
        "its figure is not throughput.", "",
        f"Targets (issue 26): the directory, catalogue, availability search, guest inbox, request list, notices "
        f"and home page at >= {TARGET_REFERENCE:.1f}x the reference list; a logged-in htmx fragment at >= "
        f"{TARGET_FRAGMENT:.0%} of the bare page; each page's cost growing <= {TARGET_GROWTH:.0%} from 1x to 4x; "
        f"each worker under {TARGET_RSS_MB} MB. Cost growth is judged on the page's share of the bare page "
        "(bare req/s / page req/s at 4x over the same at 1x, minus 1), which cancels a machine that is faster "
        "or slower on one day than the other; the raw req/s are shown beside it.", ""]
    if not runs:
        lines.append("No run yet.")
    by_database = {}
    for run in runs:
        by_database.setdefault(run["database"], []).append(run)
        bare, reference, bare2 = baselines(run)
        by = {p["key"]: p for p in run["pages"]}
        busy = [p["machine_busy_share"] for p in run["pages"]]
        others = [max(0.0, p["machine_busy_share"] - p["wrk_cpu_share"] - p["workers_cpu_share"]
                      - p.get("database_cpu_share", 0)) for p in run["pages"]]
        check = by["bare"]
        change = ratio(bare2, check["rps"]) - 1
        if abs(change) <= 0.10:
            saturated = "more connections do not raise the figure: the server, not wrk, sets it"
        elif check["wrk_thread_busy"] < 0.5:
            saturated = ("the figure moved by more than 10 % although wrk's threads were mostly idle: a noisy "
                         "machine, measure again")
        else:
            saturated = "more connections changed the figure by more than 10 % and wrk was busy: it may limit it"
        targets = [p for p in run["pages"] if p["key"] in REFERENCE_TARGET_PAGES + FRAGMENT_TARGET_PAGES]
        met = sum(1 for p in targets if not p["failed"] and (
            ratio(p["rps"], reference) >= TARGET_REFERENCE if p["key"] in REFERENCE_TARGET_PAGES
            else ratio(p["rps"], bare) >= TARGET_FRAGMENT))
        failed = [p["key"] for p in run["pages"] if p["failed"]]
        lines += [f"## {run['database']}, {run['scale']:g}x — {run['date']}", ""]
        if max(others) > 0.10:
            lines += [f"**Busy machine: other processes used up to {max(others):.0%} of the CPU during this run. "
                      "These figures are a smoke test, not results.**", ""]
        lines += [
            f"- machine: {run['machine']}",
            f"- server: gunicorn, {run['workers']} sync workers; wrk -t{run['threads']} -c{run['connections']}, "
            f"{run['warmup']} s warm-up + {run['seconds']} s per page, {run['users']} accounts per logged-in page; "
            f"commit {run['commit']}{' (uncommitted changes)' if run['dirty'] else ''}; whole run {run['wall_s']:.0f} s",
            "- rows: " + ", ".join(f"{k} {v:,}" for k, v in run["sizes"].items()),
            f"- generator check: bare page {check['rps']:,.0f} req/s with {check['connections']} connections, "
            f"{bare2:,.0f} with {by['bare-2x']['connections']} ({change:+.0%}); during the first, wrk used "
            f"{check['wrk_cpu_share']:.0%} of the machine's CPU (each of its {check['threads']} threads busy "
            f"{check['wrk_thread_busy']:.0%} of the time) and the workers {check['workers_cpu_share']:.0%}: "
            f"{saturated}",
            f"- bare page first {check['rps']:,.0f}, last {by.get('bare-last', check)['rps']:,.0f} req/s; machine busy "
            f"{min(busy):.0%}–{max(busy):.0%} during the pages, of which other processes {min(others):.0%}–"
            f"{max(others):.0%}",
            f"- targets: {met} of {len(targets)} pages met theirs"
            + (f"; FAILED (non-2xx or no answer, not counted): {', '.join(failed)}" if failed else ""),
            f"- worker memory, peak over the run: {', '.join(f'{m:.0f}' for m in run['rss_peak_mb'])} MB — "
            + (f"met (< {TARGET_RSS_MB} MB)" if max(run["rss_peak_mb"] or [0]) < TARGET_RSS_MB
               else f"missed by {max(run['rss_peak_mb']) - TARGET_RSS_MB:.0f} MB"), "",
            "| page | as | requests | req/s | × bare | × reference | p50 ms | p95 ms | p99 ms | KB | worker CPU "
            "ms/req | peak RSS MB | non-2xx | target |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for p in run["pages"]:
            lat = p["latency_ms"]
            cpu = f"{p['workers_cpu_ms_per_request']:.1f}"
            if p.get("database_cpu_ms_per_request") is not None:
                cpu += f" (+{p['database_cpu_ms_per_request']:.1f} db)"
            if p["failed"]:
                target = f"**FAILED**: {p['failure']}"
                rps = f"~~{p['rps']:,.0f}~~"
            else:
                rps = f"{p['rps']:,.0f}"
                if p["key"] in REFERENCE_TARGET_PAGES:
                    target = f"≥ {TARGET_REFERENCE:.1f}× reference: " + verdict(ratio(p["rps"], reference),
                                                                                  TARGET_REFERENCE)
                elif p["key"] in FRAGMENT_TARGET_PAGES:
                    target = f"≥ {TARGET_FRAGMENT:.0%} of bare: " + verdict(ratio(p["rps"], bare), TARGET_FRAGMENT,
                                                                          unit="pt")
                else:
                    target = ""
            lines.append(
                f"| {p['label']} | {p['role']} | {p['requests']:,} | {rps} | {ratio(p['rps'], bare):.0%} | "
                f"{ratio(p['rps'], reference):.2f} | "
                f"{lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | {p['bytes_per_response'] / 1024:.1f} | "
                f"{cpu} | {max(p['rss_mb'] or [0]):.0f} | {p['non_2xx']} | {target} |")
        paced = [p for p in run["pages"] if p.get("paced_latency_ms")]
        if paced:
            lines += ["", f"Paced (--think {run['think_ms']}): {run['connections']} users, each waiting 0.5–1.5 × "
                          f"{run['think_ms']} ms before every request on a new connection (the latency a person "
                          "sees with the others active; Python client, about 1 ms of its own in each figure):", "",
                      "| page | requests | p50 ms | p95 ms | p99 ms |", "| --- | ---: | ---: | ---: | ---: |"]
            lines += [f"| {p['label']} | {p['paced_latency_ms']['requests']} | {p['paced_latency_ms']['p50']:.1f} | "
                      f"{p['paced_latency_ms']['p95']:.1f} | {p['paced_latency_ms']['p99']:.1f} |" for p in paced]
        lines.append("")
    pairs = [(small, large) for measured in by_database.values() for small in measured for large in measured
             if large["scale"] == 4 * small["scale"]]
    for small, large in pairs:
        database, s1, s4 = small["database"], f"{small['scale']:g}x", f"{large['scale']:g}x"
        bare1, bare4 = baselines(small)[0], baselines(large)[0]
        pages4 = {p["key"]: p for p in large["pages"]}
        lines += [f"## {database}: cost from {s1} to {s4}", "",
                  f"{s1} measured {small['date']}, {s4} {large['date']}; bare page {bare1:,.0f} and {bare4:,.0f} req/s.",
                  "", f"| page | req/s {s1} | req/s {s4} | raw change | cost growth (share of bare) | worker CPU "
                  f"ms/req {s1} → {s4} | target ≤ {TARGET_GROWTH:.0%} |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for p in small["pages"]:
            q = pages4.get(p["key"])
            if p["key"].startswith("bare") or q is None:
                continue
            if p["failed"] or q["failed"]:
                lines.append(f"| {p['label']} | {p['rps']:,.0f} | {q['rps']:,.0f} | | | | **FAILED** at "
                             f"{s1 if p['failed'] else s4} |")
                continue
            growth = ratio(bare4, q["rps"]) / ratio(bare1, p["rps"]) - 1
            target = ("(baseline)" if p["key"] == "reference"
                      else verdict(growth, TARGET_GROWTH, higher=False, unit="pt"))
            lines.append(f"| {p['label']} | {p['rps']:,.0f} | {q['rps']:,.0f} | {q['rps'] / p['rps'] - 1:+.0%} | "
                         f"{growth:+.0%} | {p['workers_cpu_ms_per_request']:.1f} → "
                         f"{q['workers_cpu_ms_per_request']:.1f} | {target} |")
        lines.append("")
    # Why a target is missed is a person's reading of the figures: bench/RESULTS-why.md, kept beside the script
    # and appended as it is (it names the run it reads).
    why = ROOT / "bench" / "RESULTS-why.md"
    if why.exists():
        lines += ["", why.read_text().strip(), ""]
    results.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
