// The pages a role works in, as tiles on its home page (and the network admin's
// administration page): kept apart from the admin pages, whose code loads only when opened.
import { Anchor, Badge, Group, Paper, SimpleGrid, Text } from "@mantine/core";
import { Link } from "react-router";

import { useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import { type Role, useSession } from "../app/session.js";
import { useCall } from "../app/useCall.js";
import { exchange } from "../calls/api.js";
import { MobilityState } from "../gen/luban/exchange/v1/exchange_pb.js";

interface Tile {
  to: string;
  title: MessageKey;
  text: MessageKey;
}

const TILES: Record<Role, Tile[]> = {
  ROLE_NETWORK_ADMIN: [
    { to: "/admin/institutions", title: "admin.institutions", text: "admin.institutionsText" },
    { to: "/admin/workshops", title: "admin.workshops", text: "admin.workshopsText" },
    { to: "/admin/courses", title: "admin.courses", text: "admin.coursesText" },
    { to: "/admin/runs", title: "admin.runs", text: "admin.runsText" },
    { to: "/programmes", title: "programme.title", text: "programme.text" },
    { to: "/mobilities?state=nominated", title: "mobility.waiting", text: "mobility.waitingText" },
    { to: "/history", title: "history.title", text: "history.text" },
    { to: "/dashboard", title: "dashboard.title", text: "dashboard.text" },
  ],
  ROLE_COLLEGE_ADMIN: [
    { to: "/programmes", title: "programme.title", text: "programme.textCollege" },
    { to: "/mobilities", title: "mobility.title", text: "mobility.textCollege" },
  ],
  ROLE_REPORTER: [{ to: "/dashboard", title: "dashboard.title", text: "dashboard.text" }],
  ROLE_SERVICE: [],
};

// How many nominations wait for a decision (shown on their tile).
function Waiting() {
  const { t } = useI18n();
  const { data } = useCall(
    async (signal) =>
      (
        await exchange.listMobilities(
          { state: MobilityState.NOMINATED, pageSize: 1000 },
          { signal },
        )
      ).mobilities.length,
    [],
  );
  if (data === undefined || data === 0) return null;
  return (
    <Badge variant="light" style={{ flexShrink: 0 }}>
      {t("mobility.waitingCount", { count: data })}
    </Badge>
  );
}

// The pages a role works in, as tiles: the network admin's administration, a college's
// exchanges, the reporter's dashboard.
export function RoleLinks() {
  const { t } = useI18n();
  const { caller } = useSession();
  const tiles = caller ? TILES[caller.role] : [];
  if (tiles.length === 0) return null;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} component="nav" aria-label={t("admin.pages")}>
      {tiles.map((tile) => (
        <Paper key={tile.to} withBorder p="md">
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Anchor component={Link} to={tile.to} fw={600}>
              {t(tile.title)}
            </Anchor>
            {tile.to.startsWith("/mobilities?state") && <Waiting />}
          </Group>
          <Text size="sm" c="dimmed">
            {t(tile.text)}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}
