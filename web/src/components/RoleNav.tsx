import { Anchor } from "@mantine/core";
import { Link } from "react-router";

import { useI18n } from "../app/i18n.js";
import type { MessageKey } from "../app/messages.js";
import type { Role } from "../app/session.js";

interface NavLink {
  to: string;
  label: MessageKey;
  roles: Role[];
}

// The pages of the network's administration, its exchanges and reporting, each for the roles that
// may use it; the console shows a role only its own. (History is a tile of the administration and
// a panel of each record's page.)
export const ROLE_LINKS: NavLink[] = [
  { to: "/admin", label: "admin.nav", roles: ["ROLE_NETWORK_ADMIN"] },
  { to: "/programmes", label: "programme.nav", roles: ["ROLE_NETWORK_ADMIN", "ROLE_COLLEGE_ADMIN"] },
  { to: "/mobilities", label: "mobility.nav", roles: ["ROLE_NETWORK_ADMIN", "ROLE_COLLEGE_ADMIN"] },
  { to: "/dashboard", label: "dashboard.nav", roles: ["ROLE_NETWORK_ADMIN", "ROLE_REPORTER"] },
];

export function RoleNav({ role }: { role: Role | undefined }) {
  const { t } = useI18n();
  if (role === undefined) return null;
  return ROLE_LINKS.filter((l) => l.roles.includes(role)).map((l) => (
    <Anchor key={l.to} component={Link} to={l.to}>
      {t(l.label)}
    </Anchor>
  ));
}
