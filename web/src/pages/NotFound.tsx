import { Anchor, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";

import { useI18n } from "../app/i18n.js";

// What a missing record looks like, and equally one of another college's: nothing of it shown.
export function NotFound() {
  const { t } = useI18n();
  return (
    <Stack mt="xl" align="center">
      <Title order={2}>{t("notFound.title")}</Title>
      <Text>{t("notFound.text")}</Text>
      <Anchor component={Link} to="/">
        {t("notFound.home")}
      </Anchor>
    </Stack>
  );
}
