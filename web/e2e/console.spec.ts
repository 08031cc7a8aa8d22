// The console's journeys in a real browser against the running suite with its demo data.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

import { call, signIn, token } from "./suite.js";

// No serious or critical accessibility violation on the page as it is.
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(
    serious.map((v) => `${v.id}: ${v.help}: ${v.nodes.map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""}`).join(", ")}`),
  ).toEqual([]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

// How many different pictures the page's font draws for the characters of `text`: one per
// distinct character when a font has their glyphs, 1 when every one is the same empty box (no
// font for the script installed: scripts/test installs one for Chinese).
async function distinctGlyphs(page: Page, text: string): Promise<number> {
  return page.evaluate((characters) => {
    const canvas = document.createElement("canvas");
    canvas.width = 48;
    canvas.height = 48;
    const context = canvas.getContext("2d")!;
    context.font = `32px ${getComputedStyle(document.body).fontFamily}`;
    const drawn = [...characters].map((c) => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.fillText(c, 4, 36);
      return context.getImageData(0, 0, canvas.width, canvas.height).data.join(",");
    });
    return new Set(drawn).size;
  }, text);
}

interface CourseRunJson {
  name: string;
  workshop: string;
  capacity?: number;
}

test("a wrong token is refused and nothing of the console shows", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Personal access token").fill("not-a-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("This token is not valid");
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, "sign-in");
});

test("the token never reaches the page's storage, only an HttpOnly cookie", async ({
  page,
  context,
}) => {
  await signIn(page, "COLLEGE_ADMIN");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "luban_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.secure).toBe(true);
  expect(session?.sameSite).toBe("Strict");
  expect(session?.value).not.toContain(token("COLLEGE_ADMIN"));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).not.toContain(token("COLLEGE_ADMIN"));
  expect(page.url()).not.toContain(token("COLLEGE_ADMIN"));
});

test("a college admin sees their open runs with seats and opens one", async ({ page }) => {
  await signIn(page, "COLLEGE_ADMIN");
  await expect(page.getByRole("heading", { name: "Course runs" })).toBeVisible();
  const runs = page.getByRole("table").getByRole("row");
  await expect(runs.nth(1)).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "home-college-admin");

  await runs.nth(1).getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Enrolled trainees" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Waitlist, in order" })).toBeVisible();
  await expect(page.getByText(/Seats taken: \d+ \/ \d+/)).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "run");
});

test("another college's run opened by its address shows a not-found page", async ({
  page,
  baseURL,
}) => {
  const caller = await call<{ institution?: string }>(
    baseURL!,
    "COLLEGE_ADMIN",
    "luban.course.v1.CourseService/GetCaller",
    {},
  );
  const all = await call<{ courseRuns: CourseRunJson[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    "luban.course.v1.CourseService/ListCourseRuns",
    { pageSize: 1000 },
  );
  const own = await call<{ courseRuns?: CourseRunJson[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    "luban.course.v1.CourseService/ListCourseRuns",
    { pageSize: 1000, institution: caller.institution },
  );
  const ownNames = new Set((own.courseRuns ?? []).map((r) => r.name));
  const other = all.courseRuns.find((r) => !ownNames.has(r.name));
  expect(other, "the demo data has runs of other colleges").toBeDefined();

  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(`/runs/${other!.name.split("/")[1]}`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Enrolled trainees" })).toHaveCount(0);
});

test("the public page checks a certificate without signing in", async ({ page, baseURL }) => {
  const certificates = await call<{ certificates: { number: string }[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    "luban.enrollment.v1.EnrollmentService/ListCertificates",
    { pageSize: 10 },
  );
  const number = certificates.certificates[0].number;
  await page.goto("/verify");
  await page.getByLabel("Certificate number").fill(number);
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("Valid certificate")).toBeVisible();
  await expect(page.getByRole("cell", { name: /\*\*\*/ })).toBeVisible(); // the masked name
  await expectAccessible(page);
  await screenshot(page, "verify");

  await page.getByLabel("Certificate number").fill("LW-0000-NOPE");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("No certificate has this number")).toBeVisible();
});

test("the language switch changes the page and is remembered", async ({ page }) => {
  await signIn(page, "COLLEGE_ADMIN");
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("heading", { name: "Потоки курсов" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Потоки курсов" })).toBeVisible();
  await page.getByLabel("Язык").selectOption("zh");
  await expect(page.getByRole("heading", { name: "课程班" })).toBeVisible();
  // Drawn in glyphs, not boxes (a CJK font is installed).
  expect(await distinctGlyphs(page, "课程班")).toBe(3);
  await screenshot(page, "home-college-admin-zh");
  await page.getByLabel("语言").selectOption("en");
});

test("signing out ends the session at the gateway", async ({ page, context, baseURL }) => {
  await signIn(page, "COLLEGE_ADMIN");
  const cookie = (await context.cookies()).find((c) => c.name === "luban_session")!;
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Personal access token")).toBeVisible();
  // The old cookie opens nothing any more.
  const replay = await fetch(`${baseURL}/session`, {
    headers: { Cookie: `luban_session=${cookie.value}` },
  });
  expect(replay.status).toBe(401);
});

test("a session that ended at the gateway sends the page back to sign-in, saying so", async ({
  page,
  context,
  baseURL,
}) => {
  await signIn(page, "COLLEGE_ADMIN");
  const runs = page.getByRole("table").getByRole("row");
  await expect(runs.nth(1)).toBeVisible();
  // The gateway forgets the session, as it does when its idle or total time runs out (the
  // gateway's unit tests hold that clock); the open page does not know yet.
  const cookie = (await context.cookies()).find((c) => c.name === "luban_session")!;
  const ended = await fetch(`${baseURL}/session`, {
    method: "DELETE",
    headers: { Cookie: `luban_session=${cookie.value}` },
  });
  expect(ended.ok).toBe(true);
  // The next thing the user does needs the services: the page says the session has ended.
  await runs.nth(1).getByRole("link").click();
  await expect(page.getByText("Your session has ended. Sign in again.")).toBeVisible();
  await expect(page.getByLabel("Personal access token")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  await expectAccessible(page);
});
