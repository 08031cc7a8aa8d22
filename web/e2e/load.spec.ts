// How fast the main pages load the first time: each one opened in a new tab after emptying the
// browser's cache (as a first visit), with a session's cookie where the page needs one. A
// measurement, not a test of a limit: the figures go to test-results/load-times.json (and the
// report), and `npm run load-figures` writes them into docs/console.md with the size of the built
// JavaScript. LUBAN_LOAD_RUNS loads of each page (1 in scripts/test's run, to keep it short; more
// for the document, which takes the median and the slowest).
import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";

import {
  type BrowserContext,
  type Cookie,
  type Page,
  expect,
  test,
} from "@playwright/test";

import { type Role, token } from "./suite.js";

const RUNS = Number(process.env.LUBAN_LOAD_RUNS ?? "1");

// When a page's main content is there: an element matching `selector`, and `text` (a regular
// expression) in the page's text when given.
interface Ready {
  selector: string;
  text?: string;
}

// One load of one page: milliseconds from the start of the navigation.
interface Sample {
  domContentLoaded: number;
  load: number;
  firstContentfulPaint: number | null;
  mainContent: number;
  // The JavaScript's bytes as sent (gzip) and unpacked, and the number of requests.
  scriptBytesEncoded: number;
  scriptBytesDecoded: number;
  requests: number;
}

interface Figures {
  page: string;
  path: string;
  samples: Sample[];
}

// Waits, a frame at a time in the page, for its main content; returns the page's clock then.
async function mainContentAt(page: Page, ready: Ready): Promise<number> {
  const handle = await page.waitForFunction(
    ({ selector, text }) => {
      const element = document.querySelector(selector);
      if (element === null || element.getClientRects().length === 0) return false;
      if (text !== undefined && !new RegExp(text).test(document.body.innerText)) return false;
      return performance.now();
    },
    ready,
    { polling: "raf", timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

async function navigationFigures(page: Page): Promise<Omit<Sample, "mainContent">> {
  await page.waitForLoadState("load");
  // loadEventEnd is set once the load handlers have run, a moment after the load state.
  await page.waitForFunction(
    () =>
      (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).loadEventEnd >
      0,
    undefined,
    { polling: "raf" },
  );
  return page.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    const scripts = resources.filter((r) => new URL(r.name).pathname.endsWith(".js"));
    return {
      domContentLoaded: navigation.domContentLoadedEventEnd,
      load: navigation.loadEventEnd,
      firstContentfulPaint: paint === undefined ? null : paint.startTime,
      scriptBytesEncoded: scripts.reduce((sum, r) => sum + r.encodedBodySize, 0),
      scriptBytesDecoded: scripts.reduce((sum, r) => sum + r.decodedBodySize, 0),
      requests: resources.length + 1,
    };
  });
}

// Opens `path` in a new tab of `context` with nothing cached; the caller closes the tab.
async function coldLoad(
  context: BrowserContext,
  path: string,
  ready: Ready,
): Promise<{ sample: Sample; page: Page }> {
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send("Network.clearBrowserCache");
  await devtools.detach();
  await page.goto(path, { waitUntil: "commit" });
  const mainContent = await mainContentAt(page, ready);
  return { sample: { ...(await navigationFigures(page)), mainContent }, page };
}

const SIGN_IN_FORM: Ready = { selector: "input[type=password]" };
const TABLE_ROW: Ready = { selector: "main table tbody tr" };
const SEATS = "Seats taken: \\d+ / \\d+";
const KEY_FIGURES = "main section[aria-label='Key figures'] p";

// A session of `role`'s, signed in through the gateway, as the cookie a browser would hold.
async function sessionCookie(baseURL: string, role: Role): Promise<Cookie[]> {
  const response = await fetch(`${baseURL}/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: token(role) }),
  });
  expect(response.status).toBe(200);
  const [name, value] = (response.headers.get("set-cookie") ?? "").split(";")[0].split("=");
  const url = new URL(baseURL);
  return [
    {
      name,
      value,
      domain: url.hostname,
      path: "/",
      expires: -1,
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
    },
  ];
}

// Signs in on an open sign-in page, clicking in the page itself; returns the milliseconds from the
// click until `ready`.
async function signInUntil(page: Page, role: Role, ready: Ready): Promise<number> {
  await page.locator("input[type=password]").fill(token(role));
  const clicked = await page.evaluate(() => {
    const at = performance.now();
    document.querySelector<HTMLButtonElement>("form button[type=submit]")!.click();
    return at;
  });
  return (await mainContentAt(page, ready)) - clicked;
}

test("first loads of the main pages (measured, no limit)", async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(60_000 + RUNS * 30_000);
  const loadAverage = os.loadavg()[0];
  const figures: Figures[] = [];
  const signInToHome: number[] = [];

  // The sign-in page, and from the click on "Sign in" to the home page's runs; a run of the
  // college admin's from there. Then the college admin's pages in the same session.
  const contexts = new Map<Role, BrowserContext>();
  const college = await browser.newContext({ baseURL });
  contexts.set("COLLEGE_ADMIN", college);
  const signInPage: Figures = { page: "sign-in page", path: "/", samples: [] };
  let runPath: string | null = null;
  for (let i = 0; i < RUNS; i++) {
    await college.clearCookies();
    const { sample, page } = await coldLoad(college, "/", SIGN_IN_FORM);
    signInPage.samples.push(sample);
    signInToHome.push(await signInUntil(page, "COLLEGE_ADMIN", TABLE_ROW));
    runPath ??= await page.locator("main table tbody tr a").first().getAttribute("href");
    await page.close();
  }
  figures.push(signInPage);
  expect(runPath).toMatch(/^\/runs\/\d+$/);

  const pages: [string, Role, string, Ready][] = [
    ["home, college admin", "COLLEGE_ADMIN", "/", TABLE_ROW],
    ["a course run", "COLLEGE_ADMIN", runPath!, { selector: "main h2", text: SEATS }],
    ["trainees", "COLLEGE_ADMIN", "/trainees", TABLE_ROW],
    ["home, network admin", "NETWORK_ADMIN", "/", TABLE_ROW],
    ["reporting dashboard", "REPORTER", "/dashboard", { selector: KEY_FIGURES }],
  ];
  for (const [name, role, path, ready] of pages) {
    let context = contexts.get(role);
    if (context === undefined) {
      context = await browser.newContext({ baseURL });
      await context.addCookies(await sessionCookie(baseURL!, role));
      contexts.set(role, context);
    }
    const entry: Figures = { page: name, path, samples: [] };
    for (let i = 0; i < RUNS; i++) {
      const { sample, page } = await coldLoad(context, path, ready);
      entry.samples.push(sample);
      await page.close();
    }
    figures.push(entry);
  }
  for (const context of contexts.values()) await context.close();

  const cpus = os.cpus();
  const result = {
    measured: new Date().toISOString(),
    browser: `Chromium ${browser.version()}`,
    machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    // The 1-minute load average before and after: other work on the machine slows every figure.
    loadAverage: [loadAverage, os.loadavg()[0]],
    node: process.version,
    runs: RUNS,
    signInToHome,
    pages: figures,
  };
  mkdirSync("test-results", { recursive: true });
  writeFileSync("test-results/load-times.json", JSON.stringify(result, null, 2) + "\n");
  await testInfo.attach("load-times.json", {
    body: JSON.stringify(result, null, 2),
    contentType: "application/json",
  });
  // Each figure is a time after the navigation began, in order.
  for (const entry of figures) {
    expect(entry.samples, entry.page).toHaveLength(RUNS);
    for (const s of entry.samples) {
      expect(s.domContentLoaded, entry.page).toBeGreaterThan(0);
      expect(s.load, entry.page).toBeGreaterThanOrEqual(s.domContentLoaded);
      expect(s.mainContent, entry.page).toBeGreaterThan(s.domContentLoaded);
      expect(s.scriptBytesEncoded, entry.page).toBeGreaterThan(0);
    }
  }
});
