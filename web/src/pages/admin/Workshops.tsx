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
import { useState, type FormEvent } from "react";
import { useFocusFirst } from "../../app/focus.js";
import { Link } from "react-router";

import { type NameRow, namesOf, parseIsoDate, rowsOf, splitList } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import { workshopNext } from "../../app/lifecycle.js";
import type { MessageKey } from "../../app/messages.js";
import { type Action, useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { isoDate, localized } from "../../app/text.js";
import { useCall } from "../../app/useCall.js";
import { allInstitutions } from "../../calls/reference.js";
import { course, newRequestId } from "../../calls/api.js";
import { ConfirmPanel } from "../../components/ConfirmPanel.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { FormActions } from "../../components/FormActions.js";
import { NamesInput } from "../../components/NamesInput.js";
import { Pager } from "../../components/Pager.js";
import {
  type Institution,
  InstitutionKind,
  type Workshop,
  WorkshopStatus,
} from "../../gen/luban/course/v1/course_pb.js";

export function workshopStatusKey(status: WorkshopStatus): MessageKey {
  switch (status) {
    case WorkshopStatus.OPERATING:
      return "admin.workshopOperating";
    case WorkshopStatus.SUSPENDED:
      return "admin.workshopSuspended";
    case WorkshopStatus.CLOSED:
      return "admin.workshopClosed";
    default:
      return "admin.workshopPlanned";
  }
}

const MOVE_KEY: Partial<Record<WorkshopStatus, MessageKey>> = {
  [WorkshopStatus.OPERATING]: "admin.makeOperating",
  [WorkshopStatus.SUSPENDED]: "admin.suspend",
  [WorkshopStatus.CLOSED]: "admin.close",
};

const STATUS_COLOR: Record<WorkshopStatus, string> = {
  [WorkshopStatus.UNSPECIFIED]: "gray",
  [WorkshopStatus.PLANNED]: "blue",
  [WorkshopStatus.OPERATING]: "green",
  [WorkshopStatus.SUSPENDED]: "orange",
  [WorkshopStatus.CLOSED]: "gray",
};

function WorkshopForm({
  initial,
  institutions,
  action,
  onDone,
}: {
  initial?: Workshop;
  institutions: Institution[];
  action: Action;
  onDone: (saved: boolean) => void;
}) {
  const { t, language } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const chinese = institutions.filter((i) => i.kind === InstitutionKind.CHINESE_COLLEGE);
  const partners = institutions.filter((i) => i.kind === InstitutionKind.LOCAL_PARTNER);
  const [names, setNames] = useState<NameRow[]>(
    initial ? rowsOf(initial.displayNames) : [{ languageCode: "en", text: "" }],
  );
  const [country, setCountry] = useState(initial?.countryCode ?? "");
  const [city, setCity] = useState(initial?.city ?? "");
  const [chineseInstitution, setChinese] = useState(chinese[0]?.name ?? "");
  const [partnerInstitution, setPartner] = useState(partners[0]?.name ?? "");
  const [opened, setOpened] = useState(isoDate(initial?.openedDate));
  const [disciplines, setDisciplines] = useState(initial?.disciplines.join(", ") ?? "");
  const option = (i: Institution) => ({
    value: i.name,
    label: `${localized(i.displayNames, language)} (${i.countryCode})`,
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields = {
      displayNames: namesOf(names),
      city: city.trim(),
      openedDate: parseIsoDate(opened),
      disciplines: splitList(disciplines),
    };
    const saved = await action.run("save", () =>
      initial
        ? course.updateWorkshop({
            workshop: { ...fields, name: initial.name, etag: initial.etag },
            updateMask: { paths: ["display_names", "city", "opened_date", "disciplines"] },
            requestId: newRequestId(),
          })
        : course.createWorkshop({
            workshop: {
              ...fields,
              countryCode: country.trim().toUpperCase(),
              chineseInstitution,
              partnerInstitution,
            },
            requestId: newRequestId(),
          }),
    );
    if (saved) onDone(true);
  }

  const title = initial
    ? t("admin.editWorkshop", { name: localized(initial.displayNames, language) })
    : t("admin.newWorkshop");
  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={title}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{title}</Title>
          <NamesInput legend={t("admin.names")} rows={names} onChange={setNames} />
          {!initial && (
            <Group grow>
              <NativeSelect
                label={t("admin.chineseInstitution")}
                value={chineseInstitution}
                onChange={(event) => setChinese(event.currentTarget.value)}
                data={chinese.map(option)}
              />
              <NativeSelect
                label={t("admin.partnerInstitution")}
                value={partnerInstitution}
                onChange={(event) => setPartner(event.currentTarget.value)}
                data={partners.map(option)}
              />
            </Group>
          )}
          <Group grow>
            {!initial && (
              <TextInput
                label={t("admin.country")}
                description={t("admin.countryHelp")}
                value={country}
                onChange={(event) => setCountry(event.currentTarget.value)}
                maxLength={2}
                required
              />
            )}
            <TextInput
              label={t("admin.city")}
              value={city}
              onChange={(event) => setCity(event.currentTarget.value)}
            />
            <TextInput
              type="date"
              label={t("admin.openedDate")}
              value={opened}
              onChange={(event) => setOpened(event.currentTarget.value)}
            />
          </Group>
          <TextInput
            label={t("admin.disciplines")}
            description={t("admin.listHelp")}
            value={disciplines}
            onChange={(event) => setDisciplines(event.currentTarget.value)}
          />
          <FormActions action={action} submit={t(initial ? "admin.save" : "admin.create")} onBack={() => onDone(false)} />
        </Stack>
      </form>
    </Paper>
  );
}

// The workshops and their status (planned, operating, suspended, closed): create, edit, move.
export function Workshops() {
  const { t, language } = useI18n();
  const action = useAction();
  const [status, setStatus] = useState(0);
  const [editing, setEditing] = useState<Workshop | "new" | null>(null);
  const [moving, setMoving] = useState<{ workshop: Workshop; to: WorkshopStatus } | null>(null);
  const institutions = useCall((signal) => allInstitutions(signal), []);
  const pages = usePages<Workshop>(
    async (pageToken, signal) => {
      const r = await course.listWorkshops({ pageSize: 20, pageToken, status }, { signal });
      return { items: r.workshops, nextPageToken: r.nextPageToken };
    },
    [status],
  );
  const institutionName = new Map(
    (institutions.data ?? []).map((i) => [i.name, localized(i.displayNames, language)]),
  );

  const done = (saved: boolean) => {
    setEditing(null);
    action.clear();
    if (saved) pages.reload();
  };
  async function move(reason: string) {
    if (!moving) return;
    const ok = await action.run("move", () =>
      course.changeWorkshopStatus({
        name: moving.workshop.name,
        status: moving.to,
        etag: moving.workshop.etag,
        reason,
        requestId: newRequestId(),
      }),
    );
    if (ok) {
      setMoving(null);
      pages.reload();
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("admin.workshops")}</Title>
        {editing === null && institutions.data && (
          <Button onClick={() => setEditing("new")}>{t("admin.newWorkshop")}</Button>
        )}
      </Group>
      {editing !== null && institutions.data && (
        <WorkshopForm
          key={editing === "new" ? "new" : editing.name}
          initial={editing === "new" ? undefined : editing}
          institutions={institutions.data}
          action={action}
          onDone={done}
        />
      )}
      {moving && (
        <>
          <ConfirmPanel
            title={t("admin.moveWorkshop", {
              name: localized(moving.workshop.displayNames, language),
              status: t(workshopStatusKey(moving.to)),
            })}
            reason="optional"
            busy={action.busy === "move"}
            onConfirm={(reason) => void move(reason)}
            onCancel={() => {
              setMoving(null);
              action.clear();
            }}
          />
          {action.error !== undefined && <ErrorNotice error={action.error} />}
        </>
      )}
      <NativeSelect
        label={t("admin.status")}
        value={String(status)}
        onChange={(event) => setStatus(Number(event.currentTarget.value))}
        data={[
          { value: "0", label: t("admin.all") },
          ...[
            WorkshopStatus.PLANNED,
            WorkshopStatus.OPERATING,
            WorkshopStatus.SUSPENDED,
            WorkshopStatus.CLOSED,
          ].map((s) => ({ value: String(s), label: t(workshopStatusKey(s)) })),
        ]}
        w={220}
      />
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.name")}</Table.Th>
                <Table.Th>{t("admin.place")}</Table.Th>
                <Table.Th>{t("admin.colleges")}</Table.Th>
                <Table.Th>{t("admin.status")}</Table.Th>
                <Table.Th>{t("admin.disciplines")}</Table.Th>
                <Table.Th>{t("admin.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map((w) => (
                <Table.Tr key={w.name}>
                  <Table.Td>
                    {localized(w.displayNames, language)}
                    <Text size="xs" c="dimmed">
                      {w.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {w.city} · {w.countryCode}
                  </Table.Td>
                  <Table.Td>
                    {institutionName.get(w.chineseInstitution) ?? w.chineseInstitution}
                    <Text size="xs">
                      {institutionName.get(w.partnerInstitution) ?? w.partnerInstitution}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={STATUS_COLOR[w.status]}>
                      {t(workshopStatusKey(w.status))}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{w.disciplines.join(", ")}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      {workshopNext(w.status).map((to) => (
                        <Button
                          key={to}
                          size="xs"
                          variant="default"
                          onClick={() => setMoving({ workshop: w, to })}
                        >
                          {t(MOVE_KEY[to] ?? "admin.edit")}
                        </Button>
                      ))}
                      <Button size="xs" variant="default" onClick={() => setEditing(w)}>
                        {t("admin.edit")}
                      </Button>
                      <Anchor
                        component={Link}
                        to={`/history?resource=${encodeURIComponent(w.name)}`}
                        size="sm"
                      >
                        {t("history.link")}
                      </Anchor>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager pages={pages} label={t("admin.workshops")} />
    </Stack>
  );
}
