import { Button, Group } from "@mantine/core";

import { useI18n } from "../app/i18n.js";
import type { Action } from "../app/mutation.js";
import { ErrorNotice } from "./ErrorNotice.js";

// The end of an administration form: the service's refusal of the last save, if any, then the
// submit button (busy while the "save" change runs) and the way back without saving.
export function FormActions({
  action,
  submit,
  onBack,
}: {
  action: Action;
  submit: string;
  onBack: () => void;
}) {
  const { t } = useI18n();
  return (
    <>
      {action.error !== undefined && <ErrorNotice error={action.error} />}
      <Group>
        <Button type="submit" loading={action.busy === "save"}>
          {submit}
        </Button>
        <Button variant="default" onClick={onBack}>
          {t("admin.back")}
        </Button>
      </Group>
    </>
  );
}
