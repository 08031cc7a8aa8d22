import { Anchor, Badge, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Link, type Params } from "react-router";

import { course } from "../app/api.js";
import { useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import { occupancies, type Occupancy } from "../app/occupancy.js";
import { type Caller, useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { prefetch, useCall } from "../app/useCall.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { RoleLinks } from "../components/RoleLinks.js";
import {
  type Course,
  type CourseRun,
  CourseRunStatus,
  type Workshop,
} from "../gen/luban/course/v1/course_pb.js";

export function statusKey(status: CourseRunStatus): MessageKey {
  switch (status) {
    case CourseRunStatus.OPEN:
      return "status.open";
    case CourseRunStatus.IN_PROGRESS:
      return "status.in_progress";
    case CourseRunStatus.COMPLETED:
      return "status.completed";
    case CourseRunStatus.CANCELLED:
      return "status.cancelled";
    default:
      return "status.scheduled";
  }
}

interface HomeData {
  workshops: Workshop[];
  runs: { run: CourseRun; course?: Course; seats: Occupancy }[];
}

// What the home page shows: a college's workshops and open runs with their seats.
function homeData(institution: string) {
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

// The home page's calls, started before its first render (main.tsx).
export function prefetchHome(_params: Params, caller: Caller): void {
  prefetch(`home:${caller.institution}`, homeData(caller.institution));
}

// A college's workshops and open course runs (a network admin: the network's), with seats taken
// of capacity and the waitlist's length.
export function Home() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const institution = caller?.institution ?? "";
  const { data, error, loading, reload } = useCall<HomeData>(
    homeData(institution),
    [institution],
    `home:${institution}`,
  );
  if (error) return <ErrorNotice error={error} onRetry={reload} />;
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const workshopName = new Map(data.workshops.map((w) => [w.name, localized(w.displayNames, language)]));
  return (
    <Stack>
      <RoleLinks />
      <Title order={2}>{t("home.workshops")}</Title>
      <Stack gap={4}>
        {data.workshops.map((w) => (
          <Text key={w.name}>
            {localized(w.displayNames, language)} · {w.city}
          </Text>
        ))}
      </Stack>
      <Title order={2}>{t("home.runs")}</Title>
      {data.runs.length === 0 ? (
        <Text>{t("home.noRuns")}</Text>
      ) : (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("run.course")}</Table.Th>
              <Table.Th>{t("home.workshops")}</Table.Th>
              <Table.Th>{t("run.dates")}</Table.Th>
              <Table.Th>{t("run.status")}</Table.Th>
              <Table.Th>{t("run.seats")}</Table.Th>
              <Table.Th>{t("run.waitlist")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.runs.map(({ run, course: c, seats }) => (
              <Table.Tr key={run.name}>
                <Table.Td>
                  <Anchor component={Link} to={`/runs/${resourceId(run.name)}`}>
                    {c ? `${c.code} · ${localized(c.titles, language)}` : run.course}
                  </Anchor>
                </Table.Td>
                <Table.Td>{workshopName.get(run.workshop) ?? run.workshop}</Table.Td>
                <Table.Td>
                  {isoDate(run.startDate)} – {isoDate(run.endDate)}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(statusKey(run.status))}</Badge>
                </Table.Td>
                <Table.Td>
                  {seats.enrolled} / {run.capacity}
                </Table.Td>
                <Table.Td>{seats.waitlisted}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
