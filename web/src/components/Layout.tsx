import { AppShell, Anchor, Button, Group, Loader, NativeSelect, Text, Title } from "@mantine/core";
import { Suspense } from "react";
import { Link, Outlet } from "react-router";

import { useI18n } from "../app/i18n.js";
import { LANGUAGES, type Language, type MessageKey } from "../app/messages.js";
import { useSession } from "../app/session.js";
import { RoleNav } from "./RoleNav.js";

// The frame of every page: the console's name, the pages of the signed-in role, the language
// switch and sign-out.
export function Layout() {
  const { t, language, setLanguage } = useI18n();
  const { caller, signOut } = useSession();
  const roleKey = caller ? (`role.${caller.role.replace("ROLE_", "").toLowerCase()}` as MessageKey) : undefined;
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Title order={1} size="h3">
              <Anchor component={Link} to="/" underline="never" c="inherit">
                {t("app.title")}
              </Anchor>
            </Title>
            <nav aria-label="main">
              <Group gap="md">
                {caller && (
                  <Anchor component={Link} to="/">
                    {t("nav.home")}
                  </Anchor>
                )}
                {/* The college admin's journeys. */}
                {caller && (
                  <Anchor component={Link} to="/trainees">
                    {t("trainee.nav")}
                  </Anchor>
                )}
                <RoleNav role={caller?.role} />
                <Anchor component={Link} to="/verify">
                  {t("nav.verify")}
                </Anchor>
              </Group>
            </nav>
          </Group>
          <Group wrap="nowrap">
            {caller && roleKey && (
              <Text size="sm" c="dimmed" visibleFrom="xl">
                {caller.principal} · {t(roleKey)}
              </Text>
            )}
            <NativeSelect
              aria-label={t("nav.language")}
              value={language}
              onChange={(event) => setLanguage(event.currentTarget.value as Language)}
              data={LANGUAGES}
            />
            {caller && (
              <Button variant="default" onClick={() => void signOut()}>
                {t("nav.signOut")}
              </Button>
            )}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Suspense fallback={<Loader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
