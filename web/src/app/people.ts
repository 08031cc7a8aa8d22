// Trainees as people look for them and read them: by a name in any script or by the number on
// their identity document; names in their own script with the Latin beside them.
import { Code, ConnectError } from "@connectrpc/connect";

import { enrollment } from "../calls/api.js";
import {
  DocumentType,
  EnrollmentState,
  Sex,
  type Trainee,
  TraineeStatus,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import type { MessageKey } from "./messages.js";

// A query with a digit in it may be a document number (names have none).
export function looksLikeDocument(query: string): boolean {
  return /\d/.test(query);
}

export interface FindOptions {
  activeOnly?: boolean;
  signal?: AbortSignal;
}

// Trainees whose family name (any script, or Latin) begins with `query`, or whose document number
// is `query`; document matches first.
export async function findTrainees(query: string, options: FindOptions = {}): Promise<Trainee[]> {
  const q = query.trim();
  if (q === "") return [];
  const status = options.activeOnly ? TraineeStatus.ACTIVE : TraineeStatus.UNSPECIFIED;
  // A document number of the caller's trainees (letters and digits, any case, spaces and '-'
  // ignored); a query the service refuses as a number is no number.
  const byDocument = async (): Promise<Trainee[]> => {
    if (!looksLikeDocument(q)) return [];
    try {
      const answer = await enrollment.listTrainees(
        { documentNumber: q, pageSize: 20, status },
        { signal: options.signal },
      );
      return answer.trainees;
    } catch (error) {
      if (ConnectError.from(error).code === Code.InvalidArgument) return [];
      throw error;
    }
  };
  const [documents, names] = await Promise.all([
    byDocument(),
    enrollment.listTrainees({ namePrefix: q, pageSize: 20, status }, { signal: options.signal }),
  ]);
  const seen = new Set(documents.map((t) => t.name));
  return [...documents, ...names.trainees.filter((t) => !seen.has(t.name))];
}

// A trainee's name in its own script, with the Latin beside it.
export function traineeName(trainee: Trainee | undefined): string {
  if (!trainee) return "";
  const native = `${trainee.familyName} ${trainee.givenName}`.trim();
  const latin = latinName(trainee);
  return latin !== "" && latin !== native ? `${native} (${latin})` : native;
}

export function latinName(trainee: Trainee): string {
  return `${trainee.familyNameLatin} ${trainee.givenNameLatin}`.trim();
}

export function sexKey(sex: Sex): MessageKey {
  switch (sex) {
    case Sex.FEMALE:
      return "trainee.sexFemale";
    case Sex.MALE:
      return "trainee.sexMale";
    default:
      return "trainee.sexUnspecified";
  }
}

export function documentTypeKey(type: DocumentType): MessageKey {
  switch (type) {
    case DocumentType.PASSPORT:
      return "trainee.docPassport";
    case DocumentType.NATIONAL_ID:
      return "trainee.docNationalId";
    case DocumentType.RESIDENCE_PERMIT:
      return "trainee.docResidencePermit";
    case DocumentType.BIRTH_CERTIFICATE:
      return "trainee.docBirthCertificate";
    default:
      return "trainee.docUnspecified";
  }
}

export function enrollmentStateKey(state: EnrollmentState): MessageKey {
  switch (state) {
    case EnrollmentState.WAITLISTED:
      return "enroll.stateWaitlisted";
    case EnrollmentState.ENROLLED:
      return "enroll.stateEnrolled";
    case EnrollmentState.COMPLETED:
      return "enroll.stateCompleted";
    case EnrollmentState.FAILED:
      return "enroll.stateFailed";
    case EnrollmentState.WITHDRAWN:
      return "enroll.stateWithdrawn";
    default:
      return "enroll.stateCancelled";
  }
}
