import { Group, NativeSelect, Paper, Stack, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";

import { useFocusFirst } from "../../app/focus.js";
import { type NameRow, namesOf, parseIsoDate, rowsOf } from "../../app/forms.js";
import { useI18n } from "../../app/i18n.js";
import type { Action } from "../../app/mutation.js";
import { isoDate, localized } from "../../app/text.js";
import { exchange, newRequestId } from "../../calls/api.js";
import { FormActions } from "../../components/FormActions.js";
import { NamesInput } from "../../components/NamesInput.js";
import { NumberField } from "../../components/NumberField.js";
import { type Course, type Institution, InstitutionKind } from "../../gen/luban/course/v1/course_pb.js";
import {
  Direction,
  type Programme,
  ProgrammeKind,
} from "../../gen/luban/exchange/v1/exchange_pb.js";
import { DIRECTION_KEY, KIND_KEY } from "./common.js";

type RequirementKind = "none" | "course" | "discipline";

// Creates a programme (planned) between a Chinese college and a partner, or edits one's titles,
// dates, quota and requirement (what the service lets change).
export function ProgrammeForm({
  initial,
  institutions,
  courses,
  ownInstitution,
  action,
  onDone,
}: {
  initial?: Programme;
  institutions: Institution[];
  courses: Course[];
  // A college admin's institution: chosen on its side to begin with.
  ownInstitution: string;
  action: Action;
  onDone: (saved: Programme | undefined) => void;
}) {
  const { t, language } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const chinese = institutions.filter((i) => i.kind === InstitutionKind.CHINESE_COLLEGE);
  const partners = institutions.filter((i) => i.kind === InstitutionKind.LOCAL_PARTNER);
  const first = (list: Institution[]) =>
    (list.find((i) => i.name === ownInstitution) ?? list[0])?.name ?? "";
  const [titles, setTitles] = useState<NameRow[]>(
    initial ? rowsOf(initial.titles) : [{ languageCode: "en", text: "" }],
  );
  const [chineseInstitution, setChinese] = useState(first(chinese));
  const [partnerInstitution, setPartner] = useState(first(partners));
  const [kind, setKind] = useState(String(ProgrammeKind.TRAINEE_STUDY_VISIT));
  const [direction, setDirection] = useState(String(Direction.TO_CHINA));
  const [start, setStart] = useState(isoDate(initial?.startDate));
  const [end, setEnd] = useState(isoDate(initial?.endDate));
  const [quota, setQuota] = useState<string | number>(initial?.quota ?? 5);
  const [requirement, setRequirement] = useState<RequirementKind>(
    initial?.requirement?.completedCourse
      ? "course"
      : initial?.requirement?.certificateDiscipline
        ? "discipline"
        : "none",
  );
  const [requiredCourse, setRequiredCourse] = useState(
    initial?.requirement?.completedCourse || (courses[0]?.name ?? ""),
  );
  const [discipline, setDiscipline] = useState(initial?.requirement?.certificateDiscipline ?? "");
  const institutionOption = (i: Institution) => ({
    value: i.name,
    label: `${localized(i.displayNames, language)} (${i.countryCode})`,
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields = {
      titles: namesOf(titles),
      startDate: parseIsoDate(start),
      endDate: parseIsoDate(end),
      quota: Number(quota),
      requirement: {
        completedCourse: requirement === "course" ? requiredCourse : "",
        certificateDiscipline: requirement === "discipline" ? discipline.trim() : "",
      },
    };
    const saved = await action.run("save", () =>
      initial
        ? exchange.updateProgramme({
            programme: { ...fields, name: initial.name, etag: initial.etag },
            updateMask: { paths: ["titles", "start_date", "end_date", "quota", "requirement"] },
            requestId: newRequestId(),
          })
        : exchange.createProgramme({
            programme: {
              ...fields,
              chineseInstitution,
              partnerInstitution,
              kind: Number(kind) as ProgrammeKind,
              direction: Number(direction) as Direction,
            },
            requestId: newRequestId(),
          }),
    );
    if (saved) onDone(saved);
  }

  const title = initial
    ? t("programme.edit", { name: localized(initial.titles, language) })
    : t("programme.new");
  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={title}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{title}</Title>
          <NamesInput legend={t("admin.titles")} rows={titles} onChange={setTitles} />
          {!initial && (
            <>
              <Group grow>
                <NativeSelect
                  label={t("admin.chineseInstitution")}
                  value={chineseInstitution}
                  onChange={(event) => setChinese(event.currentTarget.value)}
                  data={chinese.map(institutionOption)}
                />
                <NativeSelect
                  label={t("admin.partnerInstitution")}
                  value={partnerInstitution}
                  onChange={(event) => setPartner(event.currentTarget.value)}
                  data={partners.map(institutionOption)}
                />
              </Group>
              <Group grow>
                <NativeSelect
                  label={t("programme.kind")}
                  value={kind}
                  onChange={(event) => setKind(event.currentTarget.value)}
                  data={[
                    ProgrammeKind.TRAINEE_STUDY_VISIT,
                    ProgrammeKind.TEACHER_TRAINING,
                    ProgrammeKind.TECHNICAL_EXCHANGE,
                    ProgrammeKind.SKILLS_COMPETITION,
                  ].map((k) => ({ value: String(k), label: t(KIND_KEY[k]) }))}
                />
                <NativeSelect
                  label={t("programme.direction")}
                  value={direction}
                  onChange={(event) => setDirection(event.currentTarget.value)}
                  data={[Direction.TO_CHINA, Direction.TO_PARTNER_COUNTRY].map((d) => ({
                    value: String(d),
                    label: t(DIRECTION_KEY[d]),
                  }))}
                />
              </Group>
            </>
          )}
          <Group grow>
            <TextInput
              type="date"
              label={t("admin.startDate")}
              value={start}
              onChange={(event) => setStart(event.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label={t("admin.endDate")}
              value={end}
              onChange={(event) => setEnd(event.currentTarget.value)}
              required
            />
            <NumberField
              label={t("programme.quota")}
              value={quota}
              onChange={setQuota}
              min={1}
              max={1000}
              required
            />
          </Group>
          <Group grow>
            <NativeSelect
              label={t("programme.requirement")}
              value={requirement}
              onChange={(event) => setRequirement(event.currentTarget.value as RequirementKind)}
              data={[
                { value: "none", label: t("programme.requirementNone") },
                { value: "course", label: t("programme.requirementCourse") },
                { value: "discipline", label: t("programme.requirementDiscipline") },
              ]}
            />
            {requirement === "course" && (
              <NativeSelect
                label={t("run.course")}
                value={requiredCourse}
                onChange={(event) => setRequiredCourse(event.currentTarget.value)}
                data={courses.map((c) => ({
                  value: c.name,
                  label: `${c.code} · ${localized(c.titles, language)}`,
                }))}
              />
            )}
            {requirement === "discipline" && (
              <TextInput
                label={t("admin.discipline")}
                value={discipline}
                onChange={(event) => setDiscipline(event.currentTarget.value)}
                required
              />
            )}
          </Group>
          <FormActions action={action} submit={t(initial ? "admin.save" : "admin.create")} onBack={() => onDone(undefined)} />
        </Stack>
      </form>
    </Paper>
  );
}
