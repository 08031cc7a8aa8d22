// The college admin's daily journeys in a real browser against the running suite: enrolling until
// a run is full, withdrawing (the waitlist moves up), results and certificates, the public check,
// a CSV import with refused rows, creating and editing trainees, revoking a certificate. Each test
// makes its own records (collegeData.ts) and checks them through the pages.
import { readFileSync } from "node:fs";

import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

import {
  documentNumber,
  enroll,
  enrollments,
  newCertificate,
  newOpenRun,
  newTrainee,
  shownName,
  startRun,
  type TraineeJson,
} from "./collegeData.js";
import { call, signIn } from "./suite.js";

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

const runPath = (run: string) => `/runs/${run.split("/")[1]}`;

async function findAndEnroll(page: Page, query: string, trainee: TraineeJson): Promise<void> {
  await page.getByLabel("Find a trainee").fill(query);
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await page.getByRole("button", { name: `Enroll ${shownName(trainee)}` }).click();
}

test("a run fills up: trainees found by name in any script or by document, the next one waitlisted", async ({
  page,
  baseURL,
}) => {
  const run = await newOpenRun(baseURL!, 2);
  const [a, b, c] = [await newTrainee(baseURL!), await newTrainee(baseURL!), await newTrainee(baseURL!)];

  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(runPath(run));
  await expect(page.getByText("Seats taken: 0 / 2")).toBeVisible();

  // By the family name in Cyrillic (its first letters), by the Latin name, by the document number
  // written with spaces and in lower case.
  await findAndEnroll(page, a.familyName.slice(0, 6), a);
  await expect(page.getByRole("status")).toContainText(`${shownName(a)} is enrolled.`);
  await findAndEnroll(page, b.familyNameLatin.toLowerCase(), b);
  await expect(page.getByRole("status")).toContainText(`${shownName(b)} is enrolled.`);
  const number = c.identityDocument.number.toLowerCase();
  await findAndEnroll(page, `${number.slice(0, 4)} ${number.slice(4)}`, c);
  await expect(page.getByRole("status")).toContainText(
    `The run is full: ${shownName(c)} is on the waitlist, place 1.`,
  );

  await expect(page.getByText("Seats taken: 2 / 2")).toBeVisible();
  await expect(page.getByText("Waitlist: 1")).toBeVisible();
  const enrolled = page.getByRole("table", { name: "Enrolled trainees" });
  await expect(enrolled.getByRole("row")).toHaveCount(2);
  await expect(enrolled).toContainText(shownName(a));
  await expect(enrolled).toContainText(shownName(b));
  const waitlist = page.getByRole("table", { name: "Waitlist, in order" });
  await expect(waitlist.getByRole("row")).toHaveText([`1${shownName(c)}Withdraw`]);

  // The service agrees: two seats, one waiting.
  const states = (await enrollments(baseURL!, run)).map((e) => e.state).sort();
  expect(states).toEqual(["ENROLLMENT_STATE_ENROLLED", "ENROLLMENT_STATE_ENROLLED", "ENROLLMENT_STATE_WAITLISTED"]);
  await expectAccessible(page);
  await screenshot(page, "run-enroll-waitlist");
});

test("withdrawing an enrolled trainee: the confirmation names who moves up, and the page shows it", async ({
  page,
  baseURL,
}) => {
  const run = await newOpenRun(baseURL!, 1);
  const [a, b, c] = [await newTrainee(baseURL!), await newTrainee(baseURL!), await newTrainee(baseURL!)];
  for (const t of [a, b, c]) await enroll(baseURL!, t, run);

  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(runPath(run));
  const waitlist = page.getByRole("table", { name: "Waitlist, in order" });
  await expect(waitlist.getByRole("row")).toHaveCount(2);

  await page.getByRole("button", { name: `Withdraw ${shownName(a)}` }).click();
  const dialog = page.getByRole("dialog", { name: "Withdraw from the run" });
  await expect(dialog).toContainText(`Withdraw ${shownName(a)} from this run?`);
  await expect(dialog).toContainText(`${shownName(b)} moves up from the waitlist and takes the seat.`);
  await dialog.getByLabel("Reason (optional)").fill("moved to another city");
  await expectAccessible(page);
  await screenshot(page, "run-withdraw-confirmation");
  await dialog.getByRole("button", { name: "Withdraw" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toHaveText(
    `${shownName(a)} was withdrawn. ${shownName(b)} moved up from the waitlist.`,
  );

  const enrolled = page.getByRole("table", { name: "Enrolled trainees" });
  await expect(enrolled.getByRole("row")).toHaveText([`${shownName(b)}Withdraw`]);
  await expect(waitlist.getByRole("row")).toHaveText([`1${shownName(c)}Withdraw`]);
  await expect(page.getByText("Seats taken: 1 / 1")).toBeVisible();

  // Withdrawing from the waitlist frees no seat: the dialog says so.
  await page.getByRole("button", { name: `Withdraw ${shownName(c)}` }).click();
  await expect(dialog).toContainText("Those behind on the waitlist move up one place.");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  const byTrainee = new Map((await enrollments(baseURL!, run)).map((e) => [(e as { trainee?: string }).trainee, e]));
  expect(byTrainee.get(a.name)?.state).toBe("ENROLLMENT_STATE_WITHDRAWN");
  expect(byTrainee.get(b.name)?.state).toBe("ENROLLMENT_STATE_ENROLLED");
  expect(byTrainee.get(c.name)?.waitlistPosition).toBe(1);
});

test("a run's page follows seats changed elsewhere without reloading", async ({ page, baseURL }) => {
  const run = await newOpenRun(baseURL!, 1);
  const [a, b] = [await newTrainee(baseURL!), await newTrainee(baseURL!)];
  const first = await enroll(baseURL!, a, run);

  // A college admin's page follows the change feeds of its own institution's records.
  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(runPath(run));
  await expect(page.getByText("Seats taken: 1 / 1")).toBeVisible();
  await expect(page.getByTestId("follow-mode")).toHaveText("Changes appear as they happen.");
  await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = 42));
  await enroll(baseURL!, b, run);
  const waitlist = page.getByRole("table", { name: "Waitlist, in order" });
  await expect(waitlist).toContainText(shownName(b), { timeout: 4_000 });
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(42);

  // So does a network admin's, over the whole network's feeds.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "NETWORK_ADMIN");
  await page.goto(runPath(run));
  await expect(page.getByTestId("follow-mode")).toHaveText("Changes appear as they happen.");
  await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = 43));
  await call(baseURL!, "NETWORK_ADMIN", "luban.enrollment.v1.EnrollmentService/Withdraw", {
    name: first.name,
    requestId: crypto.randomUUID(),
  });
  const enrolled = page.getByRole("table", { name: "Enrolled trainees" });
  await expect(enrolled).toContainText(shownName(b), { timeout: 4_000 });
  await expect(enrolled).not.toContainText(shownName(a));
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(43);
});

test("recording results issues a certificate that prints both colleges and that the public page shows valid", async ({
  page,
  baseURL,
}) => {
  const run = await newOpenRun(baseURL!, 3);
  const [a, b, c] = [await newTrainee(baseURL!), await newTrainee(baseURL!), await newTrainee(baseURL!)];
  for (const t of [a, b, c]) await enroll(baseURL!, t, run);

  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(runPath(run));
  // Results only once the run is in progress.
  await expect(page.getByRole("heading", { name: "Enroll a trainee" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Record results" })).toHaveCount(0);
  await startRun(baseURL!, run);
  await page.reload();
  await expect(page.getByText("A pass needs a score of at least 60 and attendance of at least 80%.")).toBeVisible();

  // One trainee on their own...
  await page.getByLabel(`Score of ${shownName(a)}`).fill("88");
  await page.getByLabel(`Attendance of ${shownName(a)}`).fill("95");
  await page.getByRole("button", { name: `Record the result of ${shownName(a)}` }).click();
  const results = page.getByRole("table", { name: "Results" });
  const rowOf = (t: TraineeJson) => results.getByRole("row").filter({ hasText: shownName(t) });
  await expect(rowOf(a)).toContainText("Completed");
  // ...and the rest of the run in one go: one fails, one has a score out of range.
  await page.getByLabel(`Score of ${shownName(b)}`).fill("40");
  await page.getByLabel(`Attendance of ${shownName(b)}`).fill("90");
  await page.getByLabel(`Score of ${shownName(c)}`).fill("75");
  await page.getByLabel(`Attendance of ${shownName(c)}`).fill("180");
  await page.getByRole("button", { name: "Record all entered results" }).click();
  await expect(page.getByRole("table", { name: "Record results" }).getByRole("alert")).toContainText(
    "Enter a score and an attendance",
  );
  await page.getByLabel(`Attendance of ${shownName(c)}`).fill("85");
  await page.getByRole("button", { name: "Record all entered results" }).click();
  await expect(results.getByRole("row")).toHaveCount(4); // header + 3
  await expect(page.getByText("Nobody is enrolled.")).toBeVisible();
  await expect(rowOf(b)).toContainText("Failed");
  await expect(rowOf(b).getByRole("link")).toHaveCount(0);
  await expect(rowOf(c)).toContainText("Completed");
  await expectAccessible(page);
  await screenshot(page, "run-results");

  // The certificate: both colleges, in Chinese and English, ready to print.
  const number = (await rowOf(a).getByRole("link").textContent())!.trim();
  expect(number).toMatch(/^LW-/);
  await rowOf(a).getByRole("link").click();
  const certificate = page.getByRole("article", { name: "Certificate of completion" });
  await expect(certificate).toContainText("结业证书");
  await expect(certificate).toContainText("Certificate of completion");
  await expect(certificate).toContainText("天津城市建设管理职业技术学院");
  await expect(certificate).toContainText("Tianjin Urban Construction Management & Vocation Technology College");
  await expect(certificate).toContainText("Tajik Technical University named after academician M.S. Osimi");
  await expect(certificate).toContainText(`${a.givenName} ${a.familyName}`);
  await expect(certificate).toContainText(`${a.givenNameLatin} ${a.familyNameLatin}`);
  await expect(certificate).toContainText(number);
  await expectAccessible(page);
  await screenshot(page, "certificate");
  // The second language follows the choice; on paper only the certificate shows.
  await page.getByLabel("Second language").selectOption("ru");
  await expect(certificate).toContainText("Свидетельство об окончании курса");
  await expect(certificate).toContainText("Таджикский технический университет имени академика М.С. Осими");
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  await expect(page.getByRole("banner")).toBeHidden();
  await expect(certificate).toBeVisible();
  await screenshot(page, "certificate-print");
  await page.emulateMedia({ media: "screen" });

  // Anyone checks it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto("/verify");
  await page.getByLabel("Certificate number").fill(number);
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("Valid certificate")).toBeVisible();
  await expect(page.getByRole("cell", { name: "URT-101 · Urban rail transit operations" })).toBeVisible();
});

test("a CSV import shows each row's outcome, refused rows with their reason, and downloads the results", async ({
  page,
  baseURL,
}) => {
  const existing = await newTrainee(baseURL!);
  const created = documentNumber();
  const header =
    "family_name,given_name,family_name_latin,given_name_latin,sex,birth_date,citizenship,document_country,document_type,document_number,email,home_workshop";
  const csv = [
    header,
    `Назарова,Ситора,Nazarova,Sitora,f,2002-04-11,TJ,TJ,passport,${created},sitora@example.tj,1`,
    `Умаров,Фаррух,Умаров,Farrukh,m,1999-12-01,TJ,TJ,passport,${documentNumber()},,1`,
    `Саидов,Комрон,Saidov,Komron,m,1999-13-01,TJ,TJ,passport,${documentNumber()},,1`,
    `${existing.familyName},${existing.givenName},${existing.familyNameLatin},${existing.givenNameLatin},f,2000-05-17,TJ,TJ,passport,${existing.identityDocument.number},,1`,
    `"Шарипова, мл.",Нигина,Sharipova,Nigina,f,2001-01-09,TJ,TJ,national_id,${documentNumber()},not-an-address,1`,
    // Enough valid rows for a second batch (100 rows a call).
    ...Array.from(
      { length: 120 },
      (_, i) => `Импортова,Дилноза,Importova,Dilnoza,f,2003-03-03,TJ,TJ,passport,${documentNumber()}N${i},,1`,
    ),
  ].join("\n");

  await signIn(page, "COLLEGE_ADMIN");
  await page.goto("/trainees");
  await page.getByRole("link", { name: "Import a CSV" }).click();
  await expect(page.getByTestId("import-file")).toHaveText("No file chosen yet.");
  await page.locator('input[type="file"]').setInputFiles({
    name: "new-trainees.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv, "utf8"),
  });
  await expect(page.getByTestId("import-file")).toHaveText("new-trainees.csv");
  const calls: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/ImportTrainees")) calls.push(r.url());
  });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-progress")).toHaveText(
    "125 of 125 rows · 121 created, 1 already existed, 3 refused",
  );
  expect(calls).toHaveLength(2);
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");

  const results = page.getByRole("table", { name: "Results of each row" });
  const line = (n: number) => results.getByRole("row").filter({ has: page.getByRole("cell", { name: String(n), exact: true }) });
  await expect(line(2)).toContainText("Created");
  await expect(line(3)).toContainText("Refused");
  await expect(line(3)).toContainText("INVALID_ARGUMENT: family_name_latin: Latin letters");
  await expect(line(4)).toContainText("birth_date: '1999-13-01' is not a date (YYYY-MM-DD)");
  await expect(line(5)).toContainText("Already existed");
  await expect(line(5)).toContainText(existing.name);
  await expect(line(6)).toContainText("contacts.email");
  await expectAccessible(page);

  // Only the refused rows, on request.
  await expect(results.getByRole("row")).toHaveCount(126);
  await page.getByLabel("Only refused rows").check();
  await expect(results.getByRole("row")).toHaveCount(4);
  await screenshot(page, "import-results");

  // The same results file luban-admin writes.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the results (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("new-trainees.results.csv");
  const text = readFileSync((await download.path())!, "utf8");
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toBe("line,outcome,trainee,error_code,error_message");
  expect(lines).toHaveLength(126);
  expect(lines[1]).toMatch(/^2,CREATED,trainees\/\d+,,$/);
  expect(lines[3]).toBe("4,REFUSED,,INVALID_ARGUMENT,birth_date: '1999-13-01' is not a date (YYYY-MM-DD)");
  expect(lines[4]).toBe(`5,ALREADY_EXISTED,${existing.name},,`);

  // The created trainee is there, with the name as written.
  const found = await call<{ trainees?: { givenName: string; identityDocument: { number: string } }[] }>(
    baseURL!,
    "NETWORK_ADMIN",
    "luban.enrollment.v1.EnrollmentService/ListTrainees",
    { namePrefix: "Назарова", pageSize: 1000 },
  );
  expect(found.trainees?.some((t) => t.identityDocument.number === created && t.givenName === "Ситора")).toBe(true);
});

test("creating and editing a trainee: the service's refusals at their field, the etag guarding edits", async ({
  page,
  baseURL,
}) => {
  const number = documentNumber();
  await signIn(page, "COLLEGE_ADMIN");
  await page.goto("/trainees");
  await page.getByRole("link", { name: "New trainee" }).click();
  await page.getByLabel("Family name (native script)").fill("Ҷӯраева");
  await page.getByLabel("Given names (native script)").fill("Гулнора");
  await page.getByLabel("Family name (Latin)").fill("Jurayeva");
  await page.getByLabel("Given names (Latin)").fill("Gulnora");
  await page.getByLabel("Sex").selectOption({ label: "Female" });
  await page.getByLabel("Date of birth").fill("2004-02-29");
  await page.getByLabel("Citizenship").fill("tj");
  await page.getByLabel("Issuing country").fill("TJ");
  await page.getByLabel("Document type").selectOption({ label: "Passport" });
  await page.getByLabel("Document number").fill(number);
  await page.getByLabel("E-mail").fill("gulnora.example.tj");
  await page.getByRole("button", { name: "Create trainee" }).click();

  // The service's rule, at the field it names.
  const email = page.getByLabel("E-mail");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("an e-mail address such as name@example.tj")).toBeVisible();
  await expect(page.getByRole("alert").first()).toContainText("Some of what you entered is not accepted.");
  await expectAccessible(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, "trainee-form-error");
  await email.fill("gulnora@example.tj");
  await page.getByRole("button", { name: "Create trainee" }).click();

  await expect(page.getByRole("heading", { name: "Ҷӯраева Гулнора" })).toBeVisible();
  const details = page.getByRole("table", { name: "Trainee's details" });
  await expect(details).toContainText("Jurayeva Gulnora");
  await expect(details).toContainText(`Passport · TJ · ${number}`);
  await expect(details).toContainText("2004-02-29");
  await expect(details).toContainText("gulnora@example.tj");
  await expect(page.getByText("No enrollments yet.")).toBeVisible();
  const id = page.url().split("/").pop()!;

  // A second trainee with the same document is refused, pointing at the first.
  await page.goto("/trainees/new");
  await page.getByLabel("Family name (native script)").fill("Другая");
  await page.getByLabel("Given names (native script)").fill("Персона");
  await page.getByLabel("Family name (Latin)").fill("Drugaya");
  await page.getByLabel("Given names (Latin)").fill("Persona");
  await page.getByLabel("Date of birth").fill("2001-01-01");
  await page.getByLabel("Citizenship").fill("TJ");
  await page.getByLabel("Issuing country").fill("TJ");
  await page.getByLabel("Document type").selectOption({ label: "Passport" });
  await page.getByLabel("Document number").fill(number.toLowerCase());
  await page.getByRole("button", { name: "Create trainee" }).click();
  await expect(page.getByText("a trainee with this document already exists")).toBeVisible();
  await page.getByRole("link", { name: "Open the trainee who has this document" }).click();
  await expect(page).toHaveURL(new RegExp(`/trainees/${id}$`));

  // Edit: a new phone; the document cannot change.
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByLabel("Document number")).toBeDisabled();
  await page.getByLabel("Phone").fill("+992 93 555 0101");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("table", { name: "Trainee's details" })).toContainText("+992 93 555 0101");
  await expectAccessible(page);
  await screenshot(page, "trainee");

  // Someone else changes the trainee while the form is open: the save is refused (stale etag),
  // nothing is overwritten, and "try again" starts the form from the stored trainee.
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Address").fill("Душанбе, кӯчаи Айнӣ 12");
  const stored = await call<TraineeJson>(baseURL!, "NETWORK_ADMIN", "luban.enrollment.v1.EnrollmentService/GetTrainee", {
    name: `trainees/${id}`,
  });
  await call(baseURL!, "NETWORK_ADMIN", "luban.enrollment.v1.EnrollmentService/UpdateTrainee", {
    trainee: { name: stored.name, etag: stored.etag, givenNameLatin: "Gulnor" },
    updateMask: "givenNameLatin",
    requestId: crypto.randomUUID(),
  });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("Someone changed this at the same time.");
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByLabel("Given names (Latin)")).toHaveValue("Gulnor");
  await expect(page.getByLabel("Address")).toHaveValue("");
});

test("a network admin revokes a certificate with a reason; the public page then says revoked", async ({
  page,
  baseURL,
}) => {
  const { trainee, certificate, number } = await newCertificate(baseURL!);
  const path = `/certificates/${certificate.split("/")[1]}`;

  // A college admin sees the certificate (on the trainee's page too) but may not revoke it.
  await signIn(page, "COLLEGE_ADMIN");
  await page.goto(`/trainees/${trainee.name.split("/")[1]}`);
  await page.getByRole("table", { name: "Certificates" }).getByRole("link", { name: number }).click();
  await expect(page.getByRole("article", { name: "Certificate of completion" })).toContainText(number);
  await expect(page.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, "NETWORK_ADMIN");
  await page.goto(path);
  await page.getByRole("button", { name: "Revoke" }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke certificate ${number}` });
  await expect(dialog.getByRole("button", { name: "Revoke the certificate" })).toBeDisabled();
  await dialog.getByLabel("Reason").fill("issued against the wrong enrolment");
  await dialog.getByRole("button", { name: "Revoke the certificate" }).click();
  await expect(page.getByText("This certificate has been revoked")).toBeVisible();
  await expect(page.getByText("Reason: issued against the wrong enrolment")).toBeVisible();
  await expect(page.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, "certificate-revoked");

  // The link printed on the certificate checks it at once.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto(`/verify/${encodeURIComponent(number)}`);
  await expect(page.getByLabel("Certificate number")).toHaveValue(number);
  await expect(page.getByText("This certificate has been revoked")).toBeVisible();
  await expect(page.getByText("Valid certificate")).toHaveCount(0);
});
