// The CSS half of the browser floor: every stylesheet the portal serves, against Chromium 86 (360 安全浏览器
// v13). Two independent data sources, both must agree:
//   - doiuse (caniuse's data, the feature lint the issue names), with browserslist "chrome 86";
//   - MDN's browser-compat-data, for every property (and its keyword values), value function, pseudo-class,
//     pseudo-element, at-rule and media feature: version_added for Chrome <= 86, or a -webkit- alternative.
//     This catches what doiuse has no feature for (e.g. ::file-selector-button, Chrome 89: one such selector
//     in a list makes Chromium 86 drop the whole rule, Pico's buttons included).
// A doiuse "partial support" is re-checked at the exact usage with MDN's data (caniuse marks e.g. all of
// `overflow` partial in 86 because of the value `clip`); doiuse's :not() list test, a regular expression that
// reads any `=` inside :not( as a list, is re-checked with a selector parser.
//
//   node tools/lint-css.mjs [--summary] [--browser "chrome 86"] [--emit-kept OUT.css] [FILE.css ...]
//   (default: static/**/*.css). --emit-kept writes the one FILE as that browser keeps it (rules with a selector
//   it cannot parse and declarations it does not know removed, @supports selector(:has()) blocks too), to see
//   it in a modern Chromium (tools/compare-styles.py).
//
// Exit 1 on any finding not in ALLOWED below. --summary prints, per file, how many rules Chromium would drop
// whole (a selector it cannot parse) and how many declarations it would drop, allowed ones included.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import DoIUse from 'doiuse';
import postcss from 'postcss';
import selectorParser from 'postcss-selector-parser';

const require = createRequire(import.meta.url);
const bcd = require('@mdn/browser-compat-data');
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const args = process.argv.slice(2);
const summary = args.includes('--summary');
const browserAt = args.indexOf('--browser');
const browser = browserAt >= 0 ? args[browserAt + 1] : 'chrome 86';
const CHROME = Number(browser.match(/chrome (\d+)/)[1]);
const emitAt = args.indexOf('--emit-kept');
const emit = emitAt >= 0 ? args[emitAt + 1] : null;
const files = args.filter((a, i) => !a.startsWith('--') && !['--browser', '--emit-kept'].includes(args[i - 1]));

// The harmless ones: what Chromium 86 skips here costs nothing the pages need. Each says why.
const ALLOWED = [
  {
    // Pico's group focus rings and the build's split-off :has() selectors (tools/build-css.mjs, step 1):
    // Chromium 83+ evaluates @supports selector(:has(*)) to false and skips the block; fields keep their own
    // focus styles. Newer browsers apply it as before.
    why: ':has() inside @supports selector(:has(*))',
    test: (f) => /(^|[^-\w])(:has)\b/.test(f.what) && f.guards.some((g) => g.includes('selector(:has(')),
  },
  {
    // lightningcss writes the standard pseudo-element as a rule of its own right after its
    // ::-webkit-file-upload-button copy, which Chromium 86 applies; only the duplicate is dropped.
    why: '::file-selector-button beside its ::-webkit-file-upload-button copy',
    test: (f) => f.what === '::file-selector-button' && f.rule && hasWebkitTwin(f.rule),
  },
  {
    // Cosmetic: links' underline sits 0.1rem lower in Chromium 87+; 86 draws it at the font's default place.
    why: 'text-underline-offset (Chrome 87)',
    test: (f) => f.kind === 'property' && f.what === 'text-underline-offset',
  },
  {
    // Pico draws checkboxes, radios and progress bars itself (appearance: none, ::-webkit-progress-value);
    // accent-color (Chrome 93) only tints the native parts it leaves, none of which the pages show.
    why: 'accent-color (Chrome 93)',
    test: (f) => f.kind === 'property' && f.what === 'accent-color',
  },
  {
    // Only the thumb of a switch (<input type=checkbox role=switch>, every BooleanField) uses it; app.css
    // gives the thumb a width under @supports not (aspect-ratio: 1), so Chromium 86 draws the knob too.
    why: 'aspect-ratio (Chrome 88) of the switch thumb, whose width app.css gives Chromium 86',
    test: (f) => f.kind === 'property' && f.what === 'aspect-ratio' && /\[role=switch\]/.test(f.rule?.selector || ''),
  },
  {
    // A prefixed declaration beside the unprefixed one in the same rule (e.g. Safari's -webkit-backdrop-filter
    // next to backdrop-filter): Chromium applies the unprefixed one, which this lint checks on its own.
    why: 'a prefixed twin of an unprefixed declaration in the same rule',
    test: (f) => ['property', 'value'].includes(f.kind) && f.node.type === 'decl' && /^-(webkit|moz|ms|o)-/.test(f.node.prop)
      && f.node.parent.nodes.some((d) => d.type === 'decl' && d.prop === f.node.prop.replace(/^-(webkit|moz|ms|o)-/, '')),
  },
  {
    // Other engines' prefixes (Firefox, old Edge/IE): every Chromium, the newest included, ignores them, as it
    // did with the original stylesheet, so nothing changes for our users.
    why: 'another engine\'s prefix (-moz-, -ms-, -o-)',
    test: (f) => /^(::?|@)?-(moz|ms|o)-/.test(f.what) || /(^|\W)-(moz|ms|o)-/.test(f.what),
  },
];

function hasWebkitTwin(rule) {
  const previous = rule.prev();
  return previous && previous.type === 'rule'
    && previous.selector === rule.selector.replaceAll('::file-selector-button', '::-webkit-file-upload-button')
    && previous.nodes.map(String).join(';') === rule.nodes.map(String).join(';');
}

// Is a BCD feature supported by Chrome <= CHROME under the name used (unprefixed, prefixed, alternative)?
function supported(compat, used, base) {
  if (!compat) return null;
  const entries = [].concat(compat.support.chrome || []);
  return entries.some((e) => {
    if (typeof e.version_added !== 'string' || e.flags) return false;
    const added = Number(e.version_added.replace('≤', ''));
    if (!(added <= CHROME)) return false;
    if (e.version_removed && Number(e.version_removed) <= CHROME) return false;
    // a partial implementation (e.g. outline not following border-radius before Chrome 94) still applies
    if (e.alternative_name) return used.replace(/^:+|\(.*$/g, '') === e.alternative_name.replace(/^:+|\(.*$/g, '');
    if (e.prefix) return used.replace(/^:+/, '').startsWith(e.prefix);
    return used.replace(/^:+/, '') === base;
  });
}

function findCompat(tree, name) {
  // name as written, e.g. "-webkit-slider-thumb" or "-webkit-appearance": the key itself, else the unprefixed
  // key (whose entries say whether the prefix is known).
  if (tree[name]) return { compat: tree[name].__compat, base: name };
  const bare = name.replace(/^-webkit-input-|^-(webkit|moz|ms|o)-/, '');
  if (tree[bare]) return { compat: tree[bare].__compat, base: bare };
  const named = (value) => [].concat(value?.__compat?.support?.chrome || [])
    .some((e) => e.alternative_name && e.alternative_name.replace(/^:+|\(.*$/g, '') === name);
  for (const [key, value] of Object.entries(tree)) {
    if (named(value)) return { compat: value.__compat, base: key };
    for (const [subkey, sub] of Object.entries(value)) {
      if (subkey !== '__compat' && named(sub)) return { compat: sub.__compat, base: key }; // e.g. grid-row-gap
    }
  }
  return null;
}

// Chromium's own pseudo-elements from WebKit, far older than Chromium 86, that MDN's data has no entry for.
const WEBKIT_PSEUDO_ELEMENTS = new Set(['-webkit-details-marker', '-webkit-calendar-picker-indicator',
  '-webkit-color-swatch', '-webkit-color-swatch-wrapper', '-webkit-search-decoration', '-webkit-outer-spin-button']);

const SIMPLE_IN_NOT = new Set(['tag', 'class', 'id', 'attribute', 'universal', 'pseudo']);

function checkSelector(selector, report) {
  selectorParser((selectors) => {
    selectors.walkPseudos((pseudo) => {
      const used = pseudo.value.toLowerCase();
      const element = used.startsWith('::') || ['before', 'after', 'first-line', 'first-letter'].includes(used.slice(1));
      const name = used.replace(/^:+/, '');
      if (WEBKIT_PSEUDO_ELEMENTS.has(name)) return;
      const found = findCompat(bcd.css.selectors, name);
      if (!found) { report('selector', used, 'unknown to MDN\'s data'); return; }
      if (!supported(found.compat, used, found.base)) report('selector', used, `not in Chrome ${CHROME}`);
      if (name === 'not') {
        const simple = pseudo.nodes.length === 1 && pseudo.nodes[0].nodes.length === 1
          && SIMPLE_IN_NOT.has(pseudo.nodes[0].nodes[0].type) && !(pseudo.nodes[0].nodes[0].type === 'pseudo' && pseudo.nodes[0].nodes[0].nodes?.length);
        if (!simple && !supported(bcd.css.selectors.not.selector_list.__compat, ':not', 'not')) {
          report('selector', `:not(${String(pseudo.nodes.join(','))})`, `a list or compound in :not(), not in Chrome ${CHROME}`);
        }
      }
      void element;
    });
  }).processSync(selector);
}

const FUNCTION_TREES = [bcd.css.types, bcd.css.types.color, bcd.css.types.image?.gradient || {}, bcd.css.types['transform-function'] || {}, bcd.css.types['filter-function'] || {}];

function checkDeclaration(decl, report) {
  const prop = decl.prop.toLowerCase();
  if (prop.startsWith('--')) return; // custom properties: what matters is where they are used
  // A descriptor of @page (size, page-orientation) is not the property of the same name: MDN keeps it
  // under the at-rule. Other declarations there (margin) are ordinary properties.
  const page = bcd.css['at-rules'].page;
  if (decl.parent?.type === 'atrule' && decl.parent.name.toLowerCase() === 'page' && page[prop]?.__compat) {
    if (!supported(page[prop].__compat, prop, prop)) report('property', `@page ${prop}`, `not in Chrome ${CHROME}`);
    return;
  }
  const found = findCompat(bcd.css.properties, prop);
  if (!found) { report('property', prop, 'unknown to MDN\'s data'); return; }
  if (!supported(found.compat, prop, found.base)) { report('property', prop, `not in Chrome ${CHROME}`); return; }
  const tree = bcd.css.properties[found.base];
  const value = decl.value.toLowerCase();
  for (const word of value.replace(/"[^"]*"|'[^']*'|url\([^)]*\)/g, '').match(/[a-z][a-z0-9-]*(?=\(|\b)/g) || []) {
    if (tree[word]?.__compat && !supported(tree[word].__compat, word, word)) report('value', `${prop}: ${word}`, `not in Chrome ${CHROME}`);
  }
  for (const [, fn] of value.matchAll(/([a-z-]+)\(/g)) {
    for (const t of FUNCTION_TREES) {
      if (t[fn]?.__compat) {
        if (!supported(t[fn].__compat, fn, fn)) report('value', `${fn}()`, `not in Chrome ${CHROME}`);
        break;
      }
    }
  }
}

function checkAtRule(atrule, report) {
  const name = atrule.name.toLowerCase();
  const found = findCompat(bcd.css['at-rules'], name);
  if (!found) { report('at-rule', `@${name}`, 'unknown to MDN\'s data'); return; }
  if (!supported(found.compat, name, found.base)) report('at-rule', `@${name}`, `not in Chrome ${CHROME}`);
  if (name === 'media') {
    for (const [, feature] of atrule.params.toLowerCase().matchAll(/\(\s*([a-z-]+)\s*[:)]/g)) {
      const bare = feature.replace(/^(min|max)-/, '');
      const compat = bcd.css['at-rules'].media[bare]?.__compat;
      if (compat && !supported(compat, bare, bare)) report('at-rule', `@media (${feature})`, `not in Chrome ${CHROME}`);
    }
    if (/[<>]=?/.test(atrule.params)) report('at-rule', '@media range syntax', 'not in Chrome ' + CHROME);
  }
  if (name === 'supports' && atrule.params.includes('selector(')
    && !supported(bcd.css['at-rules'].supports.selector.__compat, 'supports', 'supports')) {
    report('at-rule', '@supports selector()', `not in Chrome ${CHROME}`);
  }
}

function guardsOf(node) {
  const guards = [];
  for (let p = node.parent; p; p = p.parent) if (p.type === 'atrule') guards.push(`@${p.name} ${p.params}`);
  return guards;
}

async function lint(file) {
  const css = readFileSync(file, 'utf8');
  const parsed = postcss.parse(css, { from: file });
  const findings = [];
  const add = (node, kind, what, reason, source) => {
    const finding = { file, line: node.source?.start?.line, kind, what, reason, source, node,
      rule: node.type === 'rule' ? node : node.parent?.type === 'rule' ? node.parent : null, guards: guardsOf(node) };
    finding.allowed = ALLOWED.find((a) => a.test(finding))?.why || null;
    findings.push(finding);
  };
  // MDN's data
  parsed.walk((node) => {
    if (node.type === 'rule') {
      for (const selector of node.selectors) checkSelector(selector, (kind, what, reason) => add(node, kind, what, reason, 'mdn'));
    } else if (node.type === 'decl') {
      checkDeclaration(node, (kind, what, reason) => add(node, kind, what, reason, 'mdn'));
    } else if (node.type === 'atrule') {
      checkAtRule(node, (kind, what, reason) => add(node, kind, what, reason, 'mdn'));
    }
  });
  // caniuse's data
  const usages = [];
  await postcss([new DoIUse({ browsers: [browser], onFeatureUsage: (u) => usages.push(u) })]).process(css, { from: file });
  for (const usage of usages) {
    const node = usage.usage;
    const partial = /only partially supported/.test(usage.message);
    if (usage.feature === 'css-not-sel-list') {
      // re-checked above with a parser (a real list or compound argument is reported there)
      continue;
    }
    if (partial && node.type === 'decl') {
      // caniuse: partial. MDN, at this exact property and value, said nothing above: supported.
      const mdnSaid = findings.some((f) => f.node === node);
      if (!mdnSaid) continue;
    }
    const what = node.type === 'decl' ? `${node.prop}: ${node.value}` : node.type === 'rule' ? node.selector : `@${node.name} ${node.params}`;
    const finding = { file, line: node.source?.start?.line, kind: usage.feature, what: what.slice(0, 160),
      reason: usage.message.replace(/^.*?: /, ''), source: 'caniuse', node,
      rule: node.type === 'rule' ? node : node.parent?.type === 'rule' ? node.parent : null, guards: guardsOf(node) };
    // the same usage as an MDN finding is allowed (or not) for the same reason
    const twin = findings.find((f) => f.node === node && f.source === 'mdn');
    const own = ALLOWED.find((a) => a.test(finding))?.why || null;
    finding.allowed = own || (twin && twin.allowed) || (node.type === 'rule' && usage.feature === 'css-has'
      && guardsOf(node).some((g) => g.includes('selector(:has(')) ? ALLOWED[0].why : null);
    findings.push(finding);
  }
  if (emit) {
    const kept = parsed.clone();
    const dropped = new Set(findings.filter((f) => f.kind === 'selector' || ['property', 'value'].includes(f.kind)
      || (f.source === 'caniuse' && f.node.type === 'rule')).map((f) => f.node));
    let i = 0;
    const originals = [];
    parsed.walk((node) => { originals.push(node); });
    const copies = [];
    kept.walk((node) => { copies.push(node); });
    for (i = 0; i < originals.length; i += 1) if (dropped.has(originals[i])) copies[i].remove();
    kept.walkAtRules('supports', (at) => { if (at.params.includes(':has(')) at.remove(); });
    writeFileSync(emit, kept.toString());
  }
  let rules = 0;
  parsed.walkRules(() => { rules += 1; });
  const droppedRules = new Set(findings.filter((f) => f.kind === 'selector' && f.node.type === 'rule').map((f) => f.node));
  const droppedDecls = new Set(findings.filter((f) => ['property', 'value'].includes(f.kind)).map((f) => f.node));
  return { file, rules, findings, droppedRules: droppedRules.size, droppedDecls: droppedDecls.size,
    droppedRulesNotAllowed: new Set(findings.filter((f) => f.kind === 'selector' && !f.allowed).map((f) => f.node)).size };
}

function served() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.css')) out.push(full);
    }
  };
  walk(path.join(root, 'static'));
  return out;
}

let failed = 0;
for (const file of files.length ? files : served()) {
  const result = await lint(file);
  const rel = path.relative(process.cwd(), file);
  const bad = result.findings.filter((f) => !f.allowed);
  const allowed = result.findings.filter((f) => f.allowed);
  failed += bad.length;
  if (summary) {
    console.log(`${rel}: ${result.rules} rules; ${browser} drops ${result.droppedRules} whole rules `
      + `(${result.droppedRulesNotAllowed} not allowed) and ${result.droppedDecls} declarations; `
      + `${bad.length} findings fail, ${allowed.length} allowed`);
  }
  const seen = new Set();
  for (const f of bad) {
    const key = `${f.line}:${f.kind}:${f.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(`${rel}:${f.line}: [${f.source}] ${f.kind} ${f.what} — ${f.reason}`);
  }
  if (!summary) {
    const counts = {};
    for (const f of allowed) counts[f.allowed] = (counts[f.allowed] || 0) + 1;
    const note = Object.entries(counts).map(([why, n]) => `${n}× ${why}`).join('; ');
    console.log(`${rel}: ${bad.length ? `${bad.length} unsupported in ${browser}` : `ok for ${browser}`}${note ? ` (allowed: ${note})` : ''}`);
  }
}
process.exit(failed ? 1 : 0);
