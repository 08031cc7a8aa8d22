// The reporting dashboard's calls: everything luban-report reads.
import { enrollment, exchange } from "./api.js";
import {
  allCourses,
  allInstitutions,
  allProgrammes,
  allRuns,
  allWorkshops,
  exportAll,
} from "./reference.js";
import type { DashboardData } from "../app/dashboard.js";
import type { Enrollment } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import type { Mobility } from "../gen/luban/exchange/v1/exchange_pb.js";

// The trainees and the reference lists: what the exports' rows name.
async function named(signal: AbortSignal) {
  const [trainees, institutions, workshops, courses, runs, programmes] = await Promise.all([
    exportAll(enrollment.exportTrainees({}, { signal }), (b) => b.trainees),
    allInstitutions(signal),
    allWorkshops(signal),
    allCourses(signal),
    allRuns(signal),
    allProgrammes(signal),
  ]);
  return { trainees, institutions, workshops, courses, runs, programmes };
}

// Whether every trainee, run, workshop and programme the exports name is in the lists.
function complete(
  enrollments: Enrollment[],
  mobilities: Mobility[],
  lists: Awaited<ReturnType<typeof named>>,
): boolean {
  const has = (names: { name: string }[]) => new Set(names.map((x) => x.name));
  const [trainees, runs, workshops, programmes] = [
    has(lists.trainees),
    has(lists.runs),
    has(lists.workshops),
    has(lists.programmes),
  ];
  return (
    enrollments.every((e) => trainees.has(e.trainee) && runs.has(e.courseRun)) &&
    lists.runs.every((r) => workshops.has(r.workshop)) &&
    mobilities.every((m) => programmes.has(m.programme))
  );
}

// Everything luban-report reads: the enrollment and mobility exports, the trainees' export and
// the reference lists, all at once. Read at once, the lists can miss a trainee or a run created
// while the exports ran; then they are read again after the exports, as luban-report reads them,
// so that every one the exports name is there.
export async function dashboardData(signal: AbortSignal): Promise<DashboardData> {
  // The exports first: they take longest.
  const exports = Promise.all([
    exportAll(enrollment.exportEnrollments({}, { signal }), (b) => b.enrollments),
    exportAll(exchange.exportMobilities({}, { signal }), (b) => b.mobilities),
  ]);
  const early = named(signal);
  void early.catch(() => undefined); // an export's error is the one to show
  const [enrollments, mobilities] = await exports;
  let lists = await early;
  if (!complete(enrollments, mobilities, lists)) lists = await named(signal);
  return { ...lists, enrollments, mobilities };
}

// The key of the dashboard's load (useCall, prefetch).
export const DASHBOARD_KEY = "dashboard";
