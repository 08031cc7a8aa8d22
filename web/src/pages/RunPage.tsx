import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useCallback, useState } from "react";
import { Link, type Params, useParams } from "react-router";

import { course, enrollment } from "../app/api.js";
import { useI18n } from "../app/i18n.js";
import { enrollmentStateKey, traineeName } from "../app/people.js";
import { listAll } from "../app/reference.js";
import { type Shown, useRunChanges } from "../app/runChanges.js";
import { type Caller, useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { prefetch as prefetchCall, useCall } from "../app/useCall.js";
import { CompletionTable } from "../components/CompletionTable.js";
import { EnrollPanel } from "../components/EnrollPanel.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { HistoryPanel } from "../components/HistoryPanel.js";
import { WithdrawDialog, type WithdrawTarget } from "../components/WithdrawDialog.js";
import {
  type Course,
  type CourseRun,
  CourseRunStatus,
  type Workshop,
} from "../gen/luban/course/v1/course_pb.js";
import {
  type Certificate,
  type Enrollment,
  EnrollmentState,
  type Trainee,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";
import { statusKey } from "./Home.js";

export { traineeName };

interface Row {
  enrollment: Enrollment;
  trainee?: Trainee;
  certificate?: Certificate;
}

interface RunData {
  run: CourseRun;
  course: Course;
  workshop: Workshop;
  // Every enrollment of the run by name (withdrawn and cancelled too), as the feeds' news is told.
  shown: Shown;
  enrolled: Row[];
  waitlisted: Row[];
  results: Row[];
}

const rowName = (row: Row) => traineeName(row.trainee) || row.enrollment.trainee;

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

function People({
  title,
  people,
  ordered,
  onWithdraw,
}: {
  title: string;
  people: Row[];
  ordered?: boolean;
  onWithdraw?: (row: Row) => void;
}) {
  const { t } = useI18n();
  return (
    <Stack gap="xs">
      <Title order={3}>{title}</Title>
      {people.length === 0 ? (
        <Text c="dimmed">{t("run.none")}</Text>
      ) : (
        <Table aria-label={title}>
          <Table.Tbody>
            {people.map((row) => (
              <Table.Tr key={row.enrollment.name}>
                {ordered && <Table.Td w={60}>{row.enrollment.waitlistPosition}</Table.Td>}
                <Table.Td>
                  <Anchor component={Link} to={`/trainees/${resourceId(row.enrollment.trainee)}`}>
                    {rowName(row)}
                  </Anchor>
                </Table.Td>
                {onWithdraw && (
                  <Table.Td w={140}>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={t("withdraw.actionFor", { name: rowName(row) })}
                      onClick={() => onWithdraw(row)}
                    >
                      {t("withdraw.action")}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function Results({ rows }: { rows: Row[] }) {
  const { t } = useI18n();
  if (rows.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={3}>{t("complete.results")}</Title>
      <Table aria-label={t("complete.results")}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("trainee.name")}</Table.Th>
            <Table.Th>{t("run.status")}</Table.Th>
            <Table.Th>{t("complete.score")}</Table.Th>
            <Table.Th>{t("complete.attendance")}</Table.Th>
            <Table.Th>{t("complete.certificate")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.enrollment.name}>
              <Table.Td>{rowName(row)}</Table.Td>
              <Table.Td>
                <Badge
                  variant="light"
                  color={row.enrollment.state === EnrollmentState.COMPLETED ? "green" : "gray"}
                >
                  {t(enrollmentStateKey(row.enrollment.state))}
                </Badge>
              </Table.Td>
              <Table.Td>{row.enrollment.finalScore}</Table.Td>
              <Table.Td>{row.enrollment.attendancePercent}%</Table.Td>
              <Table.Td>
                {row.enrollment.certificate !== "" && (
                  <Anchor
                    component={Link}
                    to={`/certificates/${resourceId(row.enrollment.certificate)}`}
                  >
                    {row.certificate?.number ?? t("complete.certificate")}
                  </Anchor>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
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
function runData(name: string, institution: string) {
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

// The page's calls, started before its first render (main.tsx).
export function prefetch(params: Params, caller: Caller): void {
  const name = `courseRuns/${params.id ?? ""}`;
  prefetchCall(`run:${name}`, runData(name, caller.institution));
}

// One course run: its course and workshop, seats taken of capacity, who is enrolled and who waits,
// in order; enrolling and withdrawing while it is open, results once it runs. It follows changes
// made elsewhere without reloading.
export function RunPage() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const { id } = useParams();
  const name = `courseRuns/${id ?? ""}`;
  const [withdrawing, setWithdrawing] = useState<WithdrawTarget | null>(null);
  const [withdrawn, setWithdrawn] = useState<WithdrawTarget | null>(null);
  const institution = caller?.institution ?? "";
  const { data, error, loading, reload } = useCall<RunData>(
    runData(name, institution),
    [name, institution],
    `run:${name}`,
  );
  const follow = useRunChanges(name, data?.shown, reload);
  const changed = useCallback(() => reload(), [reload]);

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
  const manages = caller?.role === "ROLE_NETWORK_ADMIN" || caller?.role === "ROLE_COLLEGE_ADMIN";
  const status = data.run.status;
  const open = status === CourseRunStatus.OPEN;
  const running = status === CourseRunStatus.IN_PROGRESS || status === CourseRunStatus.COMPLETED;
  const mayWithdraw = manages && (open || status === CourseRunStatus.IN_PROGRESS);
  const askWithdraw = (row: Row) =>
    setWithdrawing({
      enrollment: row.enrollment,
      name: rowName(row),
      nextUp:
        row.enrollment.state === EnrollmentState.ENROLLED && data.waitlisted.length > 0
          ? rowName(data.waitlisted[0])
          : undefined,
    });
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
        <Text size="sm" c="dimmed" data-testid="follow-mode">
          {follow === "live" ? t("enroll.live") : ""}
        </Text>
      </Group>
      {withdrawn && (
        <Alert color="green" role="status" withCloseButton={false}>
          {t("withdraw.done", { name: withdrawn.name })}
          {withdrawn.nextUp && ` ${t("withdraw.movedUp", { name: withdrawn.nextUp })}`}
        </Alert>
      )}
      <People
        title={t("run.enrolled")}
        people={data.enrolled}
        onWithdraw={mayWithdraw ? askWithdraw : undefined}
      />
      <People
        title={t("run.waitlisted")}
        people={data.waitlisted}
        ordered
        onWithdraw={mayWithdraw ? askWithdraw : undefined}
      />
      {manages && open && <EnrollPanel run={name} onEnrolled={changed} />}
      {manages && running && (
        <CompletionTable
          run={data.run}
          rows={data.enrolled.map((row) => ({ enrollment: row.enrollment, name: rowName(row) }))}
          onRecorded={changed}
        />
      )}
      <Results rows={data.results} />
      <WithdrawDialog
        target={withdrawing}
        onClose={() => setWithdrawing(null)}
        onWithdrawn={() => {
          setWithdrawn(withdrawing);
          setWithdrawing(null);
          reload();
        }}
      />
      {/* The run's history from the course service's audit trail. */}
      {manages && <HistoryPanel service="course" resource={data.run.name} />}
    </Stack>
  );
}
