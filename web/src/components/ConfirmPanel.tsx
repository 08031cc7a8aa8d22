import { Button, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";

import { useFocusFirst } from "../app/focus.js";
import { useI18n } from "../app/i18n.js";

// A change to confirm before it is made, with a reason where the service records one (required
// where the service refuses it without).
export function ConfirmPanel({
  title,
  reason,
  busy,
  onConfirm,
  onCancel,
}: {
  title: string;
  reason: "required" | "optional" | "none";
  busy: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const focused = useFocusFirst<HTMLDivElement>();
  const [text, setText] = useState("");
  function submit(event: FormEvent) {
    event.preventDefault();
    onConfirm(text.trim());
  }
  return (
    <Paper ref={focused} withBorder p="md" component="section" aria-label={title}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text fw={600}>{title}</Text>
          {reason !== "none" && (
            <TextInput
              label={t(reason === "required" ? "admin.reason" : "admin.reasonOptional")}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              required={reason === "required"}
              maxLength={1000}
            />
          )}
          <Group>
            <Button type="submit" loading={busy}>
              {t("admin.confirm")}
            </Button>
            <Button variant="default" onClick={onCancel}>
              {t("admin.back")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
