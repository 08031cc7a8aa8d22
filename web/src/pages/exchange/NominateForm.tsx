import { Button, Group, NativeSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";

import { useI18n } from "../../app/i18n.js";
import { takesTeachers } from "../../app/lifecycle.js";
import { useAction } from "../../app/mutation.js";
import { traineeName } from "../../app/people.js";
import { enrollment, exchange, newRequestId } from "../../calls/api.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import type { Trainee } from "../../gen/luban/enrollment/v1/enrollment_pb.js";
import type { Mobility, Programme } from "../../gen/luban/exchange/v1/exchange_pb.js";

// Nominates a trainee (found by family name, in any script) or a teacher of the sending
// institution to an open programme, as its kind takes them; the exchange service checks the
// trainee's eligibility.
export function NominateForm({
  programme,
  onDone,
}: {
  programme: Programme;
  onDone: (nominated: Mobility) => void;
}) {
  const { t } = useI18n();
  const action = useAction();
  const kind = takesTeachers(programme.kind) ? "teacher" : "trainee";
  const [prefix, setPrefix] = useState("");
  const [found, setFound] = useState<Trainee[] | null>(null);
  const [trainee, setTrainee] = useState("");
  const [fullName, setFullName] = useState("");
  const [fullNameLatin, setFullNameLatin] = useState("");
  const [position, setPosition] = useState("");
  const [reason, setReason] = useState("");

  async function search() {
    const page = await action.run("search", () =>
      enrollment.listTrainees({ namePrefix: prefix.trim(), pageSize: 20 }),
    );
    if (page) {
      setFound(page.trainees);
      setTrainee(page.trainees[0]?.name ?? "");
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const nominated = await action.run("nominate", () =>
      exchange.nominate({
        programme: programme.name,
        participant:
          kind === "trainee"
            ? { case: "trainee", value: trainee }
            : {
                case: "teacher",
                value: { fullName: fullName.trim(), fullNameLatin: fullNameLatin.trim(), position: position.trim() },
              },
        reason: reason.trim(),
        requestId: newRequestId(),
      }),
    );
    if (nominated) {
      setFound(null);
      setTrainee("");
      setFullName("");
      setFullNameLatin("");
      setPosition("");
      setReason("");
      onDone(nominated);
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-label={t("mobility.nominate")}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Title order={3}>{t("mobility.nominate")}</Title>
          <Text size="sm">{t(kind === "teacher" ? "mobility.takesTeachers" : "mobility.takesTrainees")}</Text>
          {kind === "trainee" ? (
            <>
              <Group align="end">
                <TextInput
                  label={t("mobility.familyName")}
                  description={t("mobility.familyNameHelp")}
                  value={prefix}
                  onChange={(event) => setPrefix(event.currentTarget.value)}
                  onKeyDown={(event) => {
                    if (event.key === "Enter") {
                      event.preventDefault();
                      void search();
                    }
                  }}
                />
                <Button variant="default" onClick={() => void search()} loading={action.busy === "search"}>
                  {t("mobility.search")}
                </Button>
              </Group>
              {found !== null &&
                (found.length === 0 ? (
                  <Text c="dimmed">{t("mobility.noTrainees")}</Text>
                ) : (
                  <NativeSelect
                    label={t("mobility.trainee")}
                    value={trainee}
                    onChange={(event) => setTrainee(event.currentTarget.value)}
                    data={found.map((tr) => ({
                      value: tr.name,
                      label: `${traineeName(tr)} · ${tr.name}`,
                    }))}
                  />
                ))}
            </>
          ) : (
            <Group grow>
              <TextInput
                label={t("mobility.fullName")}
                value={fullName}
                onChange={(event) => setFullName(event.currentTarget.value)}
                required
              />
              <TextInput
                label={t("mobility.fullNameLatin")}
                value={fullNameLatin}
                onChange={(event) => setFullNameLatin(event.currentTarget.value)}
              />
              <TextInput
                label={t("mobility.position")}
                value={position}
                onChange={(event) => setPosition(event.currentTarget.value)}
              />
            </Group>
          )}
          <TextInput
            label={t("mobility.why")}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            maxLength={1000}
          />
          {action.error !== undefined && <ErrorNotice error={action.error} />}
          <Group>
            <Button
              type="submit"
              loading={action.busy === "nominate"}
              disabled={kind === "trainee" && trainee === ""}
            >
              {t("mobility.nominateSubmit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
