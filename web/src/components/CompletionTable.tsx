import { Button, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";

import { isUnauthenticated, showError } from "../app/errors.js";
import { useI18n } from "../app/i18n.js";
import { useRequestIds } from "../app/requestIds.js";
import { useSession } from "../app/session.js";
import { enrollment } from "../calls/api.js";
import type { CourseRun } from "../gen/luban/course/v1/course_pb.js";
import type { Enrollment } from "../gen/luban/enrollment/v1/enrollment_pb.js";

export interface CompletionRow {
  enrollment: Enrollment;
  name: string;
}

interface Entry {
  score: string;
  attendance: string;
}

// A whole number 0..100 as typed, else undefined.
export function percent(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 100 ? n : undefined;
}

// Results of a run in progress, in one table: a score and attendance for each enrolled trainee,
// recorded one at a time or all at once. Passing (the run's rule) issues a certificate.
export function CompletionTable({
  run,
  rows,
  onRecorded,
}: {
  run: CourseRun;
  rows: CompletionRow[];
  onRecorded: () => void;
}) {
  const { t } = useI18n();
  const { lost } = useSession();
  const ids = useRequestIds();
  const [entries, setEntries] = useState<Record<string, Entry>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);

  const entry = (name: string): Entry => entries[name] ?? { score: "", attendance: "" };
  const set = (name: string, change: Partial<Entry>) =>
    setEntries((all) => ({ ...all, [name]: { ...entry(name), ...change } }));

  // Records one row; returns whether it went through.
  async function record(row: CompletionRow): Promise<boolean> {
    const name = row.enrollment.name;
    const { score, attendance } = entry(name);
    const finalScore = percent(score);
    const attendancePercent = percent(attendance);
    if (finalScore === undefined || attendancePercent === undefined) {
      setProblems((p) => ({ ...p, [name]: t("complete.missing") }));
      return false;
    }
    const key = `complete ${name} ${row.enrollment.etag} ${finalScore} ${attendancePercent}`;
    try {
      await enrollment.complete({
        name,
        finalScore,
        attendancePercent,
        etag: row.enrollment.etag,
        requestId: ids.for(key),
      });
      ids.done(key);
      setProblems(({ [name]: _, ...rest }) => rest);
      return true;
    } catch (error) {
      if (isUnauthenticated(error)) lost();
      const shown = showError(error);
      setProblems((p) => ({
        ...p,
        [name]: shown.detail === "" ? t(shown.key) : `${t(shown.key)} ${shown.detail}`,
      }));
      return false;
    }
  }

  async function recordOne(row: CompletionRow) {
    setBusy(row.enrollment.name);
    const ok = await record(row);
    setBusy(null);
    if (ok) onRecorded();
  }

  async function recordAll() {
    setBusy("*");
    let any = false;
    for (const row of rows) {
      const { score, attendance } = entry(row.enrollment.name);
      if (score.trim() === "" && attendance.trim() === "") continue;
      if (await record(row)) any = true;
    }
    setBusy(null);
    if (any) onRecorded();
  }

  return (
    <Stack gap="xs">
      <Title order={3}>{t("complete.title")}</Title>
      <Text size="sm">
        {t("complete.rule", { score: run.passScore, attendance: run.minAttendancePercent })}
      </Text>
      {rows.length === 0 ? (
        <Text c="dimmed">{t("complete.none")}</Text>
      ) : (
        <>
          <Table aria-label={t("complete.title")}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("trainee.name")}</Table.Th>
                <Table.Th>{t("complete.score")}</Table.Th>
                <Table.Th>{t("complete.attendance")}</Table.Th>
                <Table.Th>{t("enroll.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => {
                const name = row.enrollment.name;
                const problem = problems[name];
                return (
                  <Table.Tr key={name}>
                    <Table.Td>
                      {row.name}
                      {problem && (
                        <Text size="sm" c="red.9" role="alert">
                          {problem}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        type="number"
                        min={0}
                        max={100}
                        w={110}
                        inputMode="numeric"
                        aria-label={t("complete.scoreFor", { name: row.name })}
                        value={entry(name).score}
                        onChange={(event) => set(name, { score: event.currentTarget.value })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        type="number"
                        min={0}
                        max={100}
                        w={110}
                        inputMode="numeric"
                        aria-label={t("complete.attendanceFor", { name: row.name })}
                        value={entry(name).attendance}
                        onChange={(event) => set(name, { attendance: event.currentTarget.value })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="light"
                        loading={busy === name}
                        disabled={busy !== null && busy !== name}
                        aria-label={t("complete.recordFor", { name: row.name })}
                        onClick={() => void recordOne(row)}
                      >
                        {t("complete.record")}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <Group>
            <Button
              loading={busy === "*"}
              disabled={busy !== null && busy !== "*"}
              onClick={() => void recordAll()}
            >
              {t("complete.recordAll")}
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
