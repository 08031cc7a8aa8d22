import { Alert, Button, Stack, Title } from "@mantine/core";
import { useState } from "react";

import { isUnauthenticated } from "../app/errors.js";
import { useI18n } from "../app/i18n.js";
import { traineeName } from "../app/people.js";
import { useRequestIds } from "../app/requestIds.js";
import { useSession } from "../app/session.js";
import { enrollment } from "../calls/api.js";
import { EnrollmentState, type Trainee } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { ErrorNotice } from "./ErrorNotice.js";
import { TraineeSearch } from "./TraineeSearch.js";

type Outcome = { kind: "done"; text: string; waitlisted: boolean } | { kind: "error"; error: unknown };

// Enrolls a trainee found by name or document in an open run: a seat while there is one, else a
// place on the waitlist (the service decides, under its lock).
export function EnrollPanel({ run, onEnrolled }: { run: string; onEnrolled: () => void }) {
  const { t } = useI18n();
  const { lost } = useSession();
  const ids = useRequestIds();
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function enroll(trainee: Trainee) {
    const key = `enroll ${trainee.name} ${run}`;
    setBusy(trainee.name);
    setOutcome(null);
    try {
      const answer = await enrollment.enroll({
        trainee: trainee.name,
        courseRun: run,
        requestId: ids.for(key),
      });
      ids.done(key);
      const name = traineeName(trainee);
      const waitlisted = answer.state === EnrollmentState.WAITLISTED;
      setOutcome({
        kind: "done",
        waitlisted,
        text: waitlisted
          ? t("enroll.waitlisted", { name, position: answer.waitlistPosition })
          : t("enroll.enrolled", { name }),
      });
      onEnrolled();
    } catch (error) {
      if (isUnauthenticated(error)) lost();
      setOutcome({ kind: "error", error });
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack gap="xs">
      <Title order={3}>{t("enroll.title")}</Title>
      <TraineeSearch
        label={t("trainee.search")}
        activeOnly
        action={(trainee) => (
          <Button
            size="xs"
            loading={busy === trainee.name}
            disabled={busy !== null && busy !== trainee.name}
            onClick={() => void enroll(trainee)}
            aria-label={t("enroll.actionFor", { name: traineeName(trainee) })}
          >
            {t("enroll.action")}
          </Button>
        )}
      />
      {outcome?.kind === "done" && (
        <Alert color={outcome.waitlisted ? "yellow" : "green"} role="status">
          {outcome.text}
        </Alert>
      )}
      {outcome?.kind === "error" && <ErrorNotice error={outcome.error} />}
    </Stack>
  );
}
