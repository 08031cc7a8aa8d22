import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  FileButton,
  Group,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";

import { parseCsv } from "../app/csv.js";
import { isUnauthenticated } from "../app/errors.js";
import { useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import { useSession } from "../app/session.js";
import { resourceId } from "../app/text.js";
import { enrollment, newRequestId } from "../calls/api.js";
import {
  batches,
  countOutcomes,
  fromServiceResult,
  IMPORT_COLUMNS,
  importColumns,
  type PendingRow,
  pendingRows,
  resultsCsv,
  type RowResult,
} from "../app/traineeImport.js";
import { ErrorNotice } from "../components/ErrorNotice.js";

// Rows per ImportTrainees call: the service takes up to 500; smaller batches let the bar move on
// files of a few hundred rows and keep each call short.
export const BATCH_ROWS = 100;

interface Run {
  file: string;
  // The request ids of this import's batches are "<base>-<batch>": a batch sent again (after a
  // failure, "continue") is answered from the service's ledger, never created twice.
  base: string;
  batches: PendingRow[][];
  total: number;
  next: number;
  results: RowResult[];
  failure?: unknown;
  running: boolean;
}

const OUTCOME: Record<RowResult["outcome"], { key: MessageKey; color: string }> = {
  CREATED: { key: "import.created", color: "green" },
  ALREADY_EXISTED: { key: "import.existed", color: "gray" },
  REFUSED: { key: "import.refused", color: "red" },
};

// Imports a CSV of trainees as luban-admin does (the same columns), a batch at a time with a
// progress bar, then every row's outcome as a table and as the same results file to download.
export function ImportPage() {
  const { t } = useI18n();
  const { lost } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [onlyRefused, setOnlyRefused] = useState(false);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  async function send(start: Run) {
    let current: Run = { ...start, running: true, failure: undefined };
    setRun(current);
    for (let i = current.next; i < current.batches.length && live.current; i++) {
      const batch = current.batches[i];
      const sent = batch.flatMap((r) => ("trainee" in r ? [r.trainee] : []));
      let answers: RowResult[];
      try {
        const response =
          sent.length === 0
            ? { results: [] }
            : await enrollment.importTrainees({
                rows: sent.map((trainee) => ({ trainee })),
                requestId: `${current.base}-${i}`,
              });
        let index = 0;
        answers = batch.map((row) => {
          if ("error" in row) {
            return {
              line: row.line,
              outcome: "REFUSED",
              trainee: "",
              errorCode: "INVALID_ARGUMENT",
              errorMessage: row.error,
            };
          }
          const at = index++;
          return fromServiceResult(row.line, response.results.find((r) => r.index === at));
        });
      } catch (error) {
        if (isUnauthenticated(error)) lost();
        current = { ...current, running: false, failure: error, next: i };
        setRun(current);
        return;
      }
      current = { ...current, next: i + 1, results: [...current.results, ...answers] };
      setRun(current);
    }
    current = { ...current, running: false };
    setRun(current);
  }

  async function start() {
    if (!file) return;
    setFileError(null);
    const parsed = parseCsv(await file.text());
    if (parsed.records.length === 0) {
      setFileError(parsed.error ?? t("import.empty"));
      return;
    }
    const columns = importColumns(parsed.records[0].fields);
    if ("error" in columns) {
      setFileError(columns.error);
      return;
    }
    const rows = pendingRows(columns, parsed.records.slice(1));
    if (parsed.error) setFileError(parsed.error); // rows before the damage still go in
    if (rows.length === 0) {
      setFileError(parsed.error ?? t("import.empty"));
      return;
    }
    await send({
      file: file.name,
      base: `import-${newRequestId()}`,
      batches: batches(rows, BATCH_ROWS),
      total: rows.length,
      next: 0,
      results: [],
      running: true,
    });
  }

  const download = useMemo(() => {
    if (!run || run.running || run.results.length === 0) return undefined;
    return URL.createObjectURL(new Blob([resultsCsv(run.results)], { type: "text/csv;charset=utf-8" }));
  }, [run]);
  useEffect(() => () => {
    if (download) URL.revokeObjectURL(download);
  }, [download]);

  const counts = run ? countOutcomes(run.results) : undefined;
  const done = run?.results.length ?? 0;
  const shown = run ? run.results.filter((r) => !onlyRefused || r.outcome === "REFUSED") : [];
  return (
    <Stack maw={1100}>
      <Title order={2}>{t("import.title")}</Title>
      <Text size="sm">{t("import.help")}</Text>
      <Text ff="monospace" size="sm" style={{ overflowWrap: "anywhere" }}>
        {IMPORT_COLUMNS.join(",")}
      </Text>
      <Group>
        <FileButton
          accept=".csv,text/csv"
          inputProps={{ "aria-label": t("import.file") }}
          onChange={(f) => {
            setFile(f);
            setRun(null);
            setFileError(null);
          }}
        >
          {(props) => (
            <Button variant="default" {...props}>
              {t("import.choose")}
            </Button>
          )}
        </FileButton>
        <Text data-testid="import-file" c={file ? undefined : "dimmed"} style={{ flex: 1 }}>
          {file?.name ?? t("import.noFile")}
        </Text>
        <Button disabled={!file || run?.running === true} onClick={() => void start()}>
          {t("import.start")}
        </Button>
      </Group>
      {fileError !== null && (
        <Alert color="red" role="alert" title={t("import.badFile")}>
          {fileError}
        </Alert>
      )}
      {run && (
        <Stack gap={4}>
          <Progress
            value={run.total === 0 ? 0 : (done / run.total) * 100}
            aria-label={t("import.progressLabel")}
            size="lg"
            animated={run.running}
          />
          <Text role="status" data-testid="import-progress">
            {t("import.progress", { done, total: run.total })}
            {counts &&
              ` · ${t("import.summary", {
                created: counts.CREATED,
                existed: counts.ALREADY_EXISTED,
                refused: counts.REFUSED,
              })}`}
          </Text>
        </Stack>
      )}
      {run?.failure !== undefined && (
        <Stack gap="xs">
          <ErrorNotice error={run.failure} />
          <Group>
            <Button onClick={() => void send(run)}>{t("import.resume")}</Button>
          </Group>
        </Stack>
      )}
      {run && run.results.length > 0 && (
        <Stack gap="xs">
          <Group justify="space-between">
            <Checkbox
              label={t("import.onlyRefused")}
              checked={onlyRefused}
              onChange={(event) => setOnlyRefused(event.currentTarget.checked)}
            />
            {download && (
              <Button
                component="a"
                href={download}
                download={`${run.file.replace(/\.csv$/i, "")}.results.csv`}
                variant="default"
              >
                {t("import.download")}
              </Button>
            )}
          </Group>
          <Table aria-label={t("import.results")}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("import.line")}</Table.Th>
                <Table.Th>{t("import.outcome")}</Table.Th>
                <Table.Th>{t("import.trainee")}</Table.Th>
                <Table.Th>{t("import.reason")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((r) => (
                <Table.Tr key={r.line}>
                  <Table.Td>{r.line}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={OUTCOME[r.outcome].color}>
                      {t(OUTCOME[r.outcome].key)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {r.trainee !== "" && (
                      <Anchor component={Link} to={`/trainees/${resourceId(r.trainee)}`}>
                        {r.trainee}
                      </Anchor>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {r.errorMessage !== "" && (
                      <Text size="sm">
                        {r.errorCode}: {r.errorMessage}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Stack>
  );
}
