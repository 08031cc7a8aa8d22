import { Code, Loader, Stack, Table, Text, Title } from "@mantine/core";

import { formatTime } from "../app/forms.js";
import { useI18n } from "../app/i18n.js";
import type { ServiceName } from "../app/lifecycle.js";
import { usePages } from "../app/paging.js";
import { course, enrollment, exchange } from "../calls/api.js";
import type { AuditRecord } from "../gen/luban/common/v1/types_pb.js";
import { ErrorNotice } from "./ErrorNotice.js";
import { Pager } from "./Pager.js";

const CLIENTS = { course, enrollment, exchange };

// A record's history from its service's audit trail, newest first: who, what, when, with which
// request id; or (a network admin, no record given) the service's whole trail.
export function HistoryPanel({
  service,
  resource,
  pageSize = 10,
  heading = true,
}: {
  service: ServiceName;
  resource: string;
  pageSize?: number;
  heading?: boolean;
}) {
  const { t, language } = useI18n();
  const pages = usePages<AuditRecord>(
    async (pageToken, signal) => {
      const page = await CLIENTS[service].listAuditRecords(
        { resource, pageSize, pageToken },
        { signal },
      );
      return { items: page.auditRecords, nextPageToken: page.nextPageToken };
    },
    [service, resource, pageSize],
  );
  const records = pages.data?.items ?? [];
  return (
    <Stack gap="xs" component="section" aria-label={t("history.title")}>
      {heading && <Title order={3}>{t("history.title")}</Title>}
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader size="sm" aria-label={t("common.loading")} />}
      {pages.data && records.length === 0 && <Text c="dimmed">{t("history.none")}</Text>}
      {records.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-busy={pages.loading} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("history.when")}</Table.Th>
                <Table.Th>{t("history.who")}</Table.Th>
                <Table.Th>{t("history.what")}</Table.Th>
                <Table.Th>{t("history.record")}</Table.Th>
                <Table.Th>{t("history.requestId")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {records.map((r) => (
                <Table.Tr key={r.name}>
                  <Table.Td>{formatTime(r.time, language)}</Table.Td>
                  <Table.Td>
                    {r.actor}
                    <Text size="xs" c="dimmed">
                      {r.actorRole}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {r.action}
                    <Text size="xs" c="dimmed">
                      {r.method.slice(r.method.lastIndexOf("/") + 1)}
                    </Text>
                    {r.details !== "" && (
                      <details>
                        <summary>{t("history.details")}</summary>
                        <Code block style={{ maxWidth: 480, whiteSpace: "pre-wrap" }}>
                          {r.details}
                        </Code>
                      </details>
                    )}
                  </Table.Td>
                  <Table.Td>{r.resource}</Table.Td>
                  <Table.Td>
                    <Code>{r.requestId}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager pages={pages} label={t("history.title")} />
    </Stack>
  );
}
