// What the exchange pages share: the words for programmes' and mobilities' states, a participant's
// name, the actions a caller may take on a mobility, a programme's quota use.
import { Badge, Box, Button, Group, Stack, Text } from "@mantine/core";
import { useState } from "react";

import { useI18n } from "../../app/i18n.js";
import { type MobilityAction, NEEDS_REASON, mobilityActions, sidesOf } from "../../app/lifecycle.js";
import type { MessageKey } from "../../app/messages.js";
import { useAction } from "../../app/mutation.js";
import { traineeName } from "../../app/people.js";
import { useSession } from "../../app/session.js";
import { enrollment, exchange, newRequestId } from "../../calls/api.js";
import { ConfirmPanel } from "../../components/ConfirmPanel.js";
import { ErrorNotice } from "../../components/ErrorNotice.js";
import type { Trainee } from "../../gen/luban/enrollment/v1/enrollment_pb.js";
import {
  Direction,
  type Mobility,
  MobilityState,
  type Programme,
  ProgrammeKind,
  ProgrammeStatus,
} from "../../gen/luban/exchange/v1/exchange_pb.js";

export const PROGRAMME_STATUS_KEY: Record<ProgrammeStatus, MessageKey> = {
  [ProgrammeStatus.UNSPECIFIED]: "programme.statusPlanned",
  [ProgrammeStatus.PLANNED]: "programme.statusPlanned",
  [ProgrammeStatus.OPEN]: "programme.statusOpen",
  [ProgrammeStatus.CLOSED]: "programme.statusClosed",
  [ProgrammeStatus.COMPLETED]: "programme.statusCompleted",
  [ProgrammeStatus.CANCELLED]: "programme.statusCancelled",
};

// The button that moves a programme to a status.
export const PROGRAMME_MOVE_KEY: Record<ProgrammeStatus, MessageKey> = {
  [ProgrammeStatus.UNSPECIFIED]: "programme.statusPlanned",
  [ProgrammeStatus.PLANNED]: "programme.statusPlanned",
  [ProgrammeStatus.OPEN]: "programme.open",
  [ProgrammeStatus.CLOSED]: "programme.close",
  [ProgrammeStatus.COMPLETED]: "programme.complete",
  [ProgrammeStatus.CANCELLED]: "programme.cancel",
};

export const KIND_KEY: Record<ProgrammeKind, MessageKey> = {
  [ProgrammeKind.UNSPECIFIED]: "programme.kindStudyVisit",
  [ProgrammeKind.TRAINEE_STUDY_VISIT]: "programme.kindStudyVisit",
  [ProgrammeKind.TEACHER_TRAINING]: "programme.kindTeacherTraining",
  [ProgrammeKind.TECHNICAL_EXCHANGE]: "programme.kindTechnicalExchange",
  [ProgrammeKind.SKILLS_COMPETITION]: "programme.kindSkillsCompetition",
};

export const DIRECTION_KEY: Record<Direction, MessageKey> = {
  [Direction.UNSPECIFIED]: "programme.toChina",
  [Direction.TO_CHINA]: "programme.toChina",
  [Direction.TO_PARTNER_COUNTRY]: "programme.toPartner",
};

export const STATE_KEY: Record<MobilityState, MessageKey> = {
  [MobilityState.UNSPECIFIED]: "mobility.nominated",
  [MobilityState.NOMINATED]: "mobility.nominated",
  [MobilityState.APPROVED]: "mobility.approved",
  [MobilityState.REJECTED]: "mobility.rejected",
  [MobilityState.DEPARTED]: "mobility.departed",
  [MobilityState.RETURNED]: "mobility.returned",
  [MobilityState.CANCELLED]: "mobility.cancelled",
};

const STATE_COLOR: Record<MobilityState, string> = {
  [MobilityState.UNSPECIFIED]: "gray",
  [MobilityState.NOMINATED]: "blue",
  [MobilityState.APPROVED]: "green",
  [MobilityState.REJECTED]: "red",
  [MobilityState.DEPARTED]: "yellow",
  [MobilityState.RETURNED]: "green",
  [MobilityState.CANCELLED]: "gray",
};

export function StateBadge({ state }: { state: MobilityState }) {
  const { t } = useI18n();
  return (
    <Badge variant="light" color={STATE_COLOR[state]}>
      {t(STATE_KEY[state])}
    </Badge>
  );
}

// The names of the trainees some mobilities name (those the caller may see), by resource name.
export async function traineesOf(
  mobilities: readonly Mobility[],
  signal: AbortSignal,
): Promise<Map<string, Trainee>> {
  const names = [
    ...new Set(
      mobilities.flatMap((m) => (m.participant.case === "trainee" ? [m.participant.value] : [])),
    ),
  ];
  const found = await Promise.all(
    names.map((name) => enrollment.getTrainee({ name }, { signal }).catch(() => undefined)),
  );
  return new Map(found.flatMap((t) => (t ? [[t.name, t] as const] : [])));
}

// A participant as people read it: the name in its own script (Latin beside it), or "redacted"
// where the caller's role does not see personal data.
export function Participant({
  mobility,
  trainees,
}: {
  mobility: Mobility;
  trainees: Map<string, Trainee>;
}) {
  const { t } = useI18n();
  const p = mobility.participant;
  if (p.case === "trainee") {
    const trainee = trainees.get(p.value);
    const name = traineeName(trainee);
    return (
      <Stack gap={0}>
        <Text size="sm">
          {name !== "" ? name : trainee?.redacted ? t("mobility.redacted") : p.value}
        </Text>
        <Text size="xs" c="dimmed">
          {t("mobility.trainee")} · {p.value}
        </Text>
      </Stack>
    );
  }
  if (p.case === "teacher") {
    const native = p.value.fullName;
    const latin = p.value.fullNameLatin;
    const name = native === "" ? latin : latin !== "" && latin !== native ? `${native} (${latin})` : native;
    return (
      <Stack gap={0}>
        <Text size="sm">{name !== "" ? name : t("mobility.redacted")}</Text>
        <Text size="xs" c="dimmed">
          {t("mobility.teacher")}
          {p.value.position !== "" && ` · ${p.value.position}`}
        </Text>
      </Stack>
    );
  }
  return null;
}

// The latest reason given on a mobility (a rejection's, a cancellation's...), if any.
export function latestReason(mobility: Mobility): string {
  for (let i = mobility.decisions.length - 1; i >= 0; i--) {
    if (mobility.decisions[i].reason !== "") return mobility.decisions[i].reason;
  }
  return "";
}

const ACTION_KEY: Record<MobilityAction, MessageKey> = {
  approve: "mobility.approve",
  reject: "mobility.reject",
  reopen: "mobility.reopen",
  depart: "mobility.depart",
  return: "mobility.return",
  cancel: "mobility.cancel",
};

// The steps the caller's side may take on a mobility; those that need a reason ask for it first.
export function MobilityActions({
  mobility,
  label,
  onChanged,
}: {
  mobility: Mobility;
  // Who it is about, for the confirmation's title.
  label: string;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const { caller } = useSession();
  const action = useAction();
  const [asking, setAsking] = useState<MobilityAction | null>(null);
  if (!caller) return null;
  const actions = mobilityActions(mobility.state, sidesOf(caller, mobility));
  if (actions.length === 0) return null;

  async function act(what: MobilityAction, reason: string) {
    const request = { name: mobility.name, etag: mobility.etag, reason, requestId: newRequestId() };
    const ok = await action.run(what, () => {
      switch (what) {
        case "approve":
          return exchange.approveMobility(request);
        case "reject":
          return exchange.rejectMobility(request);
        case "reopen":
          return exchange.reopenMobility(request);
        case "depart":
          return exchange.departMobility(request);
        case "return":
          return exchange.returnMobility(request);
        case "cancel":
          return exchange.cancelMobility(request);
      }
    });
    if (ok) {
      setAsking(null);
      onChanged();
    }
  }

  return (
    <Stack gap="xs">
      <Group gap="xs">
        {actions.map((what) => (
          <Button
            key={what}
            size="xs"
            variant={what === "approve" || what === "depart" || what === "return" ? "filled" : "default"}
            loading={action.busy === what}
            onClick={() => (NEEDS_REASON.has(what) ? setAsking(what) : void act(what, ""))}
          >
            {t(ACTION_KEY[what])}
          </Button>
        ))}
      </Group>
      {asking && (
        <ConfirmPanel
          title={t("mobility.confirm", { action: t(ACTION_KEY[asking]), name: label })}
          reason="required"
          busy={action.busy === asking}
          onConfirm={(reason) => void act(asking, reason)}
          onCancel={() => {
            setAsking(null);
            action.clear();
          }}
        />
      )}
      {action.error !== undefined && <ErrorNotice error={action.error} />}
    </Stack>
  );
}

// Places taken of a programme's quota, as a figure and a bar.
export function QuotaUse({ programme }: { programme: Programme }) {
  const { t } = useI18n();
  const share = programme.quota > 0 ? Math.min(1, programme.approvedCount / programme.quota) : 0;
  return (
    <Stack gap={2} miw={120}>
      <Text size="sm">
        {t("programme.quotaUse", { approved: programme.approvedCount, quota: programme.quota })}
      </Text>
      <Box aria-hidden h={6} bg="gray.2" style={{ borderRadius: 3 }}>
        <Box
          h={6}
          w={`${Math.round(share * 100)}%`}
          bg={share >= 1 ? "orange.7" : "blue.7"}
          style={{ borderRadius: 3 }}
        />
      </Box>
    </Stack>
  );
}
