import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useState } from "react";
import { Link, useParams } from "react-router";

import { useI18n } from "../../app/i18n.js";
import { programmeNext, sendingInstitution } from "../../app/lifecycle.js";
import type { MessageKey } from "../../app/messages.js";
import { useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { useSession } from "../../app/session.js";
import { isoDate, localized, resourceId } from "../../app/text.js";
import { useCall } from "../../app/useCall.js";
import { allCourses, allInstitutions } from "../../calls/reference.js";
import { exchange, newRequestId } from "../../calls/api.js";
import { ConfirmPanel } from "../../components/ConfirmPanel.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { HistoryPanel } from "../../components/HistoryPanel.js";
import { Pager } from "../../components/Pager.js";
import type { Trainee } from "../../gen/luban/enrollment/v1/enrollment_pb.js";
import {
  type Mobility,
  type Programme,
  ProgrammeStatus,
} from "../../gen/luban/exchange/v1/exchange_pb.js";
import { NotFound } from "../NotFound.js";
import {
  DIRECTION_KEY,
  KIND_KEY,
  latestReason,
  MobilityActions,
  Participant,
  PROGRAMME_MOVE_KEY,
  PROGRAMME_STATUS_KEY,
  QuotaUse,
  StateBadge,
  traineesOf,
} from "./common.js";
import { NominateForm } from "./NominateForm.js";
import { ProgrammeForm } from "./ProgrammeForm.js";

// A programme's mobilities, a page at a time, with the steps the caller's side may take.
function ProgrammeMobilities({
  programme,
  version,
  onChanged,
}: {
  programme: Programme;
  // Changes when the page learnt of a change (a nomination, a decision): read again.
  version: number;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const pages = usePages<{ mobility: Mobility; trainees: Map<string, Trainee> }>(
    async (pageToken, signal) => {
      const r = await exchange.listMobilities(
        { programme: programme.name, pageSize: 20, pageToken },
        { signal },
      );
      const trainees = await traineesOf(r.mobilities, signal);
      return {
        items: r.mobilities.map((mobility) => ({ mobility, trainees })),
        nextPageToken: r.nextPageToken,
      };
    },
    [programme.name, version],
  );
  return (
    <Stack gap="xs" component="section" aria-label={t("mobility.title")}>
      <Title order={3}>{t("mobility.title")}</Title>
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader size="sm" aria-label={t("common.loading")} />}
      {pages.data && pages.data.items.length === 0 && <Text c="dimmed">{t("mobility.none")}</Text>}
      {pages.data && pages.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-busy={pages.loading} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("mobility.participant")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
                <Table.Th>{t("mobility.reason")}</Table.Th>
                <Table.Th>{t("admin.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map(({ mobility, trainees }) => (
                <Table.Tr key={mobility.name}>
                  <Table.Td>
                    <Anchor component={Link} to={`/mobilities/${resourceId(mobility.name)}`}>
                      <Participant mobility={mobility} trainees={trainees} />
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={mobility.state} />
                  </Table.Td>
                  <Table.Td>{latestReason(mobility)}</Table.Td>
                  <Table.Td>
                    <MobilityActions mobility={mobility} label={mobility.name} onChanged={onChanged} />
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

// One exchange programme: its facts and quota use, its status steps, an edit form, nominations
// (the sending side), its mobilities and its history.
export function ProgrammePage() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const { id } = useParams();
  const name = `programmes/${id ?? ""}`;
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [version, setVersion] = useState(0);
  const { data, error, loading, reload } = useCall(
    async (signal) => {
      const [programme, institutions, courses] = await Promise.all([
        exchange.getProgramme({ name }, { signal }),
        allInstitutions(signal),
        allCourses(signal),
      ]);
      return { programme, institutions, courses };
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
  if (!data || !caller) return null;
  const { programme } = data;
  const refresh = () => setVersion((n) => n + 1);
  const institutionName = (n: string) => {
    const found = data.institutions.find((i) => i.name === n);
    return found ? localized(found.displayNames, language) : n;
  };
  const admin = caller.role === "ROLE_NETWORK_ADMIN";
  const side =
    admin ||
    caller.institution === programme.chineseInstitution ||
    caller.institution === programme.partnerInstitution;
  const sends = admin || caller.institution === sendingInstitution(programme);
  const requirement = programme.requirement?.completedCourse
    ? t("programme.requirementCourseValue", {
        course: data.courses.find((c) => c.name === programme.requirement?.completedCourse)?.code ?? "",
      })
    : programme.requirement?.certificateDiscipline
      ? t("programme.requirementDisciplineValue", {
          discipline: programme.requirement.certificateDiscipline,
        })
      : t("programme.requirementNone");

  async function move(to: ProgrammeStatus) {
    const ok = await action.run(`move:${to}`, () =>
      exchange.changeProgrammeStatus({
        name: programme.name,
        status: to,
        etag: programme.etag,
        requestId: newRequestId(),
      }),
    );
    if (ok) {
      setCancelling(false);
      refresh();
    }
  }

  const facts: [MessageKey, string][] = [
    ["admin.chineseInstitution", institutionName(programme.chineseInstitution)],
    ["admin.partnerInstitution", `${institutionName(programme.partnerInstitution)} · ${programme.partnerCountryCode}`],
    ["programme.kind", `${t(KIND_KEY[programme.kind])} · ${t(DIRECTION_KEY[programme.direction])}`],
    ["run.dates", `${isoDate(programme.startDate)} – ${isoDate(programme.endDate)}`],
    ["programme.requirement", requirement],
  ];
  return (
    <Stack>
      <Title order={2}>{localized(programme.titles, language)}</Title>
      <Group>
        <Badge variant="light" size="lg">
          {t(PROGRAMME_STATUS_KEY[programme.status])}
        </Badge>
        <QuotaUse programme={programme} />
      </Group>
      <Table maw={760}>
        <Table.Tbody>
          {facts.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w={220}>{t(label)}</Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {side && (
        <Group>
          {programmeNext(programme.status).map((to) => (
            <Button
              key={to}
              variant={to === ProgrammeStatus.CANCELLED ? "default" : "filled"}
              loading={action.busy === `move:${to}`}
              onClick={() => (to === ProgrammeStatus.CANCELLED ? setCancelling(true) : void move(to))}
            >
              {t(PROGRAMME_MOVE_KEY[to])}
            </Button>
          ))}
          {!editing && (
            <Button variant="default" onClick={() => setEditing(true)}>
              {t("admin.edit")}
            </Button>
          )}
        </Group>
      )}
      {cancelling && (
        <ConfirmPanel
          title={t("programme.cancelTitle", { name: localized(programme.titles, language) })}
          reason="none"
          busy={action.busy === `move:${ProgrammeStatus.CANCELLED}`}
          onConfirm={() => void move(ProgrammeStatus.CANCELLED)}
          onCancel={() => {
            setCancelling(false);
            action.clear();
          }}
        />
      )}
      {!editing && action.error !== undefined && <ErrorNotice error={action.error} />}
      {editing && (
        <ProgrammeForm
          initial={programme}
          institutions={data.institutions}
          courses={data.courses}
          ownInstitution={caller.institution}
          action={action}
          onDone={(saved) => {
            setEditing(false);
            action.clear();
            if (saved) refresh();
          }}
        />
      )}
      {sends && programme.status === ProgrammeStatus.OPEN && (
        <NominateForm programme={programme} onDone={refresh} />
      )}
      <ProgrammeMobilities programme={programme} version={version} onChanged={refresh} />
      <HistoryPanel key={version} service="exchange" resource={programme.name} />
    </Stack>
  );
}
