// Copies the browser builds of our third-party front-end code out of node_modules into
// web/dist/vendor/, under stable names the server can embed and serve as /-/static/vendor/*.
//
// Why a copy step instead of serving node_modules: the server embeds a small, flat, known set
// of files, and the names here stay the same when a package moves a file between versions
// (only this table changes). No dependencies: plain node:fs, so `npm ci && npm run vendor`
// needs nothing but the two pinned packages.

import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = join(here, "dist", "vendor");

// [source inside node_modules, destination name inside dist/vendor]
const files = [
  // The IIFE build: defines window.mermaid when loaded with a plain <script>.
  ["mermaid/dist/mermaid.min.js", "mermaid.min.js"],
  // The cdn-assets build of highlight.js bundles the common languages and defines window.hljs.
  ["@highlightjs/cdn-assets/highlight.min.js", "highlight.min.js"],
  ["@highlightjs/cdn-assets/styles/github.min.css", "hljs-light.css"],
  ["@highlightjs/cdn-assets/styles/github-dark.min.css", "hljs-dark.css"],
];

mkdirSync(out, { recursive: true });
let failed = false;
for (const [from, to] of files) {
  const src = join(modules, from);
  const dst = join(out, to);
  try {
    copyFileSync(src, dst);
    const kib = Math.round(statSync(dst).size / 1024);
    console.log(`vendor: ${from} -> dist/vendor/${to} (${kib} KiB)`);
  } catch (err) {
    // Say what to do next: the usual cause is a missing `npm ci`.
    console.error(`vendor: cannot copy ${src}: ${err.message}`);
    console.error("vendor: run `npm ci` in web/ first (it installs the pinned packages)");
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
