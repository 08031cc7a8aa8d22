// @ts-check
// Writes the console's first-load figures into docs/console.md, between its load-figures markers:
// the page timings the end-to-end run measured (e2e/load.spec.ts: test-results/load-times.json)
// and the size of the built JavaScript and CSS (dist/assets), gzipped as the gateway sends them.
//
//   npm run build                                  # dist/
//   LUBAN_LOAD_RUNS=5 npx playwright test e2e/load.spec.ts   # against a running suite
//   npm run load-figures [-- RESULTS.json]
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const doc = path.resolve(web, "../docs/console.md");
const results = path.resolve(process.argv[2] ?? path.join(web, "test-results/load-times.json"));
const BEGIN = "<!-- load-figures: begin -->";
const END = "<!-- load-figures: end -->";

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** @param {number[]} values as "median ms (slowest)" */
function ms(values) {
  if (values.length === 0) return "—";
  const text = `${Math.round(median(values))} ms`;
  return values.length === 1 ? text : `${text} (${Math.round(Math.max(...values))})`;
}

/** @param {string} text wrapped at 100 columns, as the document is */
function wrap(text) {
  const lines = [""];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (lines[last] !== "" && lines[last].length + 1 + word.length > 100) lines.push(word);
    else lines[last] = lines[last] === "" ? word : `${lines[last]} ${word}`;
  }
  return lines.join("\n");
}

/** @param {number} bytes */
function kB(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/**
 * The built files of one kind: their count, bytes and gzipped bytes (gzip -6, the gateway's).
 * @param {string} extension
 */
function built(extension) {
  const dir = path.join(web, "dist/assets");
  const files = readdirSync(dir).filter((f) => f.endsWith(extension));
  let bytes = 0;
  let gzipped = 0;
  for (const f of files) {
    const content = readFileSync(path.join(dir, f));
    bytes += content.length;
    gzipped += gzipSync(content).length;
  }
  return { files: files.length, bytes, gzipped };
}

/**
 * @typedef {{ domContentLoaded: number, load: number, firstContentfulPaint: number | null,
 *   mainContent: number, scriptBytesEncoded: number, requests: number }} Sample
 * @typedef {{ measured: string, browser: string, machine: string, node: string, runs: number,
 *   loadAverage: number[], signInToHome: number[],
 *   pages: { page: string, path: string, samples: Sample[] }[] }} Results
 */
/** @type {Results} */
const r = JSON.parse(readFileSync(results, "utf8"));
const js = built(".js");
const css = built(".css");

const rows = r.pages.map((p) => {
  /** @param {(s: Sample) => number | null} f */
  const of = (f) => p.samples.map(f).filter((v) => v !== null).map(Number);
  const where = p.path.replace(/\d+$/, "N");
  return `| ${p.page} (\`${where}\`) | ${ms(of((s) => s.domContentLoaded))} | ` +
    `${ms(of((s) => s.load))} | ${ms(of((s) => s.firstContentfulPaint))} | ` +
    `**${ms(of((s) => s.mainContent))}** | ${kB(median(of((s) => s.scriptBytesEncoded)))} | ` +
    `${median(of((s) => s.requests))} |`;
});
const section = [
  BEGIN,
  wrap(`Measured ${r.measured.slice(0, 10)} on ${r.machine}; ${r.browser} ` +
    "(headless, Playwright), " +
    `Node.js ${r.node}; the suite of \`scripts/dev up\` with its demo data on the same machine, ` +
    `over loopback (no network delay added). ${r.runs} load${r.runs === 1 ? "" : "s"} of each ` +
    `page, the browser's cache emptied before each: the median` +
    `${r.runs > 1 ? ", the slowest in brackets" : ""}. The machine's 1-minute load average ` +
    `(other work on it slows every figure) was ` +
    `${r.loadAverage.map((l) => l.toFixed(1)).join(" before the measurement and ")} after it. ` +
    "Milliseconds from the start of the navigation."),
  "",
  "| page | DOMContentLoaded | load | first contentful paint | main content visible | " +
    "JavaScript sent (gzip) | requests |",
  "|---|---|---|---|---|---|---|",
  ...rows,
  "",
  wrap(`From the click on "Sign in" to the home page's runs: ${ms(r.signInToHome)}.`),
  "",
  wrap(`The built JavaScript: ${js.files} file${js.files === 1 ? "" : "s"}, ${kB(js.bytes)}, ` +
    `**${kB(js.gzipped)} gzipped** (gzip -6, as the gateway sends it); the CSS ${kB(css.bytes)}, ` +
    `${kB(css.gzipped)} gzipped.`),
  END,
].join("\n");

const text = readFileSync(doc, "utf8");
const begin = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (begin < 0 || end < begin) throw new Error(`${doc}: no ${BEGIN} ... ${END} section`);
writeFileSync(doc, text.slice(0, begin) + section + text.slice(end + END.length));
console.log(`load-figures: ${path.relative(process.cwd(), doc)} updated from ` +
  `${path.relative(process.cwd(), results)}`);
