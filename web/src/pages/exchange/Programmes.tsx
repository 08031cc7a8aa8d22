import { Anchor, Badge, Button, Group, Loader, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate } from "react-router";

import { useI18n } from "../../app/i18n.js";
import { useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { useSession } from "../../app/session.js";
import { isoDate, localized, resourceId } from "../../app/text.js";
import { useCall } from "../../app/useCall.js";
import { allCourses, allInstitutions } from "../../calls/reference.js";
import { exchange } from "../../calls/api.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { Pager } from "../../components/Pager.js";
import { type Programme, ProgrammeStatus } from "../../gen/luban/exchange/v1/exchange_pb.js";
import { DIRECTION_KEY, KIND_KEY, PROGRAMME_STATUS_KEY, QuotaUse } from "./common.js";
import { ProgrammeForm } from "./ProgrammeForm.js";

// Exchange programmes (a college admin: its institution's, on either side), with their quota
// use; create one.
export function Programmes() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const navigate = useNavigate();
  const institution = caller?.institution ?? "";
  const action = useAction();
  const [status, setStatus] = useState(0);
  const [creating, setCreating] = useState(false);
  const reference = useCall(
    async (signal) => {
      const [institutions, courses] = await Promise.all([
        allInstitutions(signal),
        allCourses(signal),
      ]);
      return { institutions, courses };
    },
    [],
  );
  const pages = usePages<Programme>(
    async (pageToken, signal) => {
      const r = await exchange.listProgrammes(
        { pageSize: 20, pageToken, institution, status },
        { signal },
      );
      return { items: r.programmes, nextPageToken: r.nextPageToken };
    },
    [institution, status],
  );
  const institutionName = new Map(
    (reference.data?.institutions ?? []).map((i) => [i.name, localized(i.displayNames, language)]),
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("programme.title")}</Title>
        {!creating && reference.data && (
          <Button onClick={() => setCreating(true)}>{t("programme.new")}</Button>
        )}
      </Group>
      {reference.error !== undefined && (
        <ErrorNotice error={reference.error} onRetry={reference.reload} />
      )}
      {creating && reference.data && (
        <ProgrammeForm
          institutions={reference.data.institutions}
          courses={reference.data.courses}
          ownInstitution={institution}
          action={action}
          onDone={(saved) => {
            setCreating(false);
            action.clear();
            if (saved) void navigate(`/programmes/${resourceId(saved.name)}`);
          }}
        />
      )}
      <NativeSelect
        label={t("admin.status")}
        value={String(status)}
        onChange={(event) => setStatus(Number(event.currentTarget.value))}
        data={[
          { value: "0", label: t("admin.all") },
          ...[
            ProgrammeStatus.PLANNED,
            ProgrammeStatus.OPEN,
            ProgrammeStatus.CLOSED,
            ProgrammeStatus.COMPLETED,
            ProgrammeStatus.CANCELLED,
          ].map((s) => ({ value: String(s), label: t(PROGRAMME_STATUS_KEY[s]) })),
        ]}
        w={220}
      />
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && pages.data.items.length === 0 && <Text>{t("programme.none")}</Text>}
      {pages.data && pages.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("programme.name")}</Table.Th>
                <Table.Th>{t("admin.colleges")}</Table.Th>
                <Table.Th>{t("programme.kind")}</Table.Th>
                <Table.Th>{t("run.dates")}</Table.Th>
                <Table.Th>{t("programme.quota")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map((p) => (
                <Table.Tr key={p.name}>
                  <Table.Td>
                    <Anchor component={Link} to={`/programmes/${resourceId(p.name)}`}>
                      {localized(p.titles, language)}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {p.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {institutionName.get(p.chineseInstitution) ?? p.chineseInstitution}
                    <Text size="xs">
                      {institutionName.get(p.partnerInstitution) ?? p.partnerInstitution} ·{" "}
                      {p.partnerCountryCode}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {t(KIND_KEY[p.kind])}
                    <Text size="xs">{t(DIRECTION_KEY[p.direction])}</Text>
                  </Table.Td>
                  <Table.Td>
                    {isoDate(p.startDate)} – {isoDate(p.endDate)}
                  </Table.Td>
                  <Table.Td>
                    <QuotaUse programme={p} />
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(PROGRAMME_STATUS_KEY[p.status])}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager pages={pages} label={t("programme.title")} />
    </Stack>
  );
}
