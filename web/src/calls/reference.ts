// The network's reference data (institutions, workshops, the catalogue, runs, programmes) read
// whole, every page of it: the choices of a form's selects and the names shown beside records.
// These lists grow with the network, not with its trainees.
import type { MessageInitShape } from "@bufbuild/protobuf";

import { course, exchange } from "./api.js";
import type {
  Course,
  CourseRun,
  Institution,
  ListCourseRunsRequestSchema,
  Workshop,
} from "../gen/luban/course/v1/course_pb.js";
import type { Programme } from "../gen/luban/exchange/v1/exchange_pb.js";

// Every page of a list call, in order.
export async function listAll<T>(
  page: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  do {
    const next = await page(token);
    all.push(...next.items);
    token = next.nextPageToken;
  } while (token !== "");
  return all;
}

const PAGE = 1000;

export function allInstitutions(signal?: AbortSignal): Promise<Institution[]> {
  return listAll(async (pageToken) => {
    const r = await course.listInstitutions({ pageSize: PAGE, pageToken }, { signal });
    return { items: r.institutions, nextPageToken: r.nextPageToken };
  });
}

export function allWorkshops(signal?: AbortSignal, institution = ""): Promise<Workshop[]> {
  return listAll(async (pageToken) => {
    const r = await course.listWorkshops({ pageSize: PAGE, pageToken, institution }, { signal });
    return { items: r.workshops, nextPageToken: r.nextPageToken };
  });
}

export function allCourses(signal?: AbortSignal): Promise<Course[]> {
  return listAll(async (pageToken) => {
    const r = await course.listCourses({ pageSize: PAGE, pageToken }, { signal });
    return { items: r.courses, nextPageToken: r.nextPageToken };
  });
}

export function allRuns(
  signal?: AbortSignal,
  filter: MessageInitShape<typeof ListCourseRunsRequestSchema> = {},
): Promise<CourseRun[]> {
  return listAll(async (pageToken) => {
    const r = await course.listCourseRuns({ ...filter, pageSize: PAGE, pageToken }, { signal });
    return { items: r.courseRuns, nextPageToken: r.nextPageToken };
  });
}

export function allProgrammes(signal?: AbortSignal, institution = ""): Promise<Programme[]> {
  return listAll(async (pageToken) => {
    const r = await exchange.listProgrammes({ pageSize: PAGE, pageToken, institution }, { signal });
    return { items: r.programmes, nextPageToken: r.nextPageToken };
  });
}

// Every row of a server-streaming export (ExportEnrollments, ExportTrainees, ExportMobilities),
// the latest version of each row kept (by its resource name), as luban-report reads them.
export async function exportAll<R, T extends { name: string }>(
  stream: AsyncIterable<R>,
  rows: (batch: R) => T[],
): Promise<T[]> {
  const byName = new Map<string, T>();
  for await (const batch of stream) {
    for (const row of rows(batch)) byName.set(row.name, row);
  }
  return [...byName.values()];
}
