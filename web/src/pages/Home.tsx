import { Anchor, Badge, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";

import { useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import { useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { homeData, type HomeData, homeKey } from "../calls/home.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { RoleLinks } from "../components/RoleLinks.js";
import { CourseRunStatus } from "../gen/luban/course/v1/course_pb.js";

export function statusKey(status: CourseRunStatus): MessageKey {
  switch (status) {
    case CourseRunStatus.OPEN:
      return "status.open";
    case CourseRunStatus.IN_PROGRESS:
      return "status.in_progress";
    case CourseRunStatus.COMPLETED:
      return "status.completed";
    case CourseRunStatus.CANCELLED:
      return "status.cancelled";
    default:
      return "status.scheduled";
  }
}

// A college's workshops and open course runs (a network admin: the network's), with seats taken
// of capacity and the waitlist's length.
export function Home() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const institution = caller?.institution ?? "";
  const { data, error, loading, reload } = useCall<HomeData>(
    homeData(institution),
    [institution],
    homeKey(institution),
  );
  if (error) return <ErrorNotice error={error} onRetry={reload} />;
  if (loading && !data) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const workshopName = new Map(data.workshops.map((w) => [w.name, localized(w.displayNames, language)]));
  return (
    <Stack>
      <RoleLinks />
      <Title order={2}>{t("home.workshops")}</Title>
      <Stack gap={4}>
        {data.workshops.map((w) => (
          <Text key={w.name}>
            {localized(w.displayNames, language)} · {w.city}
          </Text>
        ))}
      </Stack>
      <Title order={2}>{t("home.runs")}</Title>
      {data.runs.length === 0 ? (
        <Text>{t("home.noRuns")}</Text>
      ) : (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("run.course")}</Table.Th>
              <Table.Th>{t("home.workshops")}</Table.Th>
              <Table.Th>{t("run.dates")}</Table.Th>
              <Table.Th>{t("run.status")}</Table.Th>
              <Table.Th>{t("run.seats")}</Table.Th>
              <Table.Th>{t("run.waitlist")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.runs.map(({ run, course: c, seats }) => (
              <Table.Tr key={run.name}>
                <Table.Td>
                  <Anchor component={Link} to={`/runs/${resourceId(run.name)}`}>
                    {c ? `${c.code} · ${localized(c.titles, language)}` : run.course}
                  </Anchor>
                </Table.Td>
                <Table.Td>{workshopName.get(run.workshop) ?? run.workshop}</Table.Td>
                <Table.Td>
                  {isoDate(run.startDate)} – {isoDate(run.endDate)}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(statusKey(run.status))}</Badge>
                </Table.Td>
                <Table.Td>
                  {seats.enrolled} / {run.capacity}
                </Table.Td>
                <Table.Td>{seats.waitlisted}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
