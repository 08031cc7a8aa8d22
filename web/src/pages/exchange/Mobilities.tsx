import { Anchor, Badge, Group, Loader, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";

import { formatTime } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import { usePages } from "../../app/paging.js";
import { useSession } from "../../app/session.js";
import { localized, resourceId } from "../../app/text.js";
import { useCall } from "../../app/useCall.js";
import { allInstitutions } from "../../calls/reference.js";
import { exchange } from "../../calls/api.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { HistoryPanel } from "../../components/HistoryPanel.js";
import { Pager } from "../../components/Pager.js";
import type { Trainee } from "../../gen/luban/enrollment/v1/enrollment_pb.js";
import { type Mobility, MobilityState } from "../../gen/luban/exchange/v1/exchange_pb.js";
import { NotFound } from "../NotFound.js";
import {
  latestReason,
  MobilityActions,
  Participant,
  PROGRAMME_STATUS_KEY,
  STATE_KEY,
  StateBadge,
  traineesOf,
} from "./common.js";

const STATES: [string, MobilityState][] = [
  ["nominated", MobilityState.NOMINATED],
  ["approved", MobilityState.APPROVED],
  ["rejected", MobilityState.REJECTED],
  ["departed", MobilityState.DEPARTED],
  ["returned", MobilityState.RETURNED],
  ["cancelled", MobilityState.CANCELLED],
];

// Mobilities (a college admin: its institution's, sending or receiving), filtered by state (in
// the address: ?state=nominated), each with its programme and the latest reason given.
export function Mobilities() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const institution = caller?.institution ?? "";
  const [params, setParams] = useSearchParams();
  const stateName = params.get("state") ?? "";
  const state = STATES.find(([n]) => n === stateName)?.[1] ?? MobilityState.UNSPECIFIED;
  const names = useCall(async (signal) => {
    const institutions = await allInstitutions(signal);
    return new Map(institutions.map((i) => [i.name, localized(i.displayNames, language)]));
  }, [language]);
  const pages = usePages<{ mobility: Mobility; trainees: Map<string, Trainee>; programme: string }>(
    async (pageToken, signal) => {
      const r = await exchange.listMobilities(
        { pageSize: 20, pageToken, institution, state },
        { signal },
      );
      const [trainees, programmes] = await Promise.all([
        traineesOf(r.mobilities, signal),
        Promise.all(
          [...new Set(r.mobilities.map((m) => m.programme))].map((name) =>
            exchange.getProgramme({ name }, { signal }).catch(() => undefined),
          ),
        ),
      ]);
      const title = new Map(
        programmes.flatMap((p) => (p ? [[p.name, localized(p.titles, language)] as const] : [])),
      );
      return {
        items: r.mobilities.map((mobility) => ({
          mobility,
          trainees,
          programme: title.get(mobility.programme) ?? mobility.programme,
        })),
        nextPageToken: r.nextPageToken,
      };
    },
    [institution, state, language],
  );
  const institutionName = (n: string) => names.data?.get(n) ?? n;
  return (
    <Stack>
      <Title order={2}>{t("mobility.title")}</Title>
      <NativeSelect
        label={t("admin.status")}
        value={stateName}
        onChange={(event) =>
          setParams(event.currentTarget.value === "" ? {} : { state: event.currentTarget.value })
        }
        data={[
          { value: "", label: t("admin.all") },
          ...STATES.map(([n, s]) => ({ value: n, label: t(STATE_KEY[s]) })),
        ]}
        w={220}
      />
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && pages.data.items.length === 0 && <Text>{t("mobility.none")}</Text>}
      {pages.data && pages.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("mobility.participant")}</Table.Th>
                <Table.Th>{t("programme.name")}</Table.Th>
                <Table.Th>{t("mobility.fromTo")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
                <Table.Th>{t("mobility.reason")}</Table.Th>
                <Table.Th>{t("admin.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map(({ mobility, trainees, programme }) => (
                <Table.Tr key={mobility.name}>
                  <Table.Td>
                    <Anchor component={Link} to={`/mobilities/${resourceId(mobility.name)}`}>
                      <Participant mobility={mobility} trainees={trainees} />
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/programmes/${resourceId(mobility.programme)}`}>
                      {programme}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {institutionName(mobility.sendingInstitution)}
                    <Text size="xs">→ {institutionName(mobility.receivingInstitution)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={mobility.state} />
                  </Table.Td>
                  <Table.Td>{latestReason(mobility)}</Table.Td>
                  <Table.Td>
                    <MobilityActions
                      mobility={mobility}
                      label={mobility.name}
                      onChanged={pages.reload}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager pages={pages} label={t("mobility.title")} />
    </Stack>
  );
}

// One mobility: who, in which programme, between which institutions, every decision with its
// reason, the steps the caller's side may take, and its history.
export function MobilityPage() {
  const { t, language } = useI18n();
  const { id } = useParams();
  const name = `mobilities/${id ?? ""}`;
  const [version, setVersion] = useState(0);
  const { data, error, loading, reload } = useCall(
    async (signal) => {
      const mobility = await exchange.getMobility({ name }, { signal });
      const [programme, trainees, institutions] = await Promise.all([
        exchange.getProgramme({ name: mobility.programme }, { signal }).catch(() => undefined),
        traineesOf([mobility], signal),
        allInstitutions(signal),
      ]);
      return { mobility, programme, trainees, institutions };
    },
    [name, version],
  );
  if (error !== undefined) {
    const code = ConnectError.from(error).code;
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={error} onRetry={reload} />;
  }
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const { mobility, programme } = data;
  const institutionName = (n: string) => {
    const found = data.institutions.find((i) => i.name === n);
    return found ? localized(found.displayNames, language) : n;
  };
  return (
    <Stack>
      <Title order={2}>{t("mobility.one", { name: mobility.name })}</Title>
      <Group>
        <StateBadge state={mobility.state} />
        <Participant mobility={mobility} trainees={data.trainees} />
      </Group>
      <Table maw={760}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={220}>{t("programme.name")}</Table.Th>
            <Table.Td>
              <Anchor component={Link} to={`/programmes/${resourceId(mobility.programme)}`}>
                {programme ? localized(programme.titles, language) : mobility.programme}
              </Anchor>
              {programme && (
                <Badge ml="xs" variant="light" color="gray">
                  {t(PROGRAMME_STATUS_KEY[programme.status])}
                </Badge>
              )}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t("mobility.sending")}</Table.Th>
            <Table.Td>{institutionName(mobility.sendingInstitution)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t("mobility.receiving")}</Table.Th>
            <Table.Td>{institutionName(mobility.receivingInstitution)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <MobilityActions
        mobility={mobility}
        label={mobility.name}
        onChanged={() => setVersion((n) => n + 1)}
      />
      <Stack gap="xs" component="section" aria-label={t("mobility.decisions")}>
        <Title order={3}>{t("mobility.decisions")}</Title>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("history.when")}</Table.Th>
              <Table.Th>{t("admin.status")}</Table.Th>
              <Table.Th>{t("history.who")}</Table.Th>
              <Table.Th>{t("admin.reason")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {mobility.decisions.map((d, i) => (
              <Table.Tr key={i}>
                <Table.Td>{formatTime(d.time, language)}</Table.Td>
                <Table.Td>{t(STATE_KEY[d.state])}</Table.Td>
                <Table.Td>{d.actor}</Table.Td>
                <Table.Td>{d.reason}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
      <HistoryPanel key={version} service="exchange" resource={mobility.name} />
    </Stack>
  );
}
