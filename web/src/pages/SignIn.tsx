import { Alert, Button, Paper, PasswordInput, Stack, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";

import { useI18n } from "../app/i18n.js";
import { useSession } from "../app/session.js";

// Sign-in with a personal token, as Kubernetes Dashboard does: the gateway checks it with the
// services and keeps it in the session; the page forgets it at once.
export function SignIn() {
  const { t } = useI18n();
  const { signIn, expired } = useSession();
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<"refused" | "unavailable" | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await signIn(token);
    setBusy(false);
    if (result === "ok") {
      setToken("");
    } else {
      setProblem(result);
    }
  }

  return (
    <Paper maw={420} mx="auto" mt="xl" p="lg" withBorder>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <Title order={2}>{t("signIn.title")}</Title>
          {expired && problem === null && <Alert color="yellow">{t("signIn.expired")}</Alert>}
          {problem !== null && (
            <Alert color="red" role="alert">
              {t(problem === "refused" ? "signIn.refused" : "error.unavailable")}
            </Alert>
          )}
          <PasswordInput
            label={t("signIn.token")}
            description={t("signIn.tokenHelp")}
            value={token}
            onChange={(event) => setToken(event.currentTarget.value)}
            autoComplete="off"
            required
          />
          <Button type="submit" loading={busy}>
            {t("signIn.submit")}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
