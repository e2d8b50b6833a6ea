"""What every benchmark shares: the app on a throw-away database, logged-in clients, timing a page."""
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def bench_app(url: str):
    """The portal on `url` with the schema migrated; fast password hashing, no CSRF (test clients post)."""
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "ARGON2_MEMORY_COST": 8,
                      "ARGON2_TIME_COST": 1, "TESTING": True})
    with app.app_context():
        upgrade()
    return app


def logged_in(app, username: str, password: str = "demo-pass-2026"):
    client = app.test_client()
    assert client.post("/auth/login", data={"username": username, "password": password}).status_code == 303
    return client


def timed(client, path, runs, before=None):
    """(median, max) in ms of `runs` requests after one warm-up; `before` runs untimed before each."""
    response = client.get(path)   # warm up
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, path
    return statistics.median(times), max(times)
