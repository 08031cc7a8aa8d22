// A trainee as a form holds it (text in every input), to and from the generated message, and the
// update mask of an edit: only the fields that changed, as UpdateTrainee asks.
import { create } from "@bufbuild/protobuf";

import { DateSchema } from "../gen/luban/common/v1/types_pb.js";
import {
  ContactsSchema,
  IdentityDocumentSchema,
  type Trainee,
  TraineeSchema,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { isoDate } from "./text.js";
import { parseIsoDate } from "./traineeImport.js";

export interface TraineeFields {
  familyName: string;
  givenName: string;
  familyNameLatin: string;
  givenNameLatin: string;
  // The enum's number as text ("0" not recorded).
  sex: string;
  // YYYY-MM-DD, as <input type="date"> gives it.
  birthDate: string;
  citizenship: string;
  documentCountry: string;
  documentType: string;
  documentNumber: string;
  email: string;
  phone: string;
  address: string;
  homeWorkshop: string;
}

export type FieldKey = keyof TraineeFields;

export const EMPTY_FIELDS: TraineeFields = {
  familyName: "",
  givenName: "",
  familyNameLatin: "",
  givenNameLatin: "",
  sex: "0",
  birthDate: "",
  citizenship: "",
  documentCountry: "",
  documentType: "0",
  documentNumber: "",
  email: "",
  phone: "",
  address: "",
  homeWorkshop: "",
};

export function fieldsOf(trainee: Trainee): TraineeFields {
  return {
    familyName: trainee.familyName,
    givenName: trainee.givenName,
    familyNameLatin: trainee.familyNameLatin,
    givenNameLatin: trainee.givenNameLatin,
    sex: String(trainee.sex),
    birthDate: isoDate(trainee.birthDate),
    citizenship: trainee.citizenship,
    documentCountry: trainee.identityDocument?.countryCode ?? "",
    documentType: String(trainee.identityDocument?.type ?? 0),
    documentNumber: trainee.identityDocument?.number ?? "",
    email: trainee.contacts?.email ?? "",
    phone: trainee.contacts?.phone ?? "",
    address: trainee.contacts?.address ?? "",
    homeWorkshop: trainee.homeWorkshop,
  };
}

// The trainee the fields describe (text trimmed; a date that is not one is left unset, and the
// service names the field).
export function traineeOf(fields: TraineeFields): Trainee {
  const date = parseIsoDate(fields.birthDate.trim());
  return create(TraineeSchema, {
    familyName: fields.familyName.trim(),
    givenName: fields.givenName.trim(),
    familyNameLatin: fields.familyNameLatin.trim(),
    givenNameLatin: fields.givenNameLatin.trim(),
    sex: Number(fields.sex),
    birthDate: date ? create(DateSchema, date) : undefined,
    citizenship: fields.citizenship.trim().toUpperCase(),
    identityDocument: create(IdentityDocumentSchema, {
      countryCode: fields.documentCountry.trim().toUpperCase(),
      type: Number(fields.documentType),
      number: fields.documentNumber.trim(),
    }),
    contacts: create(ContactsSchema, {
      email: fields.email.trim(),
      phone: fields.phone.trim(),
      address: fields.address.trim(),
    }),
    homeWorkshop: fields.homeWorkshop,
  });
}

// UpdateTrainee's mask paths, each with the form fields it covers.
const MASK: [string, FieldKey[]][] = [
  ["family_name", ["familyName"]],
  ["given_name", ["givenName"]],
  ["family_name_latin", ["familyNameLatin"]],
  ["given_name_latin", ["givenNameLatin"]],
  ["sex", ["sex"]],
  ["birth_date", ["birthDate"]],
  ["citizenship", ["citizenship"]],
  ["contacts", ["email", "phone", "address"]],
  ["home_workshop", ["homeWorkshop"]],
];

// The mask paths of what changed from `before` to `after` (the document cannot change).
export function updateMask(before: TraineeFields, after: TraineeFields): string[] {
  return MASK.filter(([, keys]) => keys.some((k) => before[k].trim() !== after[k].trim())).map(
    ([path]) => path,
  );
}

// The form field a service's error names ("contacts.email", "identity_document"...), if any.
export function fieldKeyOf(path: string): FieldKey | undefined {
  const byPath: Record<string, FieldKey> = {
    family_name: "familyName",
    given_name: "givenName",
    family_name_latin: "familyNameLatin",
    given_name_latin: "givenNameLatin",
    sex: "sex",
    birth_date: "birthDate",
    citizenship: "citizenship",
    identity_document: "documentNumber",
    "identity_document.country_code": "documentCountry",
    "identity_document.type": "documentType",
    "identity_document.number": "documentNumber",
    contacts: "email",
    "contacts.email": "email",
    "contacts.phone": "phone",
    "contacts.address": "address",
    home_workshop: "homeWorkshop",
  };
  return byPath[path];
}
