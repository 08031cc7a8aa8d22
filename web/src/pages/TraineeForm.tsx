import "./traineeForm.css";

import {
  Alert,
  Anchor,
  Button,
  Fieldset,
  Group,
  Loader,
  NativeSelect,
  SimpleGrid,
  Stack,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { isUnauthenticated, showError } from "../app/errors.js";
import { fieldError } from "../app/fieldErrors.js";
import { useI18n } from "../app/i18n.js";
import { documentTypeKey, sexKey } from "../app/people.js";
import { useRequestIds } from "../app/requestIds.js";
import { useSession } from "../app/session.js";
import { localized, resourceId } from "../app/text.js";
import {
  EMPTY_FIELDS,
  type FieldKey,
  fieldKeyOf,
  fieldsOf,
  traineeOf,
  type TraineeFields,
  updateMask,
} from "../app/traineeForm.js";
import { useCall } from "../app/useCall.js";
import { course, enrollment } from "../calls/api.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import type { Workshop } from "../gen/luban/course/v1/course_pb.js";
import { DocumentType, Sex, type Trainee } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";

type Problem =
  | { kind: "fields"; errors: Partial<Record<FieldKey, string>>; error: unknown; existing?: string }
  | { kind: "other"; error: unknown };

// The form of a trainee, to create one or to edit one (`original`): the service's refusals shown
// at the field they name; an edit sends the etag and only the fields that changed.
function TraineeEditor({
  original,
  workshops,
  onReload,
}: {
  original?: Trainee;
  workshops: Workshop[];
  onReload?: () => void;
}) {
  const { t, language } = useI18n();
  const { lost } = useSession();
  const navigate = useNavigate();
  const ids = useRequestIds();
  const start = original ? fieldsOf(original) : { ...EMPTY_FIELDS, homeWorkshop: workshops[0]?.name ?? "" };
  const [fields, setFields] = useState<TraineeFields>(start);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  const errors = problem?.kind === "fields" ? problem.errors : {};
  const input = (key: FieldKey) => ({
    value: fields[key],
    error: errors[key],
    onChange: (event: { currentTarget: { value: string } }) => {
      const value = event.currentTarget.value;
      setFields((f) => ({ ...f, [key]: value }));
    },
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      let saved: Trainee;
      if (original) {
        const paths = updateMask(fieldsOf(original), fields);
        if (paths.length === 0) {
          void navigate(`/trainees/${resourceId(original.name)}`);
          return;
        }
        const trainee = { ...traineeOf(fields), name: original.name, etag: original.etag };
        const key = `update ${original.name} ${original.etag} ${JSON.stringify(fields)}`;
        saved = await enrollment.updateTrainee({
          trainee,
          updateMask: { paths },
          requestId: ids.for(key),
        });
        ids.done(key);
      } else {
        const key = `create ${JSON.stringify(fields)}`;
        saved = await enrollment.createTrainee({ trainee: traineeOf(fields), requestId: ids.for(key) });
        ids.done(key);
      }
      void navigate(`/trainees/${resourceId(saved.name)}`);
    } catch (error) {
      if (isUnauthenticated(error)) lost();
      const named = fieldError(error, "trainee");
      const key = named && fieldKeyOf(named.field);
      if (named && key) {
        const existing = /\((trainees\/\d+)\)/.exec(named.rule)?.[1];
        setProblem({ kind: "fields", errors: { [key]: named.rule }, error, existing });
      } else {
        setProblem({ kind: "other", error });
      }
    } finally {
      setBusy(false);
    }
  }

  const conflict = problem?.kind === "other" && ConnectError.from(problem.error).code === Code.Aborted;
  const sexes = [Sex.UNSPECIFIED, Sex.FEMALE, Sex.MALE].map((s) => ({
    value: String(s),
    label: t(sexKey(s)),
  }));
  const documentTypes = [
    DocumentType.UNSPECIFIED,
    DocumentType.PASSPORT,
    DocumentType.NATIONAL_ID,
    DocumentType.RESIDENCE_PERMIT,
    DocumentType.BIRTH_CERTIFICATE,
  ].map((d) => ({ value: String(d), label: t(documentTypeKey(d)) }));
  const workshopOptions = workshops.map((w) => ({
    value: w.name,
    label: localized(w.displayNames, language),
  }));
  if (fields.homeWorkshop !== "" && !workshops.some((w) => w.name === fields.homeWorkshop)) {
    workshopOptions.push({ value: fields.homeWorkshop, label: fields.homeWorkshop });
  }

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="trainee-form">
      <Stack maw={880}>
        <Title order={2}>
          {original
            ? t("trainee.editTitle", { name: `${original.familyName} ${original.givenName}` })
            : t("trainee.createTitle")}
        </Title>
        {problem?.kind === "fields" && (
          <Alert color="red" role="alert" title={t(showError(problem.error).key)}>
            {t("trainee.checkFields")}
            {problem.existing && (
              <>
                {" "}
                <Anchor component={Link} to={`/trainees/${resourceId(problem.existing)}`}>
                  {t("trainee.openExisting")}
                </Anchor>
              </>
            )}
          </Alert>
        )}
        {problem?.kind === "other" && (
          <ErrorNotice error={problem.error} onRetry={conflict ? onReload : undefined} />
        )}
        <Fieldset legend={t("trainee.names")}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t("trainee.familyName")} required {...input("familyName")} />
            <TextInput label={t("trainee.givenName")} required {...input("givenName")} />
            <TextInput
              label={t("trainee.familyNameLatin")}
              description={t("trainee.latinHelp")}
              required
              {...input("familyNameLatin")}
            />
            <TextInput
              label={t("trainee.givenNameLatin")}
              description={t("trainee.latinHelp")}
              required
              {...input("givenNameLatin")}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t("trainee.person")}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <NativeSelect label={t("trainee.sex")} data={sexes} {...input("sex")} />
            <TextInput type="date" label={t("trainee.birthDate")} required {...input("birthDate")} />
            <TextInput
              label={t("trainee.citizenship")}
              description={t("trainee.countryHelp")}
              maxLength={2}
              required
              {...input("citizenship")}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t("trainee.document")}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label={t("trainee.documentCountry")}
              description={t("trainee.countryHelp")}
              maxLength={2}
              required
              disabled={original !== undefined}
              {...input("documentCountry")}
            />
            <NativeSelect
              label={t("trainee.documentType")}
              data={documentTypes}
              required
              disabled={original !== undefined}
              {...input("documentType")}
            />
            <TextInput
              label={t("trainee.documentNumber")}
              description={original ? t("trainee.documentFixed") : undefined}
              required
              disabled={original !== undefined}
              {...input("documentNumber")}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t("trainee.contacts")}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput type="email" label={t("trainee.email")} {...input("email")} />
            <TextInput
              type="tel"
              label={t("trainee.phone")}
              description={t("trainee.phoneHelp")}
              {...input("phone")}
            />
          </SimpleGrid>
          <Textarea mt="sm" label={t("trainee.address")} autosize minRows={2} {...input("address")} />
        </Fieldset>
        <NativeSelect
          label={t("trainee.homeWorkshop")}
          data={workshopOptions}
          required
          {...input("homeWorkshop")}
        />
        <Group>
          <Button type="submit" loading={busy}>
            {original ? t("trainee.save") : t("trainee.create")}
          </Button>
          <Button
            variant="default"
            component={Link}
            to={original ? `/trainees/${resourceId(original.name)}` : "/trainees"}
          >
            {t("trainee.cancel")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function useWorkshops() {
  const { caller } = useSession();
  const institution = caller?.institution ?? "";
  return useCall<Workshop[]>(
    async (signal) =>
      (await course.listWorkshops({ institution, pageSize: 1000 }, { signal })).workshops,
    [institution],
  );
}

export function NewTrainee() {
  const { t } = useI18n();
  const workshops = useWorkshops();
  if (workshops.error) return <ErrorNotice error={workshops.error} onRetry={workshops.reload} />;
  if (!workshops.data) return <Loader aria-label={t("common.loading")} />;
  return <TraineeEditor workshops={workshops.data} />;
}

export function EditTrainee() {
  const { t } = useI18n();
  const { id } = useParams();
  const name = `trainees/${id ?? ""}`;
  const workshops = useWorkshops();
  const trainee = useCall<Trainee>((signal) => enrollment.getTrainee({ name }, { signal }), [name]);
  if (trainee.error) {
    const code = ConnectError.from(trainee.error).code;
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={trainee.error} onRetry={trainee.reload} />;
  }
  if (workshops.error) return <ErrorNotice error={workshops.error} onRetry={workshops.reload} />;
  if (!workshops.data || !trainee.data || trainee.loading) {
    return <Loader aria-label={t("common.loading")} />;
  }
  // Keyed by etag: a reload after a conflict starts the form again from the stored trainee.
  return (
    <TraineeEditor
      key={trainee.data.etag}
      original={trainee.data}
      workshops={workshops.data}
      onReload={trainee.reload}
    />
  );
}
