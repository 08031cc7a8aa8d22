import { Stack, Title } from "@mantine/core";

import { useI18n } from "../../app/i18n.js";
import { RoleLinks } from "../../components/RoleLinks.js";

// The network admin's administration: where each part of the network is managed.
export function AdminHome() {
  const { t } = useI18n();
  return (
    <Stack>
      <Title order={2}>{t("admin.title")}</Title>
      <RoleLinks />
    </Stack>
  );
}
