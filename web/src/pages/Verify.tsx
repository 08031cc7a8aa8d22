import { Alert, Button, Group, Paper, Stack, Table, TextInput, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useState, type FormEvent } from "react";
import { useParams, useNavigate } from "react-router";

import { useI18n } from "../app/i18n.js";
import { isoDate, localized } from "../app/text.js";
import { enrollment } from "../calls/api.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import {
  CertificateStatus,
  type VerifyCertificateResponse,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";

type Outcome =
  | { kind: "found"; answer: VerifyCertificateResponse }
  | { kind: "unknown" }
  | { kind: "error"; error: unknown };

// The public certificate check: anyone, no sign-in; valid, revoked or unknown, with the holder's
// masked name only.
export function Verify() {
  const { t, language } = useI18n();
  const params = useParams();
  const navigate = useNavigate();
  const [number, setNumber] = useState(params.number ?? "");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  async function check(event: FormEvent) {
    event.preventDefault();
    void navigate(`/verify/${encodeURIComponent(number.trim())}`, { replace: true });
    await lookUp(number.trim());
  }

  // A number in the address (the link printed on a certificate) is checked at once.
  const initial = params.number;
  useEffect(() => {
    if (initial) void lookUp(initial.trim());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function lookUp(wanted: string) {
    setBusy(true);
    try {
      const answer = await enrollment.verifyCertificate({ number: wanted });
      setOutcome(
        answer.status === CertificateStatus.UNKNOWN ? { kind: "unknown" } : { kind: "found", answer },
      );
    } catch (error) {
      const code = ConnectError.from(error).code;
      // A malformed number is no certificate's either.
      setOutcome(
        code === Code.NotFound || code === Code.InvalidArgument
          ? { kind: "unknown" }
          : { kind: "error", error },
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack maw={640} mx="auto" mt="md">
      <Title order={2}>{t("verify.title")}</Title>
      <form onSubmit={(event) => void check(event)}>
        <Group align="end">
          <TextInput
            label={t("verify.number")}
            value={number}
            onChange={(event) => setNumber(event.currentTarget.value)}
            required
            style={{ flex: 1 }}
          />
          <Button type="submit" loading={busy}>
            {t("verify.submit")}
          </Button>
        </Group>
      </form>
      {outcome?.kind === "unknown" && (
        <Alert color="gray" role="status" title={t("verify.unknown")} />
      )}
      {outcome?.kind === "error" && <ErrorNotice error={outcome.error} />}
      {outcome?.kind === "found" && (
        <Paper withBorder p="md" role="status">
          <Alert
            color={outcome.answer.status === CertificateStatus.VALID ? "green" : "red"}
            title={t(
              outcome.answer.status === CertificateStatus.VALID ? "verify.valid" : "verify.revoked",
            )}
          />
          <Table mt="md">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th>{t("verify.holder")}</Table.Th>
                <Table.Td>{outcome.answer.holderMaskedName}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("verify.course")}</Table.Th>
                <Table.Td>
                  {outcome.answer.courseCode} · {localized(outcome.answer.courseTitles, language)}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("verify.workshop")}</Table.Th>
                <Table.Td>{localized(outcome.answer.workshopNames, language)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("verify.issued")}</Table.Th>
                <Table.Td>{isoDate(outcome.answer.issueDate)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
