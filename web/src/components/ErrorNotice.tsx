import { Alert, Button, Text } from "@mantine/core";

import { showError } from "../app/errors.js";
import { useI18n } from "../app/i18n.js";

// An error as a person needs it: what happened in the page's language, the service's words
// (field and rule) beneath, and a retry where one helps.
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const shown = showError(error);
  return (
    <Alert color="red" role="alert" title={t(shown.key)}>
      {shown.detail !== "" && <Text size="sm">{shown.detail}</Text>}
      {onRetry && (
        <Button mt="sm" size="xs" variant="light" color="red" onClick={onRetry}>
          {t("common.retry")}
        </Button>
      )}
    </Alert>
  );
}
