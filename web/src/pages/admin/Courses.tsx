import {
  Anchor,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useFocusFirst } from "../../app/focus.js";
import { Link } from "react-router";

import { type NameRow, namesOf, rowsOf, splitList } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import { type Action, useAction } from "../../app/mutation.js";
import { usePages } from "../../app/paging.js";
import { localized } from "../../app/text.js";
import { course, newRequestId } from "../../calls/api.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import { FormActions } from "../../components/FormActions.js";
import { NamesInput } from "../../components/NamesInput.js";
import { NumberField } from "../../components/NumberField.js";
import { Pager } from "../../components/Pager.js";
import type { Course } from "../../gen/luban/course/v1/course_pb.js";

function CourseForm({
  initial,
  action,
  onDone,
}: {
  initial?: Course;
  action: Action;
  onDone: (saved: boolean) => void;
}) {
  const { t, language } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const [code, setCode] = useState(initial?.code ?? "");
  const [titles, setTitles] = useState<NameRow[]>(
    initial ? rowsOf(initial.titles) : [{ languageCode: "en", text: "" }],
  );
  const [discipline, setDiscipline] = useState(initial?.discipline ?? "");
  const [hours, setHours] = useState<string | number>(initial?.hours ?? 40);
  const [languages, setLanguages] = useState(initial?.instructionLanguages.join(", ") ?? "ru");
  const [description, setDescription] = useState(initial?.description ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields = {
      titles: namesOf(titles),
      discipline: discipline.trim(),
      hours: Number(hours),
      instructionLanguages: splitList(languages),
      description,
    };
    const saved = await action.run("save", () =>
      initial
        ? course.updateCourse({
            course: { ...fields, name: initial.name, etag: initial.etag },
            updateMask: {
              paths: ["titles", "discipline", "hours", "instruction_languages", "description"],
            },
            requestId: newRequestId(),
          })
        : course.createCourse({
            course: { ...fields, code: code.trim().toUpperCase() },
            requestId: newRequestId(),
          }),
    );
    if (saved) onDone(true);
  }

  const title = initial
    ? t("admin.editCourse", { name: `${initial.code} · ${localized(initial.titles, language)}` })
    : t("admin.newCourse");
  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={title}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{title}</Title>
          <Group grow>
            {!initial && (
              <TextInput
                label={t("admin.code")}
                description={t("admin.codeHelp")}
                value={code}
                onChange={(event) => setCode(event.currentTarget.value)}
                maxLength={32}
                required
              />
            )}
            <TextInput
              label={t("admin.discipline")}
              value={discipline}
              onChange={(event) => setDiscipline(event.currentTarget.value)}
              required
            />
            <NumberField
              label={t("admin.hours")}
              value={hours}
              onChange={setHours}
              min={1}
              max={2000}
              required
            />
          </Group>
          <NamesInput legend={t("admin.titles")} rows={titles} onChange={setTitles} />
          <TextInput
            label={t("admin.instructionLanguages")}
            description={t("admin.languagesHelp")}
            value={languages}
            onChange={(event) => setLanguages(event.currentTarget.value)}
            required
          />
          <Textarea
            label={t("admin.description")}
            value={description}
            onChange={(event) => setDescription(event.currentTarget.value)}
            rows={3}
          />
          <FormActions action={action} submit={t(initial ? "admin.save" : "admin.create")} onBack={() => onDone(false)} />
        </Stack>
      </form>
    </Paper>
  );
}

// The shared course catalogue: create and edit courses.
export function Courses() {
  const { t, language } = useI18n();
  const action = useAction();
  const [editing, setEditing] = useState<Course | "new" | null>(null);
  const pages = usePages<Course>(async (pageToken, signal) => {
    const r = await course.listCourses({ pageSize: 20, pageToken }, { signal });
    return { items: r.courses, nextPageToken: r.nextPageToken };
  }, []);
  const done = (saved: boolean) => {
    setEditing(null);
    action.clear();
    if (saved) pages.reload();
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("admin.courses")}</Title>
        {editing === null && <Button onClick={() => setEditing("new")}>{t("admin.newCourse")}</Button>}
      </Group>
      {editing !== null && (
        <CourseForm
          key={editing === "new" ? "new" : editing.name}
          initial={editing === "new" ? undefined : editing}
          action={action}
          onDone={done}
        />
      )}
      {pages.error !== undefined && <ErrorNotice error={pages.error} onRetry={pages.reload} />}
      {pages.loading && !pages.data && <Loader aria-label={t("common.loading")} />}
      {pages.data && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-busy={pages.loading} striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.code")}</Table.Th>
                <Table.Th>{t("admin.titles")}</Table.Th>
                <Table.Th>{t("admin.discipline")}</Table.Th>
                <Table.Th>{t("admin.hours")}</Table.Th>
                <Table.Th>{t("admin.instructionLanguages")}</Table.Th>
                <Table.Th>{t("admin.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pages.data.items.map((c) => (
                <Table.Tr key={c.name}>
                  <Table.Td>{c.code}</Table.Td>
                  <Table.Td>
                    {localized(c.titles, language)}
                    <Text size="xs" c="dimmed">
                      {c.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>{c.discipline}</Table.Td>
                  <Table.Td>{c.hours}</Table.Td>
                  <Table.Td>{c.instructionLanguages.join(", ")}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => setEditing(c)}>
                        {t("admin.edit")}
                      </Button>
                      <Anchor
                        component={Link}
                        to={`/history?resource=${encodeURIComponent(c.name)}`}
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
      <Pager pages={pages} label={t("admin.courses")} />
    </Stack>
  );
}
