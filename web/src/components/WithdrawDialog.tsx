import { Button, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useState } from "react";

import { isUnauthenticated } from "../app/errors.js";
import { useI18n } from "../app/i18n.js";
import { useRequestIds } from "../app/requestIds.js";
import { useSession } from "../app/session.js";
import { enrollment } from "../calls/api.js";
import { type Enrollment, EnrollmentState } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { ErrorNotice } from "./ErrorNotice.js";

export interface WithdrawTarget {
  enrollment: Enrollment;
  name: string;
  // Who takes the seat: the first on the waitlist, when an enrolled trainee leaves.
  nextUp?: string;
}

// Asks before withdrawing, saying what follows: who moves up from the waitlist into the freed
// seat, or that the seat stays free. The enrollment's etag goes with the call: if the run changed
// meanwhile (someone else withdrew), the service refuses and the page reloads.
export function WithdrawDialog({
  target,
  onClose,
  onWithdrawn,
}: {
  target: WithdrawTarget | null;
  onClose: () => void;
  onWithdrawn: () => void;
}) {
  const { t } = useI18n();
  const { lost } = useSession();
  const ids = useRequestIds();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const close = () => {
    setReason("");
    setError(null);
    onClose();
  };

  async function withdraw() {
    if (!target) return;
    const key = `withdraw ${target.enrollment.name} ${target.enrollment.etag} ${reason}`;
    setBusy(true);
    setError(null);
    try {
      await enrollment.withdraw({
        name: target.enrollment.name,
        etag: target.enrollment.etag,
        reason: reason.trim(),
        requestId: ids.for(key),
      });
      ids.done(key);
      setReason("");
      onWithdrawn();
    } catch (e) {
      if (isUnauthenticated(e)) lost();
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const enrolled = target?.enrollment.state === EnrollmentState.ENROLLED;
  return (
    <Modal
      opened={target !== null}
      onClose={close}
      title={t("withdraw.title")}
      closeButtonProps={{ "aria-label": t("withdraw.close") }}
      centered
    >
      {target && (
        <Stack>
          <Text fw={600}>{t("withdraw.confirm", { name: target.name })}</Text>
          <Text data-testid="withdraw-consequence">
            {enrolled
              ? target.nextUp
                ? t("withdraw.promotes", { name: target.nextUp })
                : t("withdraw.noPromotion")
              : t("withdraw.fromWaitlist")}
          </Text>
          <Textarea
            label={t("withdraw.reason")}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            maxLength={1000}
            autosize
            minRows={2}
          />
          {error !== null && <ErrorNotice error={error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("withdraw.cancel")}
            </Button>
            <Button color="red" loading={busy} onClick={() => void withdraw()}>
              {t("withdraw.submit")}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
