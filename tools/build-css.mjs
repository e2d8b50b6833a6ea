// Builds the served Pico stylesheet for the portal's browser floor, Chromium 86 (360 安全浏览器 v13), from
// Pico's own published CSS (npm package @picocss/pico, css/pico.css, pinned in package-lock.json):
//
//   npm ci --prefix tools && npm run build:css --prefix tools
//
// writes static/vendor/pico/pico-<version>-chromium86.min.css (committed, so running the portal needs no
// Node.js). What Chromium 86 cannot parse is rewritten into what it can, each step by a real tool:
//   1. :has() — cannot be lowered. Chromium 86 drops a whole rule when one selector of its list is invalid,
//      so selectors with :has() are split off into a rule of their own inside @supports selector(:has(*))
//      (Chromium 83+ evaluates that to false and skips it; newer browsers apply it as before). Pico already
//      guards its group focus rings this way; the rest are the same kind of nicety (checkbox labels' width and
//      cursor, a dropdown item's hover).
//   2. :where(a, b) — cannot be lowered with its zero specificity: replaced by its arguments (a, b), each
//      keeping its own specificity. Compared page by page against the original (tools/compare-styles.py).
//   3. :not(a, b) → :not(a):not(b)            (postcss-selector-not)
//   4. :is(a, b) x → a x, b x, specificity kept by padding (@csstools/postcss-is-pseudo-class)
//      A selector that can then match nothing (a pseudo-element followed by an attribute) is left out.
//   5. logical properties → physical ones for left-to-right, top-to-bottom text: every page is zh-CN
//      (postcss-logical)
//      (a logical declaration Pico wrote beside its physical twin is converted too)
//   6. justify-content: start → flex-start (in a left-to-right flex row the same; Chromium 93+ only in flex)
//   7. everything else for "chrome 86" (e.g. inset →  top/right/bottom/left) and minifying (lightningcss)
// The build fails on any warning of these tools and on any :is(, :where(, :not( list or :-webkit-any( left.
//
// The output's header records the SHA-256 of the build's inputs (this file, package.json, package-lock.json)
// and of the CSS after the header; tests/web/test_browser_floor.py checks both, check-browser-floor.sh
// rebuilds and compares byte for byte.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import browserslist from 'browserslist';
import { browserslistToTargets, transform } from 'lightningcss';
import postcss from 'postcss';
import isPseudoClass from '@csstools/postcss-is-pseudo-class';
import logical from 'postcss-logical';
import selectorNot from 'postcss-selector-not';
import selectorParser from 'postcss-selector-parser';

export const TARGET = 'chrome 86';
const tools = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(tools);
const require = createRequire(import.meta.url);
const picoVersion = JSON.parse(readFileSync(require.resolve('@picocss/pico/package.json'), 'utf8')).version;
// The minified file is the one the portal served until now: the build starts from exactly that.
const source = require.resolve('@picocss/pico/css/pico.min.css');
export const OUTPUT = path.join(root, 'static', 'vendor', 'pico', `pico-${picoVersion}-chromium86.min.css`);
export const INPUTS = ['tools/build-css.mjs', 'tools/package.json', 'tools/package-lock.json'];

const HAS_GUARD = 'selector(:has(*))';

function insideHasGuard(node) {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.type === 'atrule' && parent.name === 'supports' && parent.params.includes(':has(')) return true;
  }
  return false;
}

// 1. Selectors with :has() into @supports selector(:has(*)), right after the rule they came from.
const guardHas = {
  postcssPlugin: 'portal-guard-has',
  Once(css) {
    css.walkRules((rule) => {
      if (!rule.selector.includes(':has(') || insideHasGuard(rule)) return;
      const withHas = rule.selectors.filter((s) => s.includes(':has('));
      const without = rule.selectors.filter((s) => !s.includes(':has('));
      const guard = postcss.atRule({ name: 'supports', params: HAS_GUARD });
      guard.append(rule.clone({ selectors: withHas }));
      rule.after(guard);
      if (without.length) rule.selectors = without;
      else rule.remove();
    });
  },
};

// 2. :where(a, b) → a, b (each argument in the place of the :where, with its own specificity).
const unwrapWhere = {
  postcssPlugin: 'portal-unwrap-where',
  Rule(rule, { result }) {
    if (!rule.selector.includes(':where(')) return;
    const expand = (selector) => {
      let where = null;
      selector.walkPseudos((pseudo) => { if (!where && pseudo.value.toLowerCase() === ':where') where = pseudo; });
      if (!where) return [selector];
      const previous = where.prev();
      const out = [];
      for (const argument of where.nodes) {
        const complex = argument.nodes.some((node) => node.type === 'combinator');
        if (complex && previous && previous.type !== 'combinator') {
          throw rule.error(`:where() with a complex argument not at the start of its compound: ${rule.selector}`);
        }
        const copy = selector.clone();
        let target = null;
        copy.walkPseudos((pseudo) => { if (!target && pseudo.value.toLowerCase() === ':where') target = pseudo; });
        const parts = argument.clone().nodes;
        for (const part of parts) target.parent.insertBefore(target, part);
        target.remove();
        out.push(...expand(copy));
      }
      return out;
    };
    const selectors = [];
    selectorParser((selectorsRoot) => {
      selectorsRoot.each((selector) => { for (const s of expand(selector)) selectors.push(String(s).trim()); });
    }).processSync(rule.selector);
    rule.selectors = [...new Set(selectors)];
    if (!selectors.length) result.warn('empty selector after :where()', { node: rule });
  },
};

// After step 4: a selector where a pseudo-element is followed by anything but a user-action pseudo-class
// (e.g. Pico's ::file-selector-button:is([aria-current]...), which became ::file-selector-button[aria-current])
// matches nothing; inside :is() modern browsers forgave it, in a plain selector list it would void the rule.
const USER_ACTION = new Set([':hover', ':focus', ':active', ':focus-visible', ':focus-within']);
const dropImpossible = {
  postcssPlugin: 'portal-drop-impossible-selectors',
  Rule(rule) {
    const keep = rule.selectors.filter((text) => {
      let possible = true;
      selectorParser((selectorsRoot) => {
        selectorsRoot.walk((node) => {
          if (node.type !== 'pseudo' || !node.value.startsWith('::')) return;
          for (let next = node.next(); next && next.type !== 'combinator'; next = next.next()) {
            if (!(next.type === 'pseudo' && USER_ACTION.has(next.value.toLowerCase()))) possible = false;
          }
        });
      }).processSync(text);
      return possible;
    });
    if (keep.length === rule.selectors.length) return;
    if (keep.length) rule.selectors = keep;
    else rule.remove();
  },
};

// After step 5: postcss-logical leaves a logical declaration in place when the rule already has its physical
// twin with the same value (Pico writes both, e.g. padding-left and padding-inline-start). Such a leftover is
// converted on its own, so that only physical properties remain (the duplicate is merged by lightningcss).
const LOGICAL = /^(margin|padding|inset|border)-(block|inline)(-start|-end)?(-width|-style|-color)?$|^(min-|max-)?(block|inline)-size$|^border-(start|end)-(start|end)-radius$/;
const logicalOptions = { inlineDirection: 'left-to-right', blockDirection: 'top-to-bottom' };
// text-align: start/end are not logical properties but values Chromium has always had: they stay.
function physical() {
  const plugin = logical(logicalOptions);
  delete plugin.Declaration['text-align'];
  return plugin;
}
const physicalLeftovers = {
  postcssPlugin: 'portal-logical-leftovers',
  Declaration(decl) {
    if (!LOGICAL.test(decl.prop)) return;
    const alone = postcss([physical()]).process(`a{${decl.toString()}}`, { from: undefined }).root;
    const replacement = alone.first.nodes.map((node) => node.clone());
    if (replacement.some((node) => LOGICAL.test(node.prop) || node.toString() === decl.toString())) {
      throw decl.error(`cannot make ${decl.prop} physical`);
    }
    decl.replaceWith(replacement);
  },
};

// justify-content: start (Pico's breadcrumb nav, a flex row) is flex-start in a left-to-right row; Chromium
// learned start in flex layout only in 93 (MDN), flex-start it always knew.
const flexStart = {
  postcssPlugin: 'portal-flex-start',
  Declaration: { 'justify-content': (decl) => { if (decl.value.trim() === 'start') decl.value = 'flex-start'; } },
};

const LEFT_OVER = [/:is\(/i, /:where\(/i, /:-webkit-any\(/i, /:not\([^()]*,/i, /:matches\(/i];

export async function build() {
  const input = readFileSync(source, 'utf8');
  const result = await postcss([
    guardHas,
    unwrapWhere,
    selectorNot(),
    isPseudoClass({ onComplexSelector: 'warning', onPseudoElement: 'warning' }),
    dropImpossible,
    physical(),
    physicalLeftovers,
    flexStart,
  ]).process(input, { from: source });
  const warnings = result.warnings();
  if (warnings.length) throw new Error(`postcss warnings:\n${warnings.map(String).join('\n')}`);

  if (process.env.DEBUG_CSS) writeFileSync(process.env.DEBUG_CSS, result.css);
  const lowered = transform({
    filename: path.basename(source),
    code: Buffer.from(result.css),
    targets: browserslistToTargets(browserslist(TARGET)),
    minify: true,
  });
  if (lowered.warnings.length) throw new Error(`lightningcss warnings:\n${lowered.warnings.map((w) => w.message).join('\n')}`);
  // lightningcss keeps /*! comments; the header below carries Pico's notice, so none is needed inside.
  let body = lowered.code.toString().replace(/^@charset "UTF-8";/, '').replace(/\/\*![\s\S]*?\*\//g, '');
  for (const pattern of LEFT_OVER) {
    const outside = body.replace(/@supports selector\(:has\(\*\)\)\{(?:[^{}]*\{[^{}]*\})*\}/g, '');
    if (pattern.test(outside)) throw new Error(`${pattern} left in the output`);
  }
  body += '\n';

  const inputsHash = createHash('sha256');
  for (const name of INPUTS) inputsHash.update(readFileSync(path.join(root, name)));
  const header = [
    '@charset "UTF-8";',
    '/*!',
    ` * Pico CSS ✨ v${picoVersion} (https://picocss.com)`,
    ' * Copyright 2019-2025 - Licensed under MIT',
    ' *',
    ` * Built for ${TARGET} by tools/build-css.mjs from @picocss/pico ${picoVersion} css/pico.min.css; do not edit,`,
    ' * rebuild: npm ci --prefix tools && npm run build:css --prefix tools',
    ` * inputs-sha256: ${inputsHash.digest('hex')} (${INPUTS.join(' ')})`,
    ` * body-sha256: ${createHash('sha256').update(body).digest('hex')}`,
    ' */',
    '',
  ].join('\n');
  return header + body;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const css = await build();
  const rel = path.relative(process.cwd(), OUTPUT);
  if (process.argv[2] === '--check') {
    // CI: the committed file must be exactly what the build produces now.
    let committed = '';
    try { committed = readFileSync(OUTPUT, 'utf8'); } catch { /* missing: stale */ }
    if (committed !== css) {
      console.error(`${rel} is not what tools/build-css.mjs produces: run npm run build:css --prefix tools and commit it`);
      process.exit(1);
    }
    console.log(`${rel}: up to date (${css.length} bytes)`);
  } else {
    const out = process.argv[2] || OUTPUT;
    writeFileSync(out, css);
    console.log(`${path.relative(process.cwd(), out)}: ${css.length} bytes`);
  }
}
