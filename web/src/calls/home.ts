// The home page's calls: a college's workshops and open runs with their seats (a network admin:
// the network's).
import { course } from "./api.js";
import { occupancies, type Occupancy } from "./occupancy.js";
import {
  type Course,
  type CourseRun,
  CourseRunStatus,
  type Workshop,
} from "../gen/luban/course/v1/course_pb.js";

export interface HomeData {
  workshops: Workshop[];
  runs: { run: CourseRun; course?: Course; seats: Occupancy }[];
}

// What the home page shows: a college's workshops and open runs with their seats.
export function homeData(institution: string) {
  return async (signal: AbortSignal): Promise<HomeData> => {
    const [workshops, runs, courses, seats] = await Promise.all([
      course.listWorkshops({ institution, pageSize: 200 }, { signal }),
      course.listCourseRuns(
        { institution, status: CourseRunStatus.OPEN, pageSize: 200 },
        { signal },
      ),
      course.listCourses({ pageSize: 1000 }, { signal }),
      occupancies(signal),
    ]);
    const byName = new Map(courses.courses.map((c) => [c.name, c]));
    return {
      workshops: workshops.workshops,
      runs: runs.courseRuns.map((run) => ({
        run,
        course: byName.get(run.course),
        seats: seats(run.name),
      })),
    };
  };
}

// The key of the home page's load (useCall, prefetch).
export const homeKey = (institution: string) => `home:${institution}`;
