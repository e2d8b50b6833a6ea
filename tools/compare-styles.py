"""Compare two builds of the stylesheet in a modern Chromium, page by page (run by hand; not part of CI).

For each page it loads the portal twice, once with each stylesheet served in place of the one base.html links
(Playwright answers that request from a local file), and compares the computed style of every element (and
of ::before/::after/::marker, and ::placeholder of fields), after load and with the page's first text field
focused, and a full-page screenshot pixel by pixel. A difference names the element and the properties.

    cd /work/wt-css && /work/main/.venv/bin/python tools/compare-styles.py \
        --url http://127.0.0.1:5055 --old tools/node_modules/@picocss/pico/css/pico.min.css \
        --new static/vendor/pico/pico-2.1.1-chromium86.min.css \
        --old-app <(git show main:static/app.css) --out /tmp/css-compare

The portal must be running with the demo data (flask --app portal seed-demo). Exit 1 when anything differs.
"""
import argparse
import base64
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "demo-pass-2026"

# (role or None for anonymous, path). The seat-request form is found from the agent's first section.
PAGES = [
    (None, "/auth/login"),
    (None, "/notices/"),
    (None, "/training/"),
    ("province", "/"),
    ("province", "/workstations/"),
    ("province", "/workstations/?region=2"),
    ("province", "/workstations/compliance"),
    ("province", "/workstations/new"),
    ("province", "/experts/"),
    ("province", "/orgs/"),
    ("province", "/partners/"),
    ("province", "/calendar/"),
    ("province", "/reports/monthly/"),
    ("province", "/audit/"),
    ("province", "/auth/users/"),
    ("province", "/auth/users/new"),
    ("province", "/auth/password"),
    ("province", "/notifications/"),
    ("agent", "/"),
    ("agent", "/projects/"),
    ("agent", "/projects/new"),
    ("agent", "/bookings/"),
    ("agent", "SEAT_REQUEST_FORM"),
    ("agent", "/bookings/1"),
    ("changchun", "REGION_REPORT_FORM"),
    ("changchun", "/experts/records"),
    ("changchun", "/training/record"),
    ("agent", "/evaluations/deadlines"),
    ("staff-jilin", "/"),
    ("staff-jilin", "/bookings/inbox"),
    ("staff-jilin", "/bookings/calendar"),
    ("staff-jilin", "/evaluations/"),
    ("publicity", "/notices/new"),
    ("publicity", "/training/new"),
]

COLLECT = r"""
() => {
  const out = [];
  const all = Array.from(document.querySelectorAll('*'));
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { part += '#' + e.id; parts.unshift(part); break; }
      if (e.className && typeof e.className === 'string' && e.className.trim()) part += '.' + e.className.trim().split(/\s+/).join('.');
      const sib = e.parentElement ? Array.from(e.parentElement.children).filter(c => c.tagName === e.tagName) : [];
      if (sib.length > 1) part += ':nth-of-type(' + (sib.indexOf(e) + 1) + ')';
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  // Custom properties are left out: they matter only through the properties that use them, compared here.
  const dump = (cs) => { const a = []; for (let i = 0; i < cs.length; i++) { const p = cs[i]; if (!p.startsWith('--')) a.push(p + ':' + cs.getPropertyValue(p)); } return a.sort().join('\n'); };
  for (const el of all) {
    out.push([path(el), dump(getComputedStyle(el))]);
    for (const pseudo of ['::before', '::after', '::marker']) {
      const cs = getComputedStyle(el, pseudo);
      if (pseudo !== '::marker' && cs.content === 'none') continue;
      if (pseudo === '::marker' && getComputedStyle(el).display !== 'list-item') continue;
      out.push([path(el) + pseudo, dump(cs)]);
    }
    if (el.matches('input, textarea')) out.push([path(el) + '::placeholder', dump(getComputedStyle(el, '::placeholder'))]);
  }
  return out;
}
"""

PIXELS = r"""
async ([a, b]) => {
  const load = (src) => new Promise((ok) => { const i = new Image(); i.onload = () => ok(i); i.src = src; });
  const [ia, ib] = [await load(a), await load(b)];
  if (ia.width !== ib.width || ia.height !== ib.height) return {size: [ia.width, ia.height, ib.width, ib.height], differ: -1};
  const data = (img) => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const x = c.getContext('2d'); x.drawImage(img, 0, 0); return x.getImageData(0, 0, img.width, img.height).data; };
  const [da, db] = [data(ia), data(ib)];
  let differ = 0;
  for (let i = 0; i < da.length; i += 4) if (da[i] !== db[i] || da[i+1] !== db[i+1] || da[i+2] !== db[i+2]) differ++;
  return {size: [ia.width, ia.height], differ};
}
"""

# Values that change between two loads of the same page whatever the stylesheet (none known yet).
VOLATILE = re.compile(r"^$")


def login(context, base, role):
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.close()


def seat_request_form(context, base):
    page = context.new_page()
    page.goto(f"{base}/projects/")
    for href in page.eval_on_selector_all("a[href*='/projects/']", "els => els.map(e => e.getAttribute('href'))"):
        page.goto(base + href)
        link = page.query_selector("a[href*='/bookings/new']")
        if link:
            found = link.get_attribute("href")
            page.close()
            return found
    page.close()
    raise SystemExit("no seat-request form reachable for agent")


def region_report_form(context, base):
    page = context.new_page()
    page.goto(f"{base}/reports/monthly/")  # a region's account is sent on to its month's form
    hrefs = [urlsplit(page.url).path]
    hrefs += page.eval_on_selector_all("a[href^='/reports/monthly/']", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    return next(h for h in hrefs if re.fullmatch(r"/reports/monthly/\d{4}-\d{2}", h))


def styles(page, focus):
    if focus:
        field = page.query_selector("main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, main textarea")
        if not field:
            return None
        field.focus()
        page.wait_for_timeout(400)  # Pico's transitions (0.2 s) settle
    return page.evaluate(COLLECT)


def diff(old, new):
    problems = []
    if [p for p, _ in old] != [p for p, _ in new]:
        return [f"element lists differ ({len(old)} vs {len(new)} entries)"]
    for (path, a), (_, b) in zip(old, new):
        if a == b:
            continue
        da = dict(line.split(":", 1) for line in a.split("\n"))
        db = dict(line.split(":", 1) for line in b.split("\n"))
        props = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
        problems.append(f"{path}: " + "; ".join(f"{k}: {da.get(k)!r} -> {db.get(k)!r}" for k in props))
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:5055")
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--old-app", help="app.css for the old side (default: the one the portal serves)")
    parser.add_argument("--new-app", help="app.css for the new side (default: the one the portal serves)")
    parser.add_argument("--out", default="/tmp/css-compare")
    parser.add_argument("--only", help="compare only paths containing one of these substrings (comma-separated)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sheets = {"old": Path(args.old).read_bytes(), "new": Path(args.new).read_bytes()}
    apps = {"old": args.old_app and Path(args.old_app).read_bytes(), "new": args.new_app and Path(args.new_app).read_bytes()}
    failures = 0
    report = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        contexts = {}
        for role in dict.fromkeys(role for role, _ in PAGES):
            pair = {}
            for variant in ("old", "new"):
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                body = sheets[variant]
                context.route(re.compile(r".*/static/vendor/pico/[^/]*\.css(\?.*)?$"),
                              lambda route, request=None, body=body: route.fulfill(status=200, content_type="text/css", body=body))
                if apps[variant]:
                    context.route(re.compile(r".*/static/app\.css(\?.*)?$"),
                                  lambda route, request=None, body=apps[variant]: route.fulfill(
                                      status=200, content_type="text/css", body=body))
                if role:
                    login(context, args.url, role)
                pair[variant] = context
            contexts[role] = pair
        blank = browser.new_page()
        for role, path in PAGES:
            if path == "SEAT_REQUEST_FORM":
                path = seat_request_form(contexts[role]["old"], args.url)
            if path == "REGION_REPORT_FORM":
                path = region_report_form(contexts[role]["old"], args.url)
            if args.only and not any(part in path for part in args.only.split(",")):
                continue
            name = f"{role or 'anonymous'}{path}".replace("/", "_").replace("?", "_").replace("=", "-").replace("&", "_")
            results = {}
            for variant in ("old", "new"):
                page = contexts[role][variant].new_page()
                page.goto(args.url + path)
                page.wait_for_load_state("networkidle")
                shot = page.screenshot(full_page=True)
                (out / f"{name}.{variant}.png").write_bytes(shot)
                results[variant] = (shot, styles(page, False), styles(page, True))
                page.close()
            pixels = blank.evaluate(PIXELS, ["data:image/png;base64," + base64.b64encode(r[0]).decode() for r in
                                             (results["old"], results["new"])])
            problems = diff(results["old"][1], results["new"][1])
            if results["old"][2] is not None:
                problems += [f"(first field focused) {p}" for p in diff(results["old"][2], results["new"][2])]
            same = pixels["differ"] == 0 and not problems
            failures += not same
            line = f"{'same' if same else 'DIFFERENT'}  {role or 'anonymous'} {path}: {len(results['old'][1])} boxes, " \
                   f"screenshot {pixels['size']} {pixels['differ']} pixels differ, {len(problems)} style differences"
            print(line, flush=True)
            report.append({"role": role, "path": path, "pixels": pixels, "problems": problems})
            for problem in problems[:15]:
                print("    " + problem[:600])
        browser.close()
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(report) - failures} of {len(report)} pages identical; screenshots and report.json in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
