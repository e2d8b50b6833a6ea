#!/usr/bin/env bash
# The browser floor (issue 28, README "Browsers"): what the portal serves must work in Chromium 86 (360 安全浏览器
# v13) and our own scripts in Chromium 78 (v12), where htmx cannot load and every page works without it.
#   1. the committed Pico build is exactly what tools/build-css.mjs makes from the locked sources
#   2. every stylesheet under static/ against "chrome 86": doiuse (caniuse) and MDN's compat data
#   3. every script under static/: ours against Chromium 78 (ES2019 syntax and built-ins, es-check), htmx — the
#      one exemption, by name — against Chromium 86
# Needs Node.js 20.19+ and npm (postcss-logical asks for it); installs the tools exactly as locked (npm ci). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== npm ci --prefix tools (the locked build and lint tools)"
npm ci --prefix tools --no-audit --no-fund --loglevel=error

echo "== the built stylesheet is up to date"
node tools/build-css.mjs --check

echo "== CSS: every served stylesheet against chrome 86"
node tools/lint-css.mjs

echo "== JS: every served script"
es_check=tools/node_modules/.bin/es-check
htmx=()
own=()
while IFS= read -r file; do
  case "$file" in
    static/vendor/htmx/htmx-*.js) htmx+=("$file") ;;
    *) own+=("$file") ;;
  esac
done < <(find static -name '*.js' | sort)
if [ ${#own[@]} -gt 0 ]; then
  # Our scripts run on Chromium 78 too: ES2019 syntax (Chromium 78 lacks ES2020's ?. and ??) and only the
  # built-ins Chromium 78 has (es-check's per-browser feature data).
  "$es_check" checkBrowser "${own[@]}" --browserslistQuery="chrome 78" --checkFeatures --noColor
fi
# htmx is a progressive enhancement: on Chromium 86 it must load; on Chromium 78 it cannot (it uses ?.), and
# the pages work without it (tests/browser/test_browser_floor.py runs the key pages with JavaScript off).
"$es_check" checkBrowser "${htmx[@]}" --browserslistQuery="chrome 86" --checkFeatures --noColor
if "$es_check" checkBrowser "${htmx[@]}" --browserslistQuery="chrome 78" --checkFeatures --silent 2>/dev/null; then
  echo "note: ${htmx[*]} now parses in Chromium 78 too"
else
  echo "htmx: not for Chromium 78 (exempt by name: the pages work without JavaScript)"
fi
echo "browser floor: ok"
