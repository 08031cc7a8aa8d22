import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useState, type FormEvent } from "react";
import { useFocusFirst } from "../../app/focus.js";
import { Link, useNavigate, useParams } from "react-router";

import { parseIsoDate } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import { type RunAction, runActions } from "../../app/lifecycle.js";
import type { MessageKey } from "../../app/messages.js";
import { type Action, useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { isoDate, localized, resourceId } from "../../app/text.js";
import { useCall } from "../../app/useCall.js";
import { allCourses, allWorkshops } from "../../calls/reference.js";
import { course, newRequestId } from "../../calls/api.js";
import { ConfirmPanel } from "../../components/ConfirmPanel.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { FormActions } from "../../components/FormActions.js";
import { HistoryPanel } from "../../components/HistoryPanel.js";
import { NumberField } from "../../components/NumberField.js";
import { Pager } from "../../components/Pager.js";
import {
  type Course,
  type CourseRun,
  CourseRunStatus,
  type Workshop,
  WorkshopStatus,
} from "../../gen/luban/course/v1/course_pb.js";
import { statusKey } from "../Home.js";
import { NotFound } from "../NotFound.js";

const ACTION_KEY: Record<RunAction, MessageKey> = {
  open: "admin.openRun",
  start: "admin.startRun",
  complete: "admin.completeRun",
  cancel: "admin.cancelRun",
};

// Schedules a run of a catalogue course at an operating workshop.
function ScheduleForm({
  courses,
  workshops,
  action,
  onDone,
}: {
  courses: Course[];
  workshops: Workshop[];
  action: Action;
  onDone: (saved: CourseRun | undefined) => void;
}) {
  const { t, language } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const operating = workshops.filter((w) => w.status === WorkshopStatus.OPERATING);
  const [courseName, setCourse] = useState(courses[0]?.name ?? "");
  const [workshop, setWorkshop] = useState(operating[0]?.name ?? "");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [capacity, setCapacity] = useState<string | number>(20);
  const chosen = courses.find((c) => c.name === courseName);
  const [languageCode, setLanguageCode] = useState(chosen?.instructionLanguages[0] ?? "");
  const [passScore, setPassScore] = useState<string | number>(60);
  const [attendance, setAttendance] = useState<string | number>(80);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const saved = await action.run("save", () =>
      course.createCourseRun({
        courseRun: {
          course: courseName,
          workshop,
          startDate: parseIsoDate(start),
          endDate: parseIsoDate(end),
          capacity: Number(capacity),
          languageCode,
          passScore: Number(passScore),
          minAttendancePercent: Number(attendance),
        },
        requestId: newRequestId(),
      }),
    );
    if (saved) onDone(saved);
  }

  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={t("admin.scheduleRun")}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{t("admin.scheduleRun")}</Title>
          <Group grow>
            <NativeSelect
              label={t("run.course")}
              value={courseName}
              onChange={(event) => {
                const next = courses.find((c) => c.name === event.currentTarget.value);
                setCourse(event.currentTarget.value);
                setLanguageCode(next?.instructionLanguages[0] ?? "");
              }}
              data={courses.map((c) => ({
                value: c.name,
                label: `${c.code} · ${localized(c.titles, language)}`,
              }))}
            />
            <NativeSelect
              label={t("admin.workshop")}
              value={workshop}
              onChange={(event) => setWorkshop(event.currentTarget.value)}
              data={operating.map((w) => ({
                value: w.name,
                label: `${localized(w.displayNames, language)} · ${w.city}`,
              }))}
            />
          </Group>
          <Group grow>
            <TextInput
              type="date"
              label={t("admin.startDate")}
              value={start}
              onChange={(event) => setStart(event.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label={t("admin.endDate")}
              value={end}
              onChange={(event) => setEnd(event.currentTarget.value)}
              required
            />
            <NativeSelect
              label={t("admin.instructionLanguage")}
              value={languageCode}
              onChange={(event) => setLanguageCode(event.currentTarget.value)}
              data={chosen?.instructionLanguages ?? []}
            />
          </Group>
          <Group grow>
            <NumberField
              label={t("admin.capacity")}
              value={capacity}
              onChange={setCapacity}
              min={1}
              max={10000}
              required
            />
            <NumberField
              label={t("admin.passScore")}
              value={passScore}
              onChange={setPassScore}
              min={0}
              max={100}
              required
            />
            <NumberField
              label={t("admin.minAttendance")}
              value={attendance}
              onChange={setAttendance}
              min={0}
              max={100}
              required
            />
          </Group>
          <FormActions action={action} submit={t("admin.schedule")} onBack={() => onDone(undefined)} />
        </Stack>
      </form>
    </Paper>
  );
}

// Course runs across the network, paged and filtered by status and workshop; schedule one.
export function Runs() {
  const { t, language } = useI18n();
  const navigate = useNavigate();
  const action = useAction();
  const [status, setStatus] = useState(0);
  const [workshop, setWorkshop] = useState("");
  const [scheduling, setScheduling] = useState(false);
  const reference = useCall(
    async (signal) => {
      const [courses, workshops] = await Promise.all([allCourses(signal), allWorkshops(signal)]);
      return { courses, workshops };
    },
    [],
  );
  const pages = usePages<CourseRun>(
    async (pageToken, signal) => {
      const r = await course.listCourseRuns(
        { pageSize: 20, pageToken, status, workshop },
        { signal },
      );
      return { items: r.courseRuns, nextPageToken: r.nextPageToken };
    },
    [status, workshop],
  );
  const courseOf = new Map((reference.data?.courses ?? []).map((c) => [c.name, c]));
  const workshopOf = new Map((reference.data?.workshops ?? []).map((w) => [w.name, w]));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("admin.runs")}</Title>
        {!scheduling && reference.data && (
          <Button onClick={() => setScheduling(true)}>{t("admin.scheduleRun")}</Button>
        )}
      </Group>
      {reference.error !== undefined && (
        <ErrorNotice error={reference.error} onRetry={reference.reload} />
      )}
      {scheduling && reference.data && (
        <ScheduleForm
          courses={reference.data.courses}
          workshops={reference.data.workshops}
          action={action}
          onDone={(saved) => {
            setScheduling(false);
            action.clear();
            if (saved) void navigate(`/admin/runs/${resourceId(saved.name)}`);
          }}
        />
      )}
      <Group>
        <NativeSelect
          label={t("admin.status")}
          value={String(status)}
          onChange={(event) => setStatus(Number(event.currentTarget.value))}
          data={[
            { value: "0", label: t("admin.all") },
            ...[
              CourseRunStatus.SCHEDULED,
              CourseRunStatus.OPEN,
              CourseRunStatus.IN_PROGRESS,
              CourseRunStatus.COMPLETED,
              CourseRunStatus.CANCELLED,
            ].map((s) => ({ value: String(s), label: t(statusKey(s)) })),
          ]}
        />
        <NativeSelect
          label={t("admin.workshop")}
          value={workshop}
          onChange={(event) => setWorkshop(event.currentTarget.value)}
          data={[
            { value: "", label: t("admin.all") },
            ...(reference.data?.workshops ?? []).map((w) => ({
              value: w.name,
              label: localized(w.displayNames, language),
            })),
          ]}
        />
      </Group>
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("run.course")}</Table.Th>
                <Table.Th>{t("admin.workshop")}</Table.Th>
                <Table.Th>{t("run.dates")}</Table.Th>
                <Table.Th>{t("admin.capacity")}</Table.Th>
                <Table.Th>{t("run.status")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map((run) => {
                const c = courseOf.get(run.course);
                const w = workshopOf.get(run.workshop);
                return (
                  <Table.Tr key={run.name}>
                    <Table.Td>
                      <Anchor component={Link} to={`/admin/runs/${resourceId(run.name)}`}>
                        {c ? `${c.code} · ${localized(c.titles, language)}` : run.course}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {run.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>{w ? localized(w.displayNames, language) : run.workshop}</Table.Td>
                    <Table.Td>
                      {isoDate(run.startDate)} – {isoDate(run.endDate)} · {run.languageCode}
                    </Table.Td>
                    <Table.Td>{run.capacity}</Table.Td>
                    <Table.Td>
                      <Badge variant="light">{t(statusKey(run.status))}</Badge>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager pages={pages} label={t("admin.runs")} />
    </Stack>
  );
}

// One run as the network admin manages it: its facts, the lifecycle's next steps (open, start,
// complete, cancel with a reason) and its history.
export function RunAdmin() {
  const { t, language } = useI18n();
  const { id } = useParams();
  const name = `courseRuns/${id ?? ""}`;
  const action = useAction();
  const [cancelling, setCancelling] = useState(false);
  const { data, error, loading, reload } = useCall(
    async (signal) => {
      const run = await course.getCourseRun({ name }, { signal });
      const [c, workshop] = await Promise.all([
        course.getCourse({ name: run.course }, { signal }),
        course.getWorkshop({ name: run.workshop }, { signal }),
      ]);
      return { run, course: c, workshop };
    },
    [name],
  );
  const [history, setHistory] = useState(0);
  if (error !== undefined) {
    const code = ConnectError.from(error).code;
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={error} onRetry={reload} />;
  }
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const { run } = data;

  async function act(what: RunAction, reason = "") {
    const request = { name: run.name, etag: run.etag, requestId: newRequestId() };
    const ok = await action.run(what, () => {
      switch (what) {
        case "open":
          return course.openCourseRun(request);
        case "start":
          return course.startCourseRun(request);
        case "complete":
          return course.completeCourseRun(request);
        case "cancel":
          return course.cancelCourseRun({ ...request, reason });
      }
    });
    if (ok) {
      setCancelling(false);
      reload();
      setHistory((n) => n + 1);
    }
  }

  const facts: [MessageKey, string][] = [
    ["admin.workshop", `${localized(data.workshop.displayNames, language)} · ${data.workshop.city}`],
    ["run.dates", `${isoDate(run.startDate)} – ${isoDate(run.endDate)}`],
    ["admin.instructionLanguage", run.languageCode],
    ["admin.capacity", String(run.capacity)],
    ["admin.passRule", t("admin.passRuleValue", { score: run.passScore, attendance: run.minAttendancePercent })],
  ];
  if (run.cancelReason !== "") facts.push(["admin.cancelReason", run.cancelReason]);
  return (
    <Stack>
      <Title order={2}>
        {data.course.code} · {localized(data.course.titles, language)}
      </Title>
      <Group>
        <Badge variant="light" size="lg">
          {t(statusKey(run.status))}
        </Badge>
        <Anchor component={Link} to={`/runs/${resourceId(run.name)}`}>
          {t("admin.runTrainees")}
        </Anchor>
      </Group>
      <Table maw={720}>
        <Table.Tbody>
          {facts.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w={220}>{t(label)}</Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        {runActions(run.status).map((what) => (
          <Button
            key={what}
            variant={what === "cancel" ? "default" : "filled"}
            loading={action.busy === what}
            onClick={() => (what === "cancel" ? setCancelling(true) : void act(what))}
          >
            {t(ACTION_KEY[what])}
          </Button>
        ))}
      </Group>
      {cancelling && (
        <ConfirmPanel
          title={t("admin.cancelRunTitle", {
            course: data.course.code,
            dates: `${isoDate(run.startDate)} – ${isoDate(run.endDate)}`,
          })}
          reason="required"
          busy={action.busy === "cancel"}
          onConfirm={(reason) => void act("cancel", reason)}
          onCancel={() => {
            setCancelling(false);
            action.clear();
          }}
        />
      )}
      {action.error !== undefined && <ErrorNotice error={action.error} />}
      <HistoryPanel key={history} service="course" resource={run.name} />
    </Stack>
  );
}
