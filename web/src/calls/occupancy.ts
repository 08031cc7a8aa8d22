// Seats taken and waitlist length of course runs, counted from their enrollments.
import { enrollment } from "./api.js";
import { listAll } from "./reference.js";
import { EnrollmentState } from "../gen/luban/enrollment/v1/enrollment_pb.js";

export interface Occupancy {
  enrolled: number;
  waitlisted: number;
}

// The enrollments in `state` the caller may read, every page.
function inState(state: EnrollmentState, signal: AbortSignal) {
  return listAll(async (pageToken) => {
    const page = await enrollment.listEnrollments(
      { state, pageSize: 1000, pageToken },
      { signal },
    );
    return { items: page.enrollments, nextPageToken: page.nextPageToken };
  });
}

// The occupancy of every run the caller may read, as a lookup by the run's resource name. Two
// list calls for all the runs (the enrolled and the waitlisted enrollments the caller may read,
// which are every enrollment of a run it may read) rather than two per run, and with no need to
// know the runs first: a home page reads them alongside its runs. What they read is bounded by the
// seats and waitlists of the runs under way, not by the network's history.
export async function occupancies(signal: AbortSignal): Promise<(run: string) => Occupancy> {
  const [enrolled, waitlisted] = await Promise.all([
    inState(EnrollmentState.ENROLLED, signal),
    inState(EnrollmentState.WAITLISTED, signal),
  ]);
  const counts = new Map<string, Occupancy>();
  const of = (run: string) => {
    let c = counts.get(run);
    if (c === undefined) counts.set(run, (c = { enrolled: 0, waitlisted: 0 }));
    return c;
  };
  for (const e of enrolled) of(e.courseRun).enrolled++;
  for (const e of waitlisted) of(e.courseRun).waitlisted++;
  return (run) => counts.get(run) ?? { enrolled: 0, waitlisted: 0 };
}
