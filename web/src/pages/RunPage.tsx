import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";

import { useI18n } from "../app/i18n.js";
import { enrollmentStateKey, traineeName } from "../app/people.js";
import { useRunChanges } from "../app/runChanges.js";
import { useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { type Row, type RunData, runData, runKey } from "../calls/run.js";
import { CompletionTable } from "../components/CompletionTable.js";
import { EnrollPanel } from "../components/EnrollPanel.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { HistoryPanel } from "../components/HistoryPanel.js";
import { WithdrawDialog, type WithdrawTarget } from "../components/WithdrawDialog.js";
import { CourseRunStatus } from "../gen/luban/course/v1/course_pb.js";
import { EnrollmentState } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";
import { statusKey } from "./Home.js";

export { traineeName };

const rowName = (row: Row) => traineeName(row.trainee) || row.enrollment.trainee;

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
    runKey(name),
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
