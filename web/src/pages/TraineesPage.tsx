import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";

import { useI18n } from "../app/i18n.js";
import { traineeName } from "../app/people.js";
import { useSession } from "../app/session.js";
import { isoDate, resourceId } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { traineesKey, traineesPage } from "../calls/trainees.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { TraineeSearch } from "../components/TraineeSearch.js";
import { type ListTraineesResponse, TraineeStatus } from "../gen/luban/enrollment/v1/enrollment_pb.js";

// The college's trainees (a network admin: the network's), a page at a time, and a search by name
// or document number; creating one and importing a CSV start here.
export function TraineesPage() {
  const { t } = useI18n();
  const { caller } = useSession();
  const manages = caller?.role === "ROLE_NETWORK_ADMIN" || caller?.role === "ROLE_COLLEGE_ADMIN";
  // Tokens of the pages before the one shown; the last is the shown page's own.
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens[tokens.length - 1];
  const { data, error, loading, reload } = useCall<ListTraineesResponse>(
    traineesPage(token),
    [token],
    traineesKey(token),
  );
  const open = (trainee: { name: string }, text: string) => (
    <Anchor component={Link} to={`/trainees/${resourceId(trainee.name)}`}>
      {text}
    </Anchor>
  );
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("trainee.listTitle")}</Title>
        {manages && (
          <Group>
            <Button component={Link} to="/trainees/new">
              {t("trainee.new")}
            </Button>
            <Button component={Link} to="/trainees/import" variant="default">
              {t("import.link")}
            </Button>
          </Group>
        )}
      </Group>
      {/* Searching by name is searching personal data: admins only (reporters see it redacted). */}
      {manages && (
        <TraineeSearch
          label={t("trainee.search")}
          action={(trainee) => open(trainee, t("trainee.open"))}
        />
      )}
      {error !== undefined && <ErrorNotice error={error} onRetry={reload} />}
      {loading && !data && <Loader aria-label={t("common.loading")} />}
      {data && (
        <>
          <Table striped aria-label={t("trainee.listTitle")}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("trainee.name")}</Table.Th>
                <Table.Th>{t("trainee.birthDate")}</Table.Th>
                <Table.Th>{t("trainee.citizenship")}</Table.Th>
                <Table.Th>{t("trainee.status")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.trainees.map((trainee) => (
                <Table.Tr key={trainee.name}>
                  <Table.Td>{open(trainee, traineeName(trainee) || trainee.name)}</Table.Td>
                  <Table.Td>{isoDate(trainee.birthDate)}</Table.Td>
                  <Table.Td>{trainee.citizenship}</Table.Td>
                  <Table.Td>
                    {trainee.status === TraineeStatus.ARCHIVED && (
                      <Badge variant="light" color="gray">
                        {t("trainee.statusArchived")}
                      </Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {data.trainees.length === 0 && <Text c="dimmed">{t("run.none")}</Text>}
          <Group>
            <Button
              variant="default"
              disabled={tokens.length === 1}
              onClick={() => setTokens((all) => all.slice(0, -1))}
            >
              {t("common.previous")}
            </Button>
            <Button
              variant="default"
              disabled={data.nextPageToken === ""}
              onClick={() => setTokens((all) => [...all, data.nextPageToken])}
            >
              {t("common.next")}
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
