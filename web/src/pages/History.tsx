import { Button, Group, NativeSelect, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";

import { useI18n } from "../app/i18n.js";
import { type ServiceName, serviceOf } from "../app/lifecycle.js";
import { useSession } from "../app/session.js";
import { HistoryPanel } from "../components/HistoryPanel.js";

const SERVICES: ServiceName[] = ["course", "enrollment", "exchange"];

// The audit trail: one record's history (its name in the address: ?resource=courseRuns/12), or,
// for a network admin, a service's whole trail, newest first.
export function History() {
  const { t } = useI18n();
  const { caller } = useSession();
  const [params, setParams] = useSearchParams();
  const resource = params.get("resource")?.trim() ?? "";
  const chosen = params.get("service");
  const service: ServiceName =
    serviceOf(resource) ?? (SERVICES.find((s) => s === chosen) ?? "course");
  const [text, setText] = useState(resource);
  const [textService, setTextService] = useState<ServiceName>(service);
  const admin = caller?.role === "ROLE_NETWORK_ADMIN";
  const unknown = resource !== "" && serviceOf(resource) === null;

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = text.trim();
    setParams(next !== "" ? { resource: next } : { service: textService });
  }

  return (
    <Stack>
      <Title order={2}>{t("history.title")}</Title>
      <form onSubmit={submit}>
        <Group align="end">
          <TextInput
            label={t("history.resource")}
            description={t("history.resourceHelp")}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            required={!admin}
            w={320}
          />
          {admin && (
            <NativeSelect
              label={t("history.service")}
              value={textService}
              onChange={(event) => setTextService(event.currentTarget.value as ServiceName)}
              data={SERVICES.map((s) => ({ value: s, label: s }))}
              disabled={text.trim() !== ""}
            />
          )}
          <Button type="submit">{t("history.show")}</Button>
        </Group>
      </form>
      {unknown && <Text c="red.8">{t("history.unknownResource")}</Text>}
      {resource !== "" && !unknown && (
        <>
          <Text>{t("history.of", { resource })}</Text>
          <HistoryPanel service={service} resource={resource} pageSize={20} heading={false} />
        </>
      )}
      {resource === "" && admin && (
        <>
          <Text>{t("history.all", { service })}</Text>
          <HistoryPanel service={service} resource="" pageSize={20} heading={false} />
        </>
      )}
    </Stack>
  );
}
