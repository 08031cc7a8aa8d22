import { Badge, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useParams } from "react-router";

import { course, enrollment } from "../app/api.js";
import { useI18n } from "../app/i18n.js";
import { isoDate, localized } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import type { Course, CourseRun, Workshop } from "../gen/luban/course/v1/course_pb.js";
import {
  type Enrollment,
  EnrollmentState,
  type Trainee,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";
import { statusKey } from "./Home.js";

interface Row {
  enrollment: Enrollment;
  trainee?: Trainee;
}

interface RunData {
  run: CourseRun;
  course: Course;
  workshop: Workshop;
  enrolled: Row[];
  waitlisted: Row[];
}

async function rows(run: string, state: EnrollmentState, signal: AbortSignal): Promise<Row[]> {
  const page = await enrollment.listEnrollments(
    { courseRun: run, state, pageSize: 1000 },
    { signal },
  );
  const trainees = await Promise.all(
    page.enrollments.map((e) =>
      enrollment.getTrainee({ name: e.trainee }, { signal }).catch(() => undefined),
    ),
  );
  return page.enrollments.map((e, i) => ({ enrollment: e, trainee: trainees[i] }));
}

// A trainee's name in its own script, with the Latin beside it.
export function traineeName(trainee: Trainee | undefined): string {
  if (!trainee) return "";
  const native = `${trainee.familyName} ${trainee.givenName}`.trim();
  const latin = `${trainee.familyNameLatin} ${trainee.givenNameLatin}`.trim();
  return latin !== "" && latin !== native ? `${native} (${latin})` : native;
}

function People({ title, people, ordered }: { title: string; people: Row[]; ordered?: boolean }) {
  const { t } = useI18n();
  return (
    <Stack gap="xs">
      <Title order={3}>{title}</Title>
      {people.length === 0 ? (
        <Text c="dimmed">{t("run.none")}</Text>
      ) : (
        <Table>
          <Table.Tbody>
            {people.map((row) => (
              <Table.Tr key={row.enrollment.name}>
                {ordered && <Table.Td>{row.enrollment.waitlistPosition}</Table.Td>}
                <Table.Td>{traineeName(row.trainee) || row.enrollment.trainee}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

// One course run: its course and workshop, seats taken of capacity, who is enrolled and who waits,
// in order.
export function RunPage() {
  const { t, language } = useI18n();
  const { id } = useParams();
  const name = `courseRuns/${id ?? ""}`;
  const { data, error, loading, reload } = useCall<RunData>(
    async (signal) => {
      const run = await course.getCourseRun({ name }, { signal });
      const [c, workshop, enrolled, waitlisted] = await Promise.all([
        course.getCourse({ name: run.course }, { signal }),
        course.getWorkshop({ name: run.workshop }, { signal }),
        rows(name, EnrollmentState.ENROLLED, signal),
        rows(name, EnrollmentState.WAITLISTED, signal),
      ]);
      waitlisted.sort((a, b) => a.enrollment.waitlistPosition - b.enrollment.waitlistPosition);
      return { run, course: c, workshop, enrolled, waitlisted };
    },
    [name],
  );
  if (error) {
    const code = ConnectError.from(error).code;
    // Another college's run looks exactly like one that does not exist.
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={error} onRetry={reload} />;
  }
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  return (
    <Stack>
      <Title order={2}>
        {data.course.code} · {localized(data.course.titles, language)}
      </Title>
      <Group>
        <Text>{localized(data.workshop.displayNames, language)}</Text>
        <Text>
          {isoDate(data.run.startDate)} – {isoDate(data.run.endDate)}
        </Text>
        <Badge variant="light">{t(statusKey(data.run.status))}</Badge>
        <Text aria-label={t("run.seats")}>
          {t("run.seats")}: {data.enrolled.length} / {data.run.capacity}
        </Text>
        <Text>
          {t("run.waitlist")}: {data.waitlisted.length}
        </Text>
      </Group>
      <People title={t("run.enrolled")} people={data.enrolled} />
      <People title={t("run.waitlisted")} people={data.waitlisted} ordered />
    </Stack>
  );
}
