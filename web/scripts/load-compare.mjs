// @ts-check
// Compares the first loads of two consoles (say the build before a change, served by a second
// gateway over the same suite, and the build after it) in turns: each main page of
// e2e/load.spec.ts, cold (the browser's cache emptied), from one gateway then the other, the
// order swapped every round, so that the machine's other work weighs on both alike. Prints, per
// page and gateway, the median time to the main content and the renderer's main-thread CPU until
// then (less swayed by other work than the time itself).
//
//   LUBAN_E2E_TOKENS=../var/dev/credentials.env node scripts/load-compare.mjs ROUNDS URL_A URL_B
import { readFileSync } from "node:fs";
import * as os from "node:os";

import { chromium } from "@playwright/test";

const [rounds, ...urls] = process.argv.slice(2);
if (!(Number(rounds) > 0) || urls.length !== 2) {
  console.error("usage: load-compare.mjs ROUNDS URL_A URL_B (LUBAN_E2E_TOKENS=credentials.env)");
  process.exit(2);
}
const tokens = Object.fromEntries(
  readFileSync(process.env.LUBAN_E2E_TOKENS ?? "../var/dev/credentials.env", "utf8")
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]),
);

// [page, role (null: signed out), path, the main content's selector, text it must show]
/** @type {[string, string | null, string, string, string | null][]} */
const PAGES = [
  ["sign-in page", null, "/", "input[type=password]", null],
  ["home, college admin", "COLLEGE_ADMIN", "/", "main table tbody tr", null],
  ["a course run", "COLLEGE_ADMIN", "RUN", "main h2", "Seats taken: \\d+ / \\d+"],
  ["trainees", "COLLEGE_ADMIN", "/trainees", "main table tbody tr", null],
  ["home, network admin", "NETWORK_ADMIN", "/", "main table tbody tr", null],
  ["reporting dashboard", "REPORTER", "/dashboard", "main section[aria-label='Key figures'] p", null],
];

const browser = await chromium.launch({
  executablePath: process.env.LUBAN_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** @type {Map<string, import("@playwright/test").BrowserContext>} */
const contexts = new Map();
/** @param {string} url @param {string | null} role */
async function contextOf(url, role) {
  const key = `${url} ${role}`;
  let context = contexts.get(key);
  if (context === undefined) {
    context = await browser.newContext({ baseURL: url });
    if (role !== null) {
      const response = await fetch(`${url}/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: tokens[`LUBAN_TOKEN_${role}`] }),
      });
      const [name, value] = (response.headers.get("set-cookie") ?? "").split(";")[0].split("=");
      const domain = new URL(url).hostname;
      await context.addCookies([{ name, value, domain, path: "/", expires: -1, httpOnly: true,
        secure: true, sameSite: "Strict" }]);
    }
    contexts.set(key, context);
  }
  return context;
}

/** One cold load: the main content's time and the renderer main thread's CPU until then (ms). */
async function load(/** @type {string} */ url, /** @type {typeof PAGES[number]} */ entry) {
  const [, role, path, selector, text] = entry;
  const context = await contextOf(url, role);
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send("Network.clearBrowserCache");
  /** @type {any[]} */
  const events = [];
  devtools.on("Tracing.dataCollected", (data) => events.push(...data.value));
  const traced = new Promise((resolve) => devtools.once("Tracing.tracingComplete", resolve));
  await devtools.send("Tracing.start", {
    traceConfig: { includedCategories: ["toplevel", "__metadata"] },
    transferMode: "ReportEvents",
  });
  await page.goto(path, { waitUntil: "commit" });
  const handle = await page.waitForFunction(
    ({ selector, text }) => {
      const element = document.querySelector(selector);
      if (element === null || element.getClientRects().length === 0) return false;
      if (text !== null && !new RegExp(text).test(document.body.innerText)) return false;
      return performance.now();
    },
    { selector, text },
    { polling: "raf", timeout: 30_000 },
  );
  const mainContent = /** @type {number} */ (await handle.jsonValue());
  await devtools.send("Tracing.end");
  await traced;
  await page.close();
  // The renderers' main threads: the busiest one is the page's.
  const names = new Map(events.filter((e) => e.ph === "M" && e.name === "thread_name")
    .map((e) => [`${e.pid}/${e.tid}`, e.args.name]));
  /** @type {Map<string, number>} */
  const cpu = new Map();
  for (const e of events) {
    const thread = `${e.pid}/${e.tid}`;
    if (e.ph === "X" && e.name === "ThreadControllerImpl::RunTask" &&
      names.get(thread) === "CrRendererMain") {
      cpu.set(thread, (cpu.get(thread) ?? 0) + (e.tdur ?? 0) / 1000);
    }
  }
  return { mainContent, cpu: Math.max(0, ...cpu.values()) };
}

// A course run: the first of the college admin's home page, as e2e/load.spec.ts takes it.
const home = await (await contextOf(urls[0], "COLLEGE_ADMIN")).newPage();
await home.goto("/");
const run = await home.locator("main table tbody tr a").first().getAttribute("href");
await home.close();
for (const entry of PAGES) if (entry[2] === "RUN") entry[2] = run ?? "/runs/1";

/** @type {Map<string, { mainContent: number[], cpu: number[] }>} */
const results = new Map();
const loadBefore = os.loadavg()[0];
for (let round = 0; round < Number(rounds); round++) {
  for (const entry of PAGES) {
    for (const url of round % 2 === 0 ? urls : [...urls].reverse()) {
      const key = `${entry[0]} @ ${url}`;
      const sample = await load(url, entry);
      const figures = results.get(key) ?? { mainContent: [], cpu: [] };
      figures.mainContent.push(sample.mainContent);
      figures.cpu.push(sample.cpu);
      results.set(key, figures);
    }
  }
}
await browser.close();

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
console.log(`${rounds} rounds; load average ${loadBefore.toFixed(1)} before, ` +
  `${os.loadavg()[0].toFixed(1)} after. Medians, ms:`);
for (const [key, figures] of results) {
  console.log(`${key.padEnd(48)} main content ${median(figures.mainContent).toFixed(0).padStart(5)}` +
    `   renderer CPU ${median(figures.cpu).toFixed(0).padStart(4)}`);
}
