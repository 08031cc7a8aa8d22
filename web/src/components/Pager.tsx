import { Button, Group, Text } from "@mantine/core";

import { useI18n } from "../app/i18n.js";
import type { Pages } from "../app/paging.js";

// Previous / next under a paged list, with the page's number.
export function Pager<T>({ pages, label }: { pages: Pages<T>; label: string }) {
  const { t } = useI18n();
  if (!pages.hasPrevious && !pages.hasNext) return null;
  return (
    <Group gap="sm" role="navigation" aria-label={label}>
      <Button variant="default" size="xs" disabled={!pages.hasPrevious} onClick={pages.previous}>
        {t("common.previous")}
      </Button>
      <Text size="sm">{t("admin.page", { number: pages.number })}</Text>
      <Button variant="default" size="xs" disabled={!pages.hasNext} onClick={pages.next}>
        {t("common.next")}
      </Button>
    </Group>
  );
}
