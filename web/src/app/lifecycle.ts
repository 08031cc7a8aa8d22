// What may be done next to a record, as the services' lifecycles allow it: the console offers
// only these buttons (the services still refuse anything else with FAILED_PRECONDITION).
import { CourseRunStatus, WorkshopStatus } from "../gen/luban/course/v1/course_pb.js";
import { Direction, MobilityState, ProgrammeKind, ProgrammeStatus } from "../gen/luban/exchange/v1/exchange_pb.js";

export type RunAction = "open" | "start" | "complete" | "cancel";

// Scheduled -> open -> in progress -> completed; scheduled, open or in progress -> cancelled.
export function runActions(status: CourseRunStatus): RunAction[] {
  switch (status) {
    case CourseRunStatus.SCHEDULED:
      return ["open", "cancel"];
    case CourseRunStatus.OPEN:
      return ["start", "cancel"];
    case CourseRunStatus.IN_PROGRESS:
      return ["complete", "cancel"];
    default:
      return [];
  }
}

// Planned -> operating; operating <-> suspended; planned, operating or suspended -> closed.
export function workshopNext(status: WorkshopStatus): WorkshopStatus[] {
  switch (status) {
    case WorkshopStatus.PLANNED:
      return [WorkshopStatus.OPERATING, WorkshopStatus.CLOSED];
    case WorkshopStatus.OPERATING:
      return [WorkshopStatus.SUSPENDED, WorkshopStatus.CLOSED];
    case WorkshopStatus.SUSPENDED:
      return [WorkshopStatus.OPERATING, WorkshopStatus.CLOSED];
    default:
      return [];
  }
}

// Planned -> open -> closed -> completed; any but completed -> cancelled.
export function programmeNext(status: ProgrammeStatus): ProgrammeStatus[] {
  switch (status) {
    case ProgrammeStatus.PLANNED:
      return [ProgrammeStatus.OPEN, ProgrammeStatus.CANCELLED];
    case ProgrammeStatus.OPEN:
      return [ProgrammeStatus.CLOSED, ProgrammeStatus.CANCELLED];
    case ProgrammeStatus.CLOSED:
      return [ProgrammeStatus.COMPLETED, ProgrammeStatus.CANCELLED];
    default:
      return [];
  }
}

export type MobilityAction = "approve" | "reject" | "reopen" | "depart" | "return" | "cancel";

// The actions that need a reason (the services refuse them without one).
export const NEEDS_REASON: ReadonlySet<MobilityAction> = new Set(["reject", "reopen", "cancel"]);

export interface Sides {
  sending: boolean;
  receiving: boolean;
}

// Which side of a mobility the caller acts for: a network admin both, a college admin the side of
// its institution.
export function sidesOf(
  caller: { role: string; institution: string },
  mobility: { sendingInstitution: string; receivingInstitution: string },
): Sides {
  if (caller.role === "ROLE_NETWORK_ADMIN") return { sending: true, receiving: true };
  if (caller.role !== "ROLE_COLLEGE_ADMIN" || caller.institution === "") {
    return { sending: false, receiving: false };
  }
  return {
    sending: caller.institution === mobility.sendingInstitution,
    receiving: caller.institution === mobility.receivingInstitution,
  };
}

// nominated -> approved | rejected (receiving side); rejected -> nominated (reopen, receiving);
// approved -> departed -> returned (sending side); cancelled from any open state (either side).
export function mobilityActions(state: MobilityState, sides: Sides): MobilityAction[] {
  const either = sides.sending || sides.receiving;
  const actions: MobilityAction[] = [];
  switch (state) {
    case MobilityState.NOMINATED:
      if (sides.receiving) actions.push("approve", "reject");
      if (either) actions.push("cancel");
      break;
    case MobilityState.REJECTED:
      if (sides.receiving) actions.push("reopen");
      break;
    case MobilityState.APPROVED:
      if (sides.sending) actions.push("depart");
      if (either) actions.push("cancel");
      break;
    case MobilityState.DEPARTED:
      if (sides.sending) actions.push("return");
      if (either) actions.push("cancel");
      break;
    default:
      break;
  }
  return actions;
}

// Which service keeps the audit trail of a record: its collection says.
export type ServiceName = "course" | "enrollment" | "exchange";

const SERVICE_OF: Record<string, ServiceName> = {
  institutions: "course",
  workshops: "course",
  courses: "course",
  courseRuns: "course",
  trainees: "enrollment",
  enrollments: "enrollment",
  certificates: "enrollment",
  programmes: "exchange",
  mobilities: "exchange",
};

export function serviceOf(resource: string): ServiceName | null {
  const match = /^([A-Za-z]+)\/[0-9]+$/.exec(resource.trim());
  return match ? (SERVICE_OF[match[1]] ?? null) : null;
}

// The institution that sends a programme's participants (and nominates them): the partner when
// they travel to China, the Chinese college when they travel to the partner's country.
export function sendingInstitution(programme: {
  direction: Direction;
  chineseInstitution: string;
  partnerInstitution: string;
}): string {
  return programme.direction === Direction.TO_PARTNER_COUNTRY ? programme.chineseInstitution : programme.partnerInstitution;
}

// Teacher training and technical exchanges take teachers; study visits and skills competitions
// take trainees (the exchange service refuses the other kind of participant).
export function takesTeachers(kind: ProgrammeKind): boolean {
  return kind === ProgrammeKind.TEACHER_TRAINING || kind === ProgrammeKind.TECHNICAL_EXCHANGE;
}
