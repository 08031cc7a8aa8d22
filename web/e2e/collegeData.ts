// Records of the college admin's journeys, made for each test by the network admin's direct
// calls (so that no test depends on another's data or order): trainees with unique names and
// documents at the college admin's workshop, runs of their own, enrollments, certificates.
import { randomInt, randomUUID } from "node:crypto";

import { call } from "./suite.js";

// The demo college admin's institution (institutions/2) is the partner of workshops/1 (TJ).
export const WORKSHOP = "workshops/1";
const COURSE = "courses/1"; // URT-101, taught in ru, zh, tg, kk

const CYRILLIC = "абвгдежзиклмнопрстуфхчшэюяҷқғӯҳӣ";
const LATIN = "abcdefghijklmnopqrstuvwxyz";

function letters(alphabet: string, n: number): string {
  return Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

export interface TraineeJson {
  name: string;
  familyName: string;
  givenName: string;
  familyNameLatin: string;
  givenNameLatin: string;
  etag: string;
  identityDocument: { countryCode: string; type: string; number: string };
}

export interface EnrollmentJson {
  name: string;
  state: string;
  waitlistPosition?: number;
  certificate?: string;
  etag: string;
}

// A unique identity document number.
export function documentNumber(): string {
  return `E2E${Date.now().toString(36).toUpperCase()}${letters("ABCDEFGHJKLMNPQRSTUVWXYZ", 4)}`;
}

// A new trainee with a unique family name in Cyrillic (with Tajik letters) and in Latin.
export async function newTrainee(baseURL: string): Promise<TraineeJson> {
  const family = capital(letters(CYRILLIC, 8));
  return call<TraineeJson>(baseURL, "NETWORK_ADMIN", "luban.enrollment.v1.EnrollmentService/CreateTrainee", {
    trainee: {
      familyName: family,
      givenName: capital(letters(CYRILLIC, 5)),
      familyNameLatin: capital(letters(LATIN, 9)),
      givenNameLatin: capital(letters(LATIN, 5)),
      sex: "SEX_FEMALE",
      birthDate: { year: 2000, month: 5, day: 17 },
      citizenship: "TJ",
      identityDocument: { countryCode: "TJ", type: "DOCUMENT_TYPE_PASSPORT", number: documentNumber() },
      homeWorkshop: WORKSHOP,
    },
    requestId: randomUUID(),
  });
}

// How the console shows a trainee: the native name with the Latin beside it.
export function shownName(t: TraineeJson): string {
  return `${t.familyName} ${t.givenName} (${t.familyNameLatin} ${t.givenNameLatin})`;
}

// A new run at the college's workshop, open for enrollment; returns its name ("courseRuns/N").
export async function newOpenRun(baseURL: string, capacity: number): Promise<string> {
  const run = await call<{ name: string }>(baseURL, "NETWORK_ADMIN", "luban.course.v1.CourseService/CreateCourseRun", {
    courseRun: {
      course: COURSE,
      workshop: WORKSHOP,
      startDate: { year: 2027, month: 5, day: 3 },
      endDate: { year: 2027, month: 6, day: 25 },
      capacity,
      languageCode: "ru",
      passScore: 60,
      minAttendancePercent: 80,
    },
    requestId: randomUUID(),
  });
  await call(baseURL, "NETWORK_ADMIN", "luban.course.v1.CourseService/OpenCourseRun", {
    name: run.name,
    requestId: randomUUID(),
  });
  return run.name;
}

export async function startRun(baseURL: string, run: string): Promise<void> {
  await call(baseURL, "NETWORK_ADMIN", "luban.course.v1.CourseService/StartCourseRun", {
    name: run,
    requestId: randomUUID(),
  });
}

export function enroll(baseURL: string, trainee: TraineeJson, run: string): Promise<EnrollmentJson> {
  return call<EnrollmentJson>(baseURL, "NETWORK_ADMIN", "luban.enrollment.v1.EnrollmentService/Enroll", {
    trainee: trainee.name,
    courseRun: run,
    requestId: randomUUID(),
  });
}

export async function enrollments(baseURL: string, run: string): Promise<EnrollmentJson[]> {
  const answer = await call<{ enrollments?: (EnrollmentJson & { trainee: string })[] }>(
    baseURL,
    "NETWORK_ADMIN",
    "luban.enrollment.v1.EnrollmentService/ListEnrollments",
    { courseRun: run, pageSize: 1000 },
  );
  return answer.enrollments ?? [];
}

// A trainee holding a fresh valid certificate: its run, enrolment and result made by direct calls.
export async function newCertificate(
  baseURL: string,
): Promise<{ trainee: TraineeJson; certificate: string; number: string }> {
  const run = await newOpenRun(baseURL, 1);
  const trainee = await newTrainee(baseURL);
  const enrolled = await enroll(baseURL, trainee, run);
  await startRun(baseURL, run);
  const completed = await call<EnrollmentJson>(
    baseURL,
    "NETWORK_ADMIN",
    "luban.enrollment.v1.EnrollmentService/Complete",
    { name: enrolled.name, finalScore: 91, attendancePercent: 97, requestId: randomUUID() },
  );
  const certificate = await call<{ name: string; number: string }>(
    baseURL,
    "NETWORK_ADMIN",
    "luban.enrollment.v1.EnrollmentService/GetCertificate",
    { name: completed.certificate },
  );
  return { trainee, certificate: certificate.name, number: certificate.number };
}
