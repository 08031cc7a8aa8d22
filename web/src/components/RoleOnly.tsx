import type { ReactNode } from "react";

import { type Role, useSession } from "../app/session.js";
import { NotFound } from "../pages/NotFound.js";

// A page for some roles only: to the others it looks like nothing is there (the services refuse
// them anyway).
export function RoleOnly({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { caller } = useSession();
  if (!caller || !roles.includes(caller.role)) return <NotFound />;
  return children;
}

export const NETWORK_ADMIN: Role[] = ["ROLE_NETWORK_ADMIN"];
export const ADMINS: Role[] = ["ROLE_NETWORK_ADMIN", "ROLE_COLLEGE_ADMIN"];
export const REPORTING: Role[] = ["ROLE_NETWORK_ADMIN", "ROLE_REPORTER"];
