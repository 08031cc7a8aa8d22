// A run's page's calls: the run, its course and workshop, its enrollments with their trainees
// and certificates.
import { course, enrollment } from "./api.js";
import { listAll } from "./reference.js";
import type { Course, CourseRun, Workshop } from "../gen/luban/course/v1/course_pb.js";
import {
  type Certificate,
  type Enrollment,
  EnrollmentState,
  type Trainee,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";

// What a run's page shows of the run and its enrollments, by name: what its change feeds' news
// is told against (app/runChanges.ts).
export interface Shown {
  run: CourseRun;
  enrollments: Map<string, Enrollment>;
}

export interface Row {
  enrollment: Enrollment;
  trainee?: Trainee;
  certificate?: Certificate;
}

export interface RunData {
  run: CourseRun;
  course: Course;
  workshop: Workshop;
  // Every enrollment of the run by name (withdrawn and cancelled too), as the feeds' news is told.
  shown: Shown;
  enrolled: Row[];
  waitlisted: Row[];
  results: Row[];
}

// A run's enrollments, their trainees and the certificates issued for it: one list call each
// (every page of it), however many trainees the run has.
async function runPeople(run: string, signal: AbortSignal) {
  const filter = { courseRun: run, pageSize: 1000 };
  return Promise.all([
    listAll(async (pageToken) => {
      const r = await enrollment.listEnrollments({ ...filter, pageToken }, { signal });
      return { items: r.enrollments, nextPageToken: r.nextPageToken };
    }),
    listAll(async (pageToken) => {
      const r = await enrollment.listTrainees({ ...filter, pageToken }, { signal });
      return { items: r.trainees, nextPageToken: r.nextPageToken };
    }),
    listAll(async (pageToken) => {
      const r = await enrollment.listCertificates({ ...filter, pageToken }, { signal });
      return { items: r.certificates, nextPageToken: r.nextPageToken };
    }),
  ]);
}

// The run's course and workshop, from the catalogue and the caller's workshops read beside the
// run (as the home page reads them): no second round of calls after the run's own for them, but
// for one that is not among them.
async function courseAndWorkshop(
  run: CourseRun,
  reference: Promise<[Course[], Workshop[]] | undefined>,
  signal: AbortSignal,
): Promise<[Course, Workshop]> {
  const [courses, workshops] = (await reference) ?? [[], []];
  return Promise.all([
    courses.find((c) => c.name === run.course) ?? course.getCourse({ name: run.course }, { signal }),
    workshops.find((w) => w.name === run.workshop) ??
      course.getWorkshop({ name: run.workshop }, { signal }),
  ]);
}

// Everything a run's page shows.
export function runData(name: string, institution: string) {
  return async (signal: AbortSignal): Promise<RunData> => {
    // Its people and the names it needs alongside the run.
    const people = runPeople(name, signal);
    const reference = Promise.all([
      course.listCourses({ pageSize: 1000 }, { signal }).then((r) => r.courses),
      course.listWorkshops({ institution, pageSize: 200 }, { signal }).then((r) => r.workshops),
    ]).catch(() => undefined); // (then one by one)
    const run = await course.getCourseRun({ name }, { signal }).catch((error: unknown) => {
      void people.catch(() => undefined); // the run's error is the one to show
      throw error;
    });
    const [[c, workshop], [enrollments, trainees, certificates]] = await Promise.all([
      courseAndWorkshop(run, reference, signal),
      people,
    ]);
    const traineeOf = new Map(trainees.map((t) => [t.name, t]));
    const certificateOf = new Map(certificates.map((c) => [c.name, c]));
    const rows = enrollments.map(
      (e): Row => ({
        enrollment: e,
        trainee: traineeOf.get(e.trainee),
        certificate: certificateOf.get(e.certificate),
      }),
    );
    const inState = (...states: EnrollmentState[]) =>
      rows.filter((r) => states.includes(r.enrollment.state));
    const waitlisted = inState(EnrollmentState.WAITLISTED);
    waitlisted.sort((a, b) => a.enrollment.waitlistPosition - b.enrollment.waitlistPosition);
    return {
      run,
      course: c,
      workshop,
      shown: { run, enrollments: new Map(enrollments.map((e) => [e.name, e])) },
      enrolled: inState(EnrollmentState.ENROLLED),
      waitlisted,
      results: inState(EnrollmentState.COMPLETED, EnrollmentState.FAILED),
    };
  };
}

// The key of a run's load (useCall, prefetch).
export const runKey = (name: string) => `run:${name}`;
