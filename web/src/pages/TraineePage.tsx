import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";

import { useI18n } from "../app/i18n.js";
import { documentTypeKey, enrollmentStateKey, latinName, sexKey } from "../app/people.js";
import { useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { course, enrollment } from "../calls/api.js";
import { listAll } from "../calls/reference.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { HistoryPanel } from "../components/HistoryPanel.js";
import type { Course, CourseRun, Workshop } from "../gen/luban/course/v1/course_pb.js";
import {
  type Certificate,
  CertificateStatus,
  type Enrollment,
  EnrollmentState,
  type Trainee,
  TraineeStatus,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";

interface TraineeData {
  trainee: Trainee;
  workshop?: Workshop;
  enrollments: { enrollment: Enrollment; run?: CourseRun; course?: Course }[];
  certificates: Certificate[];
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={220}>{label}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

// A trainee: names in the native script and in Latin, the identity document, contacts, and their
// enrollments and certificates.
export function TraineePage() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const { id } = useParams();
  const name = `trainees/${id ?? ""}`;
  const { data, error, loading, reload } = useCall<TraineeData>(
    async (signal) => {
      const trainee = await enrollment.getTrainee({ name }, { signal });
      const [workshop, enrollments, certificates] = await Promise.all([
        trainee.homeWorkshop === ""
          ? undefined
          : course.getWorkshop({ name: trainee.homeWorkshop }, { signal }).catch(() => undefined),
        listAll(async (pageToken) => {
          const a = await enrollment.listEnrollments(
            { trainee: name, pageSize: 1000, pageToken },
            { signal },
          );
          return { items: a.enrollments, nextPageToken: a.nextPageToken };
        }),
        listAll(async (pageToken) => {
          const a = await enrollment.listCertificates(
            { trainee: name, pageSize: 1000, pageToken },
            { signal },
          );
          return { items: a.certificates, nextPageToken: a.nextPageToken };
        }),
      ]);
      const runNames = [...new Set(enrollments.map((e) => e.courseRun))];
      const courseNames = [...new Set(enrollments.map((e) => e.course))];
      const [runs, courses] = await Promise.all([
        Promise.all(runNames.map((n) => course.getCourseRun({ name: n }, { signal }).catch(() => undefined))),
        Promise.all(courseNames.map((n) => course.getCourse({ name: n }, { signal }).catch(() => undefined))),
      ]);
      const runBy = new Map(runNames.map((n, i) => [n, runs[i]]));
      const courseBy = new Map(courseNames.map((n, i) => [n, courses[i]]));
      return {
        trainee,
        workshop,
        enrollments: enrollments.map((e) => ({
          enrollment: e,
          run: runBy.get(e.courseRun),
          course: courseBy.get(e.course),
        })),
        certificates,
      };
    },
    [name],
  );
  if (error) {
    const code = ConnectError.from(error).code;
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={error} onRetry={reload} />;
  }
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const { trainee } = data;
  const manages = caller?.role === "ROLE_NETWORK_ADMIN" || caller?.role === "ROLE_COLLEGE_ADMIN";
  // A reporter's copy has the personal fields redacted: the record's name stands in.
  const native = `${trainee.familyName} ${trainee.givenName}`.trim() || trainee.name;
  const identity = trainee.identityDocument;
  return (
    <Stack>
      <Group justify="space-between">
        <Stack gap={0}>
          <Title order={2}>{native}</Title>
          {latinName(trainee) !== "" && latinName(trainee) !== native && (
            <Text c="dimmed">{latinName(trainee)}</Text>
          )}
        </Stack>
        {manages && trainee.status === TraineeStatus.ACTIVE && (
          <Button component={Link} to={`/trainees/${id}/edit`} variant="default">
            {t("trainee.edit")}
          </Button>
        )}
      </Group>
      <Table aria-label={t("trainee.details")}>
        <Table.Tbody>
          <Field label={t("trainee.nativeName")}>{native}</Field>
          <Field label={t("trainee.latinName")}>{latinName(trainee)}</Field>
          <Field label={t("trainee.sex")}>{t(sexKey(trainee.sex))}</Field>
          <Field label={t("trainee.birthDate")}>
            {isoDate(trainee.birthDate) || (trainee.birthYear > 0 ? String(trainee.birthYear) : "")}
          </Field>
          <Field label={t("trainee.citizenship")}>{trainee.citizenship}</Field>
          <Field label={t("trainee.document")}>
            {identity
              ? `${t(documentTypeKey(identity.type))} · ${identity.countryCode} · ${identity.number}`
              : ""}
          </Field>
          <Field label={t("trainee.email")}>{trainee.contacts?.email ?? ""}</Field>
          <Field label={t("trainee.phone")}>{trainee.contacts?.phone ?? ""}</Field>
          <Field label={t("trainee.address")}>
            <Text style={{ whiteSpace: "pre-line" }}>{trainee.contacts?.address ?? ""}</Text>
          </Field>
          <Field label={t("trainee.homeWorkshop")}>
            {data.workshop ? localized(data.workshop.displayNames, language) : trainee.homeWorkshop}
          </Field>
          <Field label={t("trainee.status")}>
            {t(trainee.status === TraineeStatus.ARCHIVED ? "trainee.statusArchived" : "trainee.statusActive")}
          </Field>
        </Table.Tbody>
      </Table>

      <Title order={3}>{t("trainee.enrollments")}</Title>
      {data.enrollments.length === 0 ? (
        <Text c="dimmed">{t("trainee.noEnrollments")}</Text>
      ) : (
        <Table aria-label={t("trainee.enrollments")}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("run.course")}</Table.Th>
              <Table.Th>{t("run.dates")}</Table.Th>
              <Table.Th>{t("run.status")}</Table.Th>
              <Table.Th>{t("complete.score")}</Table.Th>
              <Table.Th>{t("complete.attendance")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.enrollments.map(({ enrollment: e, run, course: c }) => {
              const done = e.state === EnrollmentState.COMPLETED || e.state === EnrollmentState.FAILED;
              return (
                <Table.Tr key={e.name}>
                  <Table.Td>
                    <Anchor component={Link} to={`/runs/${resourceId(e.courseRun)}`}>
                      {c ? `${c.code} · ${localized(c.titles, language)}` : e.courseRun}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{run ? `${isoDate(run.startDate)} – ${isoDate(run.endDate)}` : ""}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(enrollmentStateKey(e.state))}</Badge>
                    {e.state === EnrollmentState.WAITLISTED && ` #${e.waitlistPosition}`}
                  </Table.Td>
                  <Table.Td>{done ? e.finalScore : ""}</Table.Td>
                  <Table.Td>{done ? `${e.attendancePercent}%` : ""}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}

      <Title order={3}>{t("trainee.certificates")}</Title>
      {data.certificates.length === 0 ? (
        <Text c="dimmed">{t("trainee.noCertificates")}</Text>
      ) : (
        <Table aria-label={t("trainee.certificates")}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("verify.number")}</Table.Th>
              <Table.Th>{t("run.course")}</Table.Th>
              <Table.Th>{t("verify.issued")}</Table.Th>
              <Table.Th>{t("run.status")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.certificates.map((c) => (
              <Table.Tr key={c.name}>
                <Table.Td>
                  <Anchor component={Link} to={`/certificates/${resourceId(c.name)}`}>
                    {c.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  {c.courseCode} · {localized(c.courseTitles, language)}
                </Table.Td>
                <Table.Td>{isoDate(c.issueDate)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={c.status === CertificateStatus.VALID ? "green" : "red"}>
                    {t(c.status === CertificateStatus.VALID ? "cert.valid" : "cert.statusRevoked")}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {/* The trainee's history from the enrollment service's audit trail. */}
      {manages && <HistoryPanel service="enrollment" resource={trainee.name} />}
    </Stack>
  );
}
