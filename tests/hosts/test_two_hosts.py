"""Two hosts, one PostgreSQL, haproxy in front (issue 26 item 4): a file uploaded through one host downloads
through the other, and a session keeps working while either host is stopped and started again, with no 5xx."""
import re
import threading
import time

import requests

from .conftest import PASSWORD, wait_until

PDF = b"%PDF-1.4\n" + b"two hosts " * 250_000 + b"\n%%EOF\n"      # 2.5 MB: three chunks


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=10)
    answer = session.post(f"{base}/auth/login", data={"csrf_token": _csrf(page.text), "username": "hostadmin",
                                                      "password": PASSWORD}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text[:500]
    return session


def _served_by(response) -> str:
    return response.headers["X-Test-Served-By"]


def test_upload_on_one_host_download_on_the_other_and_a_session_outlives_each_host(cluster):
    base = cluster.url
    session = _login(base)

    # A draft notice with an attachment, written through host a: only its writers may download it.
    form = session.get(f"{base}/notices/new", headers={"X-Test-Host": "a"}, timeout=10)
    assert form.status_code == 200 and _served_by(form) == "a"
    saved = session.post(f"{base}/notices/new", headers={"X-Test-Host": "a"}, timeout=60, allow_redirects=False,
                         data={"csrf_token": _csrf(form.text), "title": "两台主机的测试公告", "column": "announcement",
                               "region_id": "", "body_source": "正文", "tags": "", "publish_at": "",
                               "action": "draft"},
                         files={"files": ("两台主机.pdf", PDF, "application/pdf")})
    assert saved.status_code == 303 and _served_by(saved) == "a", saved.text[:500]
    page = session.get(base + saved.headers["Location"], headers={"X-Test-Host": "b"}, timeout=10)
    assert page.status_code == 200 and _served_by(page) == "b"
    link = re.search(r'href="(/notices/\d+/files/\d+)"', page.text).group(1)

    download = session.get(base + link, headers={"X-Test-Host": "b"}, timeout=60)
    assert download.status_code == 200 and _served_by(download) == "b"
    assert download.content == PDF
    assert "filename*=UTF-8''%E4%B8%A4%E5%8F%B0%E4%B8%BB%E6%9C%BA.pdf" in download.headers["Content-Disposition"]
    # The access check holds on every host: the draft's file is nobody else's.
    assert requests.get(base + link, headers={"X-Test-Host": "a"}, timeout=10).status_code == 404

    # The session keeps working while each host in turn is stopped and started again.
    statuses, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                response = session.get(f"{base}/notifications/", timeout=10, allow_redirects=False)
                statuses.append((response.status_code, response.headers.get("X-Test-Served-By")))
            except requests.RequestException as error:
                statuses.append((type(error).__name__, None))
            time.sleep(0.02)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        for name in ("a", "b"):
            host = cluster.hosts[name]
            host.stop()
            wait_until(lambda name=name: not cluster.up(name), 10, f"haproxy to see {name} down")
            time.sleep(1)
            host.start()
            wait_until(lambda name=name: cluster.up(name), 30, f"haproxy to see {name} up again")
            time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert len(statuses) > 20, statuses
    print(f"{len(statuses)} requests while each host was stopped and started:",
          {by: sum(1 for _, b in statuses if b == by) for by in ("a", "b")})
    assert [s for s in statuses if s[0] != 200] == []
    assert {by for _, by in statuses} == {"a", "b"}

    # Both restarted hosts still know the session and serve the file.
    for name in ("a", "b"):
        again = session.get(base + link, headers={"X-Test-Host": name}, timeout=60)
        assert again.status_code == 200 and _served_by(again) == name and again.content == PDF
