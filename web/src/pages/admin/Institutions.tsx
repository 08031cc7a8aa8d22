import {
  Anchor,
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

import { type NameRow, namesOf, rowsOf } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import type { MessageKey } from "../../app/messages.js";
import { type Action, useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { localized } from "../../app/text.js";
import { course, newRequestId } from "../../calls/api.js";
import { ConfirmPanel } from "../../components/ConfirmPanel.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { FormActions } from "../../components/FormActions.js";
import { NamesInput } from "../../components/NamesInput.js";
import { Pager } from "../../components/Pager.js";
import { type Institution, InstitutionKind } from "../../gen/luban/course/v1/course_pb.js";

export function kindKey(kind: InstitutionKind): MessageKey {
  return kind === InstitutionKind.CHINESE_COLLEGE ? "admin.kindChinese" : "admin.kindPartner";
}

// Creates an institution, or edits one's names, city and website (what the service lets change).
function InstitutionForm({
  initial,
  action,
  onDone,
}: {
  initial?: Institution;
  action: Action;
  onDone: (saved: boolean) => void;
}) {
  const { t } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const [kind, setKind] = useState(String(initial?.kind ?? InstitutionKind.LOCAL_PARTNER));
  const [country, setCountry] = useState(initial?.countryCode ?? "");
  const [names, setNames] = useState<NameRow[]>(
    initial ? rowsOf(initial.displayNames) : [{ languageCode: "en", text: "" }],
  );
  const [city, setCity] = useState(initial?.city ?? "");
  const [website, setWebsite] = useState(initial?.website ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields = { displayNames: namesOf(names), city: city.trim(), website: website.trim() };
    const saved = await action.run("save", () =>
      initial
        ? course.updateInstitution({
            institution: { ...fields, name: initial.name, etag: initial.etag },
            updateMask: { paths: ["display_names", "city", "website"] },
            requestId: newRequestId(),
          })
        : course.createInstitution({
            institution: {
              ...fields,
              kind: Number(kind) as InstitutionKind,
              countryCode: country.trim().toUpperCase(),
            },
            requestId: newRequestId(),
          }),
    );
    if (saved) onDone(true);
  }

  const title = initial
    ? t("admin.editInstitution", { name: localized(initial.displayNames, "en") })
    : t("admin.newInstitution");
  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={title}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{title}</Title>
          {!initial && (
            <Group grow>
              <NativeSelect
                label={t("admin.kind")}
                value={kind}
                onChange={(event) => setKind(event.currentTarget.value)}
                data={[
                  { value: String(InstitutionKind.LOCAL_PARTNER), label: t("admin.kindPartner") },
                  { value: String(InstitutionKind.CHINESE_COLLEGE), label: t("admin.kindChinese") },
                ]}
              />
              <TextInput
                label={t("admin.country")}
                description={t("admin.countryHelp")}
                value={country}
                onChange={(event) => setCountry(event.currentTarget.value)}
                maxLength={2}
                required
              />
            </Group>
          )}
          <NamesInput legend={t("admin.names")} rows={names} onChange={setNames} />
          <Group grow>
            <TextInput
              label={t("admin.city")}
              value={city}
              onChange={(event) => setCity(event.currentTarget.value)}
            />
            <TextInput
              label={t("admin.website")}
              value={website}
              onChange={(event) => setWebsite(event.currentTarget.value)}
            />
          </Group>
          <FormActions action={action} submit={t(initial ? "admin.save" : "admin.create")} onBack={() => onDone(false)} />
        </Stack>
      </form>
    </Paper>
  );
}

// The network's institutions: Chinese colleges and local partners; create, edit, delete one no
// workshop refers to.
export function Institutions() {
  const { t, language } = useI18n();
  const action = useAction();
  const [editing, setEditing] = useState<Institution | "new" | null>(null);
  const [deleting, setDeleting] = useState<Institution | null>(null);
  const pages = usePages<Institution>(async (pageToken, signal) => {
    const r = await course.listInstitutions({ pageSize: 20, pageToken }, { signal });
    return { items: r.institutions, nextPageToken: r.nextPageToken };
  }, []);

  const done = (saved: boolean) => {
    setEditing(null);
    action.clear();
    if (saved) pages.reload();
  };
  async function remove() {
    if (!deleting) return;
    const ok = await action.run("delete", () =>
      course.deleteInstitution({ name: deleting.name, etag: deleting.etag, requestId: newRequestId() }),
    );
    if (ok) {
      setDeleting(null);
      pages.reload();
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("admin.institutions")}</Title>
        {editing === null && (
          <Button onClick={() => setEditing("new")}>{t("admin.newInstitution")}</Button>
        )}
      </Group>
      {editing !== null && (
        <InstitutionForm
          key={editing === "new" ? "new" : editing.name}
          initial={editing === "new" ? undefined : editing}
          action={action}
          onDone={done}
        />
      )}
      {deleting && (
        <>
          <ConfirmPanel
            title={t("admin.deleteInstitution", { name: localized(deleting.displayNames, language) })}
            reason="none"
            busy={action.busy === "delete"}
            onConfirm={() => void remove()}
            onCancel={() => {
              setDeleting(null);
              action.clear();
            }}
          />
          {action.error !== undefined && <ErrorNotice error={action.error} />}
        </>
      )}
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.name")}</Table.Th>
                <Table.Th>{t("admin.kind")}</Table.Th>
                <Table.Th>{t("admin.country")}</Table.Th>
                <Table.Th>{t("admin.city")}</Table.Th>
                <Table.Th>{t("admin.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map((i) => (
                <Table.Tr key={i.name}>
                  <Table.Td>
                    {localized(i.displayNames, language)}
                    <Text size="xs" c="dimmed">
                      {i.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t(kindKey(i.kind))}</Table.Td>
                  <Table.Td>{i.countryCode}</Table.Td>
                  <Table.Td>{i.city}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => setEditing(i)}>
                        {t("admin.edit")}
                      </Button>
                      <Button size="xs" variant="default" onClick={() => setDeleting(i)}>
                        {t("admin.delete")}
                      </Button>
                      <Anchor
                        component={Link}
                        to={`/history?resource=${encodeURIComponent(i.name)}`}
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
      <Pager pages={pages} label={t("admin.institutions")} />
    </Stack>
  );
}
