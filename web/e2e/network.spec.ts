// The network admin's, exchanges', history and reporting journeys in a real browser
// against the running suite. Each test makes the records it works on, so they run in any order.
import { readFile } from "node:fs/promises";

import AxeBuilder from "@axe-core/playwright";
import { expect, type Locator, test, type Page } from "@playwright/test";

import { call, type Role, signIn, token } from "./suite.js";

// No serious or critical accessibility violation on the page as it is.
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(
    serious.map(
      (v) =>
        `${v.id}: ${v.help}: ${v.nodes.map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""}`).join(", ")}`,
    ),
  ).toEqual([]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

// Letters of a script, for names nobody else has (the services take letters, not digits).
function word(alphabet: string, length = 6): string {
  return Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
}
const CYRILLIC = "абвгдежзиклмнопрстуфхҷӯӣқғҳ";
const LATIN = "abcdefghijklmnopqrstuvwxyz";

function unique(): string {
  return `${Date.now().toString(36)}-${word(LATIN, 4)}`;
}

// A call the service must refuse: its HTTP status and Connect error code.
async function refused(
  baseURL: string,
  role: Role,
  method: string,
  request: unknown,
): Promise<{ status: number; code: string }> {
  const session = await fetch(`${baseURL}/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: token(role) }),
  });
  const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
  const response = await fetch(`${baseURL}/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code ?? "" };
}

interface CourseRunJson {
  name: string;
  status?: string;
  cancelReason?: string;
  startDate?: { year: number };
}
interface ProgrammeJson {
  name: string;
  quota?: number;
  approvedCount?: number;
  status?: string;
}
interface MobilityJson {
  name: string;
  state?: string;
  teacher?: { fullName?: string };
  decisions?: { state?: string; reason?: string }[];
}

const COURSE = "luban.course.v1.CourseService";
const ENROLLMENT = "luban.enrollment.v1.EnrollmentService";
const EXCHANGE = "luban.exchange.v1.ExchangeService";

// A trainee of the college admin's institution (the Tajik workshop), with a family name nobody
// else has, in Tajik Cyrillic and Latin.
async function newTrainee(baseURL: string): Promise<{ name: string; familyName: string }> {
  const familyName = `Ҷӯраева${word(CYRILLIC)}`;
  const trainee = await call<{ name: string }>(baseURL, "COLLEGE_ADMIN", `${ENROLLMENT}/CreateTrainee`, {
    trainee: {
      familyName,
      givenName: "Мадина",
      familyNameLatin: `Juraeva${word(LATIN)}`,
      givenNameLatin: "Madina",
      sex: "SEX_FEMALE",
      birthDate: { year: 2001, month: 4, day: 5 },
      citizenship: "TJ",
      identityDocument: {
        countryCode: "TJ",
        type: "DOCUMENT_TYPE_PASSPORT",
        number: `E2E-${unique()}`.toUpperCase(),
      },
      homeWorkshop: "workshops/1",
    },
    requestId: `e2e-trainee-${unique()}`,
  });
  return { name: trainee.name, familyName };
}

// An open programme of the Tajik partner (institutions/2, the college admin's) to China.
async function openProgramme(baseURL: string, quota: number): Promise<ProgrammeJson & { title: string }> {
  const title = `E2E study visit ${unique()}`;
  const programme = await call<ProgrammeJson>(baseURL, "NETWORK_ADMIN", `${EXCHANGE}/CreateProgramme`, {
    programme: {
      titles: [{ languageCode: "en", text: title }],
      chineseInstitution: "institutions/1",
      partnerInstitution: "institutions/2",
      kind: "PROGRAMME_KIND_TRAINEE_STUDY_VISIT",
      direction: "DIRECTION_TO_CHINA",
      startDate: { year: 2031, month: 5, day: 1 },
      endDate: { year: 2031, month: 5, day: 20 },
      quota,
    },
    requestId: `e2e-programme-${unique()}`,
  });
  await call(baseURL, "NETWORK_ADMIN", `${EXCHANGE}/ChangeProgrammeStatus`, {
    name: programme.name,
    status: "PROGRAMME_STATUS_OPEN",
    requestId: `e2e-programme-open-${unique()}`,
  });
  return { ...programme, title };
}

// Pages through a list (its "Next" button) until `row` shows: new records may be on a later page.
// Each page is looked at once it has loaded (the list's table says aria-busy="false").
async function findRow(page: Page, row: Locator): Promise<void> {
  const list = page.locator("main table[aria-busy]").first();
  for (let i = 0; i < 50; i++) {
    await expect(list).toHaveAttribute("aria-busy", "false");
    if (await row.isVisible()) return;
    await page.getByRole("button", { name: "Next" }).click();
  }
  await expect(row).toBeVisible();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Personal access token")).toBeVisible();
}

test("the network admin's home leads to the administration; institutions are created and edited", async ({
  page,
  baseURL,
}) => {
  await signIn(page, "NETWORK_ADMIN");
  const pages = page.getByRole("navigation", { name: "Your pages" });
  await expect(pages.getByRole("link", { name: "Institutions" })).toBeVisible();
  await expect(pages.getByRole("link", { name: "Reporting dashboard" })).toBeVisible();
  await screenshot(page, "home-network-admin");
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { name: "Network administration" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "admin");

  await page.getByRole("link", { name: "Institutions" }).click();
  await expect(page.getByRole("heading", { name: "Institutions" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "admin-institutions");

  const name = `Худжандский колледж ${word(CYRILLIC)}`;
  await page.getByRole("button", { name: "New institution" }).click();
  const form = page.getByRole("region", { name: "New institution" });
  await form.getByLabel("Kind").selectOption({ label: "Local partner" });
  await form.getByLabel("Country").fill("TJ");
  const names = form.getByRole("group", { name: "Names" });
  await names.getByLabel("Language").fill("ru");
  await names.getByLabel("Text").fill(name);
  await form.getByLabel("City").fill("Худжанд");
  await expectAccessible(page);
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form).toHaveCount(0);

  const created = await call<{ institutions: { name: string; displayNames: { text: string }[]; city: string }[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${COURSE}/ListInstitutions`,
    { pageSize: 1000, countryCode: "TJ" },
  );
  const mine = created.institutions.find((i) => i.displayNames.some((n) => n.text === name));
  expect(mine, "the institution was created with its name byte-exact").toBeDefined();
  expect(mine!.city).toBe("Худжанд");

  // Edited from its row, wherever the list has put it.
  const row = page.getByRole("row", { name: new RegExp(name) });
  await findRow(page, row);
  await row.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("region", { name: /^Edit / });
  await edit.getByLabel("City").fill("Хуҷанд");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(row).toContainText("Хуҷанд");
  const edited = await call<{ city: string }>(baseURL!, "NETWORK_ADMIN", `${COURSE}/GetInstitution`, {
    name: mine!.name,
  });
  expect(edited.city).toBe("Хуҷанд");
});

test("the network admin moves a workshop through its status and edits the catalogue", async ({
  page,
  baseURL,
}) => {
  // A planned workshop of its own (the Tajik colleges), to move.
  const workshop = await call<{ name: string; status: string }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${COURSE}/CreateWorkshop`,
    {
      workshop: {
        displayNames: [{ languageCode: "tg", text: `Устохонаи ${word(CYRILLIC)}` }],
        countryCode: "TJ",
        city: "Кӯлоб",
        chineseInstitution: "institutions/1",
        partnerInstitution: "institutions/2",
        disciplines: ["CNC"],
      },
      requestId: `e2e-workshop-${unique()}`,
    },
  );
  expect(workshop.status).toBe("WORKSHOP_STATUS_PLANNED");

  await signIn(page, "NETWORK_ADMIN");
  await page.goto("/admin/workshops");
  await page.getByLabel("Status").selectOption({ label: "Planned" });
  const row = page.getByRole("row", { name: new RegExp(`${workshop.name}\\b`) });
  await findRow(page, row);
  await expectAccessible(page);
  await screenshot(page, "admin-workshops");
  await row.getByRole("button", { name: "Set operating" }).click();
  const confirm = page.getByRole("region", { name: /^Change .* to “Operating”\?/ });
  await confirm.getByLabel("Reason (optional)").fill("e2e: the workshop opens");
  await confirm.getByRole("button", { name: "Confirm" }).click();
  await expect(confirm).toHaveCount(0);
  const moved = await call<{ status: string }>(baseURL!, "NETWORK_ADMIN", `${COURSE}/GetWorkshop`, {
    name: workshop.name,
  });
  expect(moved.status).toBe("WORKSHOP_STATUS_OPERATING");

  // The catalogue: a new course, then its hours changed.
  const code = `E2E-${word(LATIN, 8).toUpperCase()}`;
  await page.goto("/admin/courses");
  await page.getByRole("button", { name: "New course" }).click();
  const form = page.getByRole("region", { name: "New course" });
  await form.getByLabel("Code").fill(code);
  await form.getByLabel("Discipline").fill("surveying");
  await form.getByLabel("Hours").fill("72");
  const titles = form.getByRole("group", { name: "Titles" });
  await titles.getByLabel("Language").fill("zh");
  await titles.getByLabel("Text").fill("无人机测绘");
  await form.getByLabel("Languages of instruction").fill("ru, zh");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form).toHaveCount(0);
  const course = page.getByRole("row", { name: new RegExp(code) });
  await findRow(page, course);
  await expect(course).toContainText("无人机测绘");
  await expectAccessible(page);
  await screenshot(page, "admin-courses");
  await course.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("region", { name: /^Edit / }).getByLabel("Hours").fill("80");
  await page.getByRole("region", { name: /^Edit / }).getByRole("button", { name: "Save" }).click();
  await expect(course.getByRole("cell", { name: "80", exact: true })).toBeVisible();
});

test("the network admin schedules a run and opens it, and cancels another with a reason", async ({
  page,
  baseURL,
}) => {
  await signIn(page, "NETWORK_ADMIN");
  await page.goto("/admin");
  await page.getByRole("link", { name: "Course runs" }).click();
  await expect(page.getByRole("heading", { name: "Course runs" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "admin-runs");

  const schedule = async (start: string, end: string) => {
    await page.goto("/admin/runs");
    await page.getByRole("button", { name: "Schedule a run" }).click();
    const form = page.getByRole("region", { name: "Schedule a run" });
    await form.getByLabel("Course").selectOption({ label: "URT-101 · Urban rail transit operations" });
    await form.getByLabel("Workshop").selectOption({ label: "Luban Workshop Tajikistan · Душанбе" });
    await form.getByLabel("First day").fill(start);
    await form.getByLabel("Last day").fill(end);
    await form.getByLabel("Language of instruction").selectOption("tg");
    await form.getByLabel("Capacity").fill("12");
    await form.getByRole("button", { name: "Schedule" }).click();
    await expect(page).toHaveURL(/\/admin\/runs\/\d+$/);
    await expect(page.getByText("Scheduled", { exact: true })).toBeVisible();
    return `courseRuns/${page.url().split("/").pop()}`;
  };

  const opened = await schedule("2030-03-02", "2030-05-30");
  await expect(page.getByRole("heading", { name: "URT-101 · Urban rail transit operations" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Luban Workshop Tajikistan · Душанбе" })).toBeVisible();
  await page.getByRole("button", { name: "Open for enrollment" }).click();
  await expect(page.getByText("Open", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Start teaching" })).toBeVisible();
  // Its history shows the opening, newest first.
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByRole("row").nth(1)).toContainText("OpenCourseRun");
  await expectAccessible(page);
  await screenshot(page, "admin-run");
  const run = await call<CourseRunJson>(baseURL!, "NETWORK_ADMIN", `${COURSE}/GetCourseRun`, {
    name: opened,
  });
  expect(run.status).toBe("COURSE_RUN_STATUS_OPEN");

  const cancelled = await schedule("2030-09-01", "2030-11-30");
  expect(cancelled).not.toBe(opened);
  const reason = `e2e: the hall is closed for repairs ${unique()}`;
  await page.getByRole("button", { name: "Cancel run" }).click();
  const confirm = page.getByRole("region", { name: /^Cancel URT-101/ });
  // No reason, no cancellation: the form asks for one.
  await confirm.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Scheduled", { exact: true })).toBeVisible();
  await confirm.getByLabel("Reason").fill(reason);
  await confirm.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Cancelled", { exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: reason })).toBeVisible();
  await expect(page.getByRole("button", { name: "Open for enrollment" })).toHaveCount(0);
  const gone = await call<CourseRunJson>(baseURL!, "NETWORK_ADMIN", `${COURSE}/GetCourseRun`, {
    name: cancelled,
  });
  expect(gone.status).toBe("COURSE_RUN_STATUS_CANCELLED");
  expect(gone.cancelReason).toBe(reason);
});

test("the network admin creates a programme with a quota and opens it", async ({ page, baseURL }) => {
  await signIn(page, "NETWORK_ADMIN");
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Exchanges" }).click();
  await expect(page.getByRole("heading", { name: "Exchange programmes" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "programmes");

  const title = `E2E teachers' training ${unique()}`;
  const tajik = `Омӯзиши омӯзгорон ${word(CYRILLIC)}`;
  await page.getByRole("button", { name: "New programme" }).click();
  const form = page.getByRole("region", { name: "New programme" });
  const titles = form.getByRole("group", { name: "Titles" });
  await titles.getByLabel("Language").fill("en");
  await titles.getByLabel("Text").fill(title);
  await titles.getByRole("button", { name: "Add a language" }).click();
  await titles.getByLabel("Language").nth(1).fill("tg");
  await titles.getByLabel("Text").nth(1).fill(tajik);
  await form.getByLabel("Chinese college").selectOption({
    label: "Tianjin Urban Construction Management & Vocation Technology College (CN)",
  });
  await form.getByLabel("Local partner").selectOption({
    label: "Tajik Technical University named after academician M.S. Osimi (TJ)",
  });
  await form.getByLabel("Kind").selectOption({ label: "Teacher training" });
  await form.getByLabel("Direction").selectOption({ label: "To China" });
  await form.getByLabel("First day").fill("2031-03-01");
  await form.getByLabel("Last day").fill("2031-03-21");
  await form.getByLabel("Quota").fill("4");
  await expectAccessible(page);
  await form.getByRole("button", { name: "Create" }).click();

  await expect(page).toHaveURL(/\/programmes\/\d+$/);
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await expect(page.getByText("Planned", { exact: true })).toBeVisible();
  await expect(page.getByText("0 of 4 places taken")).toBeVisible();
  await page.getByRole("button", { name: "Open for nominations" }).click();
  await expect(page.getByText("Open", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Nominate a participant" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "programme");

  const name = `programmes/${page.url().split("/").pop()}`;
  const programme = await call<ProgrammeJson & { titles: { languageCode: string; text: string }[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${EXCHANGE}/GetProgramme`,
    { name },
  );
  expect(programme.quota).toBe(4);
  expect(programme.status).toBe("PROGRAMME_STATUS_OPEN");
  expect(programme.titles).toContainEqual({ languageCode: "tg", text: tajik });

  // A teacher training takes teachers: one nominated, in their own script.
  const teacher = `Саидов Илҳом ${word(CYRILLIC)}`;
  const nominate = page.getByRole("region", { name: "Nominate a participant" });
  await expect(nominate).toContainText("This programme takes teachers");
  await nominate.getByLabel("Full name (own script)").fill(teacher);
  await nominate.getByLabel("Full name (Latin)").fill("Saidov Ilhom");
  await nominate.getByLabel("Position").fill("lecturer, surveying");
  await nominate.getByRole("button", { name: "Nominate" }).click();
  await expect(
    page
      .getByRole("region", { name: "Nominations and mobilities" })
      .getByRole("row", { name: new RegExp(`${teacher} \\(Saidov Ilhom\\)`) }),
  ).toContainText("Nominated");

  // The quota is raised in the edit form.
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("region", { name: /^Edit / }).getByLabel("Quota").fill("6");
  await page.getByRole("region", { name: /^Edit / }).getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("0 of 6 places taken")).toBeVisible();
});

test("a college admin nominates; the network admin approves one and rejects another with a reason the college admin sees", async ({
  page,
  baseURL,
}) => {
  const programme = await openProgramme(baseURL!, 2);
  const chosen = await newTrainee(baseURL!);
  const other = await newTrainee(baseURL!);
  const reason = `e2e: a Russian certificate is needed first ${unique()}`;
  const id = programme.name.split("/")[1];

  // The college admin (institutions/2, the sending side) nominates two trainees, each found by
  // the family name in its own script.
  await signIn(page, "COLLEGE_ADMIN");
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Exchanges" }).click();
  await expect(page.getByRole("heading", { name: "Exchange programmes" })).toBeVisible();
  await page.goto(`/programmes/${id}`);
  await expect(page.getByRole("heading", { name: programme.title })).toBeVisible();
  const nominate = page.getByRole("region", { name: "Nominate a participant" });
  await expect(nominate).toContainText("This programme takes trainees");
  const mobilities = page.getByRole("region", { name: "Nominations and mobilities" });
  for (const [trainee, keyboard] of [
    [chosen, false],
    [other, true],
  ] as const) {
    await nominate.getByLabel("Family name begins with").fill(trainee.familyName);
    // The second time with the keyboard alone: Enter finds, Enter in the last field nominates.
    if (keyboard) await nominate.getByLabel("Family name begins with").press("Enter");
    else await nominate.getByRole("button", { name: "Find" }).click();
    await expect(nominate.getByLabel("Trainee", { exact: true })).toContainText(trainee.familyName);
    await nominate.getByLabel("Why this participant (optional)").fill("best of the surveying run");
    if (keyboard) await nominate.getByLabel("Why this participant (optional)").press("Enter");
    else await nominate.getByRole("button", { name: "Nominate" }).click();
    await expect(mobilities.getByRole("row", { name: new RegExp(trainee.familyName) })).toContainText(
      "Nominated",
    );
  }
  const chosenRow = mobilities.getByRole("row", { name: new RegExp(chosen.familyName) });
  const otherRow = mobilities.getByRole("row", { name: new RegExp(other.familyName) });
  // The sending side does not decide on its own nominations.
  await expect(chosenRow.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, "programme-nominations");
  await signOut(page);

  // The network admin approves one within the quota and rejects the other.
  await signIn(page, "NETWORK_ADMIN");
  await page.goto(`/programmes/${id}`);
  await chosenRow.getByRole("button", { name: "Approve" }).click();
  await expect(chosenRow).toContainText("Approved");
  await expect(page.getByText("1 of 2 places taken")).toBeVisible();
  await otherRow.getByRole("button", { name: "Reject" }).click();
  const confirm = page.getByRole("region", { name: /^Reject: / });
  await confirm.getByLabel("Reason").fill(reason);
  await confirm.getByRole("button", { name: "Confirm" }).click();
  await expect(otherRow).toContainText("Rejected");
  await expect(otherRow).toContainText(reason);
  const listed = await call<{ mobilities: MobilityJson[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${EXCHANGE}/ListMobilities`,
    { programme: programme.name },
  );
  expect(listed.mobilities.map((m) => m.state).sort()).toEqual([
    "MOBILITY_STATE_APPROVED",
    "MOBILITY_STATE_REJECTED",
  ]);
  const after = await call<ProgrammeJson>(baseURL!, "NETWORK_ADMIN", `${EXCHANGE}/GetProgramme`, {
    name: programme.name,
  });
  expect(after.approvedCount).toBe(1);
  await signOut(page);

  // The college admin follows both: the rejection shows its reason.
  await signIn(page, "COLLEGE_ADMIN");
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Nominations" }).click();
  await page.getByLabel("Status").selectOption({ label: "Rejected" });
  await expect(page).toHaveURL(/state=rejected/);
  const rejected = page.getByRole("row", { name: new RegExp(other.familyName) });
  await findRow(page, rejected);
  await expect(rejected).toContainText(reason);
  await expectAccessible(page);
  await screenshot(page, "mobilities-college-admin");
  await rejected.getByRole("link", { name: new RegExp(other.familyName) }).click();
  await expect(page.getByRole("heading", { name: /^Mobility mobilities\/\d+$/ })).toBeVisible();
  const decisions = page.getByRole("region", { name: "Decisions" });
  await expect(decisions.getByRole("row", { name: /Rejected/ })).toContainText(reason);
  await expect(decisions.getByRole("row", { name: /Nominated/ })).toContainText("best of the surveying run");
  await expectAccessible(page);
  await screenshot(page, "mobility");
});

test("a record's history shows who changed it, how and with which request id", async ({
  page,
  baseURL,
}) => {
  const created = `e2e-create-${unique()}`;
  const opened = `e2e-open-${unique()}`;
  const run = await call<CourseRunJson>(baseURL!, "NETWORK_ADMIN", `${COURSE}/CreateCourseRun`, {
    courseRun: {
      course: "courses/2",
      workshop: "workshops/1",
      startDate: { year: 2032, month: 2, day: 1 },
      endDate: { year: 2032, month: 3, day: 1 },
      capacity: 10,
      languageCode: "ru",
      passScore: 60,
      minAttendancePercent: 80,
    },
    requestId: created,
  });
  await call(baseURL!, "NETWORK_ADMIN", `${COURSE}/OpenCourseRun`, { name: run.name, requestId: opened });
  const who = await call<{ principal: string }>(baseURL!, "NETWORK_ADMIN", `${COURSE}/GetCaller`, {});

  await signIn(page, "NETWORK_ADMIN");
  await page.goto("/admin");
  await page.getByRole("link", { name: "History" }).click();
  await page.getByLabel("Record").fill(run.name);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`resource=${encodeURIComponent(run.name)}`));
  const rows = page.getByRole("row");
  // Newest first: the opening, then the creation, each with its request id and actor.
  await expect(rows.nth(1)).toContainText(opened);
  await expect(rows.nth(1)).toContainText("OpenCourseRun");
  await expect(rows.nth(1)).toContainText(who.principal);
  await expect(rows.nth(2)).toContainText(created);
  await expect(rows.nth(2)).toContainText("CreateCourseRun");
  await expect(rows).toHaveCount(3);
  await expectAccessible(page);
  await screenshot(page, "history");
  await signOut(page);

  // A college admin reads its own records' history (a trainee it created), not another
  // college's (the Kazakh workshop's run).
  const requestId = `e2e-trainee-edit-${unique()}`;
  const trainee = await newTrainee(baseURL!);
  const current = await call<{ etag: string }>(baseURL!, "COLLEGE_ADMIN", `${ENROLLMENT}/GetTrainee`, {
    name: trainee.name,
  });
  await call(baseURL!, "COLLEGE_ADMIN", `${ENROLLMENT}/UpdateTrainee`, {
    trainee: { name: trainee.name, etag: current.etag, contacts: { phone: "+992 93 000 0000" } },
    updateMask: "contacts",
    requestId,
  });
  await signIn(page, "COLLEGE_ADMIN");
  // On the trainee's own page, and on the history page.
  await page.goto(`/trainees/${trainee.name.split("/")[1]}`);
  const panel = page.getByRole("region", { name: "History" });
  await expect(panel.getByRole("row").nth(1)).toContainText(requestId);
  await expect(panel.getByRole("row").nth(2)).toContainText("created");
  await page.goto(`/history?resource=${trainee.name}`);
  await expect(page.getByRole("row").nth(1)).toContainText(requestId);
  await expect(page.getByRole("row").nth(2)).toContainText("created");
  await page.goto("/history?resource=courseRuns/4");
  await expect(page.getByRole("alert")).toContainText(/Not found|may not/);
  await expect(page.getByRole("cell", { name: "CreateCourseRun" })).toHaveCount(0);
  const denied = await refused(baseURL!, "COLLEGE_ADMIN", `${COURSE}/ListAuditRecords`, {
    resource: "courseRuns/4",
  });
  expect(["not_found", "permission_denied"]).toContain(denied.code);
});

test("the reporter's dashboard shows the figures, with names redacted, and its CSV files", async ({
  page,
  baseURL,
}) => {
  // What the dashboard must count for Tajikistan in 2026: every enrollment in the TJ runs that
  // start in 2026 (whatever other tests have done to the suite's data before).
  const runs = await call<{ courseRuns?: CourseRunJson[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${COURSE}/ListCourseRuns`,
    {
      pageSize: 1000,
      countryCode: "TJ",
      startDateFrom: { year: 2026, month: 1, day: 1 },
      startDateTo: { year: 2026, month: 12, day: 31 },
    },
  );
  let enrollments = 0;
  for (const run of runs.courseRuns ?? []) {
    const page = await call<{ enrollments?: unknown[] }>(
      baseURL!,
      "NETWORK_ADMIN",
      `${ENROLLMENT}/ListEnrollments`,
      { courseRun: run.name, pageSize: 1000 },
    );
    enrollments += page.enrollments?.length ?? 0;
  }
  expect(enrollments, "the demo data has enrollments in Tajikistan in 2026").toBeGreaterThan(0);
  // A teacher's name the network admin sees and the reporter must not.
  const mobilities = await call<{ mobilities: MobilityJson[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${EXCHANGE}/ListMobilities`,
    { programme: "programmes/1" },
  );
  const teacherName = mobilities.mobilities.find((m) => m.teacher?.fullName)?.teacher?.fullName;
  expect(teacherName).toBeTruthy();

  await signIn(page, "REPORTER");
  const nav = page.getByRole("navigation", { name: "main" });
  await expect(nav.getByRole("link", { name: "Administration" })).toHaveCount(0);
  await nav.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Reporting dashboard" })).toBeVisible();
  await expect(page.getByText("Personal data is redacted")).toBeVisible();
  await page.getByLabel("Year", { exact: true }).selectOption("2026");
  await page.getByLabel("Country", { exact: true }).selectOption("TJ");
  const figures = page.getByRole("region", { name: "Key figures" });
  await expect(figures.getByText("Enrollments", { exact: true }).locator("xpath=..")).toContainText(
    String(enrollments),
  );
  const perCountry = page.getByRole("region", { name: "Per country" });
  await expect(perCountry.getByRole("row")).toHaveCount(2);
  await expect(perCountry.getByRole("row").nth(1)).toContainText("Tajikistan (TJ)");

  // Every year again: the participants of the exchanges show with their names redacted.
  await page.getByLabel("Year", { exact: true }).selectOption("");
  const participants = page.getByRole("region", { name: "Participants" });
  await expect(participants.getByText("(name redacted)").first()).toBeVisible();
  await expect(page.getByText(teacherName!)).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, "dashboard");

  // The CSV file of a table, as luban-report writes it.
  await page.getByLabel("Year", { exact: true }).selectOption("2026");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download 2026-TJ-by_country.csv" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("2026-TJ-by_country.csv");
  const lines = (await readFile(await download.path(), "utf8")).trimEnd().split("\n");
  expect(lines[0]).toBe(
    "year,country,trainees,enrollments,waitlisted,enrolled,completed,failed,withdrawn,cancelled,completion_rate,certificates",
  );
  expect(lines).toHaveLength(2);
  expect(lines[1].split(",").slice(0, 4)).toEqual(["2026", "TJ", expect.any(String), String(enrollments)]);
});

test("a college admin is shown none of the network admin's pages, and the services refuse them", async ({
  page,
  baseURL,
}) => {
  await signIn(page, "COLLEGE_ADMIN");
  const nav = page.getByRole("navigation", { name: "main" });
  await expect(nav.getByRole("link", { name: "Exchanges" })).toBeVisible();
  for (const link of ["Administration", "History", "Dashboard"]) {
    await expect(nav.getByRole("link", { name: link })).toHaveCount(0);
  }
  await expect(page.getByRole("link", { name: "Institutions" })).toHaveCount(0);
  for (const path of ["/admin", "/admin/institutions", "/admin/runs", "/admin/runs/1", "/dashboard"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);
  }
  await expectAccessible(page);

  // The console only hides them: the services themselves refuse.
  const institution = await refused(baseURL!, "COLLEGE_ADMIN", `${COURSE}/CreateInstitution`, {
    institution: {
      kind: "INSTITUTION_KIND_LOCAL_PARTNER",
      countryCode: "TJ",
      displayNames: [{ languageCode: "en", text: "Not allowed" }],
    },
    requestId: `e2e-refused-${unique()}`,
  });
  expect(institution).toEqual({ status: 403, code: "permission_denied" });
  const catalogue = await refused(baseURL!, "COLLEGE_ADMIN", `${COURSE}/CreateCourse`, {
    course: { code: "NOPE-1", titles: [{ languageCode: "en", text: "x" }], discipline: "x", hours: 1, instructionLanguages: ["ru"] },
    requestId: `e2e-refused-${unique()}`,
  });
  expect(catalogue).toEqual({ status: 403, code: "permission_denied" });
  // Another college's run (the Kazakh workshop's) is neither cancelled nor changed.
  const before = await call<CourseRunJson & { etag: string }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${COURSE}/GetCourseRun`,
    { name: "courseRuns/4" },
  );
  const kazakhRun = await refused(baseURL!, "COLLEGE_ADMIN", `${COURSE}/CancelCourseRun`, {
    name: "courseRuns/4",
    reason: "not mine",
    requestId: `e2e-refused-${unique()}`,
  });
  expect(["not_found", "permission_denied"]).toContain(kazakhRun.code);
  const after = await call<CourseRunJson & { etag: string }>(
    baseURL!,
    "NETWORK_ADMIN",
    `${COURSE}/GetCourseRun`,
    { name: "courseRuns/4" },
  );
  expect(after.etag).toBe(before.etag);
  expect(after.status).not.toBe("COURSE_RUN_STATUS_CANCELLED");
});
