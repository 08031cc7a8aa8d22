import { Button, Group, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent, type ReactNode } from "react";

import { useI18n } from "../app/i18n.js";
import { isUnauthenticated } from "../app/errors.js";
import { documentTypeKey, findTrainees, traineeName } from "../app/people.js";
import { useSession } from "../app/session.js";
import { isoDate } from "../app/text.js";
import type { Trainee } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { ErrorNotice } from "./ErrorNotice.js";

type Found = { query: string; trainees: Trainee[] } | { query: string; error: unknown };

// Finds trainees by a family name in any script (or Latin) or a document number, and lists them
// with what tells people apart (birth date, document); `action` renders each one's button or link.
export function TraineeSearch({
  label,
  activeOnly,
  action,
}: {
  label: string;
  activeOnly?: boolean;
  action: (trainee: Trainee) => ReactNode;
}) {
  const { t } = useI18n();
  const { lost } = useSession();
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const [found, setFound] = useState<Found | null>(null);

  async function search(event: FormEvent) {
    event.preventDefault();
    const q = query.trim();
    if (q === "") return;
    setBusy(true);
    try {
      setFound({ query: q, trainees: await findTrainees(q, { activeOnly }) });
    } catch (error) {
      if (isUnauthenticated(error)) lost();
      setFound({ query: q, error });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="xs">
      <form onSubmit={(event) => void search(event)} role="search">
        <Group align="end">
          <TextInput
            label={label}
            description={t("trainee.searchHelp")}
            value={query}
            onChange={(event) => setQuery(event.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button type="submit" loading={busy}>
            {t("trainee.find")}
          </Button>
        </Group>
      </form>
      {found && "error" in found && <ErrorNotice error={found.error} />}
      {found && "trainees" in found && found.trainees.length === 0 && (
        <Text role="status">{t("trainee.noneFound", { query: found.query })}</Text>
      )}
      {found && "trainees" in found && found.trainees.length > 0 && (
        <Table aria-label={t("trainee.found", { query: found.query })}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("trainee.name")}</Table.Th>
              <Table.Th>{t("trainee.birthDate")}</Table.Th>
              <Table.Th>{t("trainee.document")}</Table.Th>
              <Table.Th>{t("enroll.actions")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {found.trainees.map((trainee) => (
              <Table.Tr key={trainee.name}>
                <Table.Td>{traineeName(trainee)}</Table.Td>
                <Table.Td>{isoDate(trainee.birthDate)}</Table.Td>
                <Table.Td>
                  {trainee.identityDocument
                    ? `${trainee.identityDocument.countryCode} · ${t(documentTypeKey(trainee.identityDocument.type))} · ${trainee.identityDocument.number}`
                    : ""}
                </Table.Td>
                <Table.Td>{action(trainee)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
