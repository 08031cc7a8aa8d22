// Seats taken and waitlist length of a course run, counted from its enrollments.
import { enrollment } from "./api.js";
import { EnrollmentState } from "../gen/luban/enrollment/v1/enrollment_pb.js";

export interface Occupancy {
  enrolled: number;
  waitlisted: number;
}

async function count(run: string, state: EnrollmentState, signal: AbortSignal): Promise<number> {
  let total = 0;
  let pageToken = "";
  do {
    const page = await enrollment.listEnrollments(
      { courseRun: run, state, pageSize: 1000, pageToken },
      { signal },
    );
    total += page.enrollments.length;
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return total;
}

export async function occupancy(run: string, signal: AbortSignal): Promise<Occupancy> {
  const [enrolled, waitlisted] = await Promise.all([
    count(run, EnrollmentState.ENROLLED, signal),
    count(run, EnrollmentState.WAITLISTED, signal),
  ]);
  return { enrolled, waitlisted };
}
