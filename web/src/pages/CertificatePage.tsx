import "./certificate.css";

import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Stack,
  Textarea,
  Title,
} from "@mantine/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { useState } from "react";
import { Link, useParams } from "react-router";

import { isUnauthenticated } from "../app/errors.js";
import { useI18n, useMessages } from "../app/i18n.js";
import { type Language, LANGUAGES, translate } from "../app/messages.js";
import { useRequestIds } from "../app/requestIds.js";
import { useSession } from "../app/session.js";
import { isoDate, localized, resourceId } from "../app/text.js";
import { useCall } from "../app/useCall.js";
import { enrollment } from "../calls/api.js";
import { ErrorNotice } from "../components/ErrorNotice.js";
import { type Certificate, CertificateStatus } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { NotFound } from "./NotFound.js";

// One side of the dual certificate, all in `language`: both colleges' names, what it certifies.
function Side({ certificate, language }: { certificate: Certificate; language: Language }) {
  const say = (key: Parameters<typeof translate>[1]) => translate(language, key);
  const holderLatin = certificate.holderNameLatin;
  return (
    <section className="certificate-side" lang={language}>
      <div className="certificate-colleges">
        <div>{localized(certificate.chineseInstitutionNames, language)}</div>
        <div>{localized(certificate.partnerInstitutionNames, language)}</div>
      </div>
      <h3 className="certificate-title">{say("cert.heading")}</h3>
      <div>{say("cert.certifies")}</div>
      <p className="certificate-holder">{certificate.holderName}</p>
      {holderLatin !== "" && holderLatin !== certificate.holderName && <div>{holderLatin}</div>}
      <p>{say("cert.completed")}</p>
      <div className="certificate-course">
        {certificate.courseCode} · {localized(certificate.courseTitles, language)}
      </div>
      <div>
        {say("cert.at")} {localized(certificate.workshopNames, language)}
      </div>
      <dl className="certificate-facts">
        <dt>{say("cert.score")}</dt>
        <dd>{certificate.finalScore}</dd>
        <dt>{say("cert.attendance")}</dt>
        <dd>{certificate.attendancePercent}%</dd>
        <dt>{say("cert.issued")}</dt>
        <dd>{isoDate(certificate.issueDate)}</dd>
      </dl>
    </section>
  );
}

function RevokeDialog({
  certificate,
  opened,
  onClose,
  onRevoked,
}: {
  certificate: Certificate;
  opened: boolean;
  onClose: () => void;
  onRevoked: () => void;
}) {
  const { t } = useI18n();
  const { lost } = useSession();
  const ids = useRequestIds();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function revoke() {
    const key = `revoke ${certificate.name} ${reason.trim()}`;
    setBusy(true);
    setError(null);
    try {
      await enrollment.revokeCertificate({
        name: certificate.name,
        reason: reason.trim(),
        requestId: ids.for(key),
      });
      ids.done(key);
      onRevoked();
    } catch (e) {
      if (isUnauthenticated(e)) lost();
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t("cert.revokeTitle", { number: certificate.number })}
      closeButtonProps={{ "aria-label": t("cert.close") }}
      centered
    >
      <Stack>
        <Textarea
          label={t("cert.reason")}
          description={t("cert.reasonHelp")}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
          maxLength={1000}
          required
          autosize
          minRows={2}
        />
        {error !== null && <ErrorNotice error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("withdraw.cancel")}
          </Button>
          <Button
            color="red"
            loading={busy}
            disabled={reason.trim() === ""}
            onClick={() => void revoke()}
          >
            {t("cert.revokeSubmit")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// A dual certificate, ready to print: both colleges' names, in Chinese and in a second language
// (the page's, or English on a Chinese page), and how to verify it. Network admins revoke here.
export function CertificatePage() {
  const { t, language } = useI18n();
  const { caller } = useSession();
  const { id } = useParams();
  const name = `certificates/${id ?? ""}`;
  const [second, setSecond] = useState<Language>(language === "zh" ? "en" : language);
  const [revoking, setRevoking] = useState(false);
  const { data, error, loading, reload } = useCall<Certificate>(
    (signal) => enrollment.getCertificate({ name }, { signal }),
    [name],
  );
  // Both sides' words: Chinese and the second language's (each loaded when first needed).
  const words = useMessages("zh", second);
  if (error) {
    const code = ConnectError.from(error).code;
    if (code === Code.NotFound || code === Code.PermissionDenied || code === Code.InvalidArgument) {
      return <NotFound />;
    }
    return <ErrorNotice error={error} onRetry={reload} />;
  }
  if ((loading && !data) || !words) return <Loader aria-label={t("common.loading")} />;
  if (!data) return null;
  const revoked = data.status === CertificateStatus.REVOKED;
  const verifyUrl = `${window.location.origin}/verify/${encodeURIComponent(data.number)}`;
  return (
    <Stack>
      <Group justify="space-between" className="no-print">
        <Title order={2}>{t("cert.pageTitle", { number: data.number })}</Title>
        <Group align="end">
          <NativeSelect
            label={t("cert.secondLanguage")}
            value={second}
            onChange={(event) => setSecond(event.currentTarget.value as Language)}
            data={LANGUAGES.filter((l) => l.value !== "zh")}
          />
          <Button onClick={() => window.print()}>{t("cert.print")}</Button>
          {caller?.role === "ROLE_NETWORK_ADMIN" && !revoked && (
            <Button color="red" variant="light" onClick={() => setRevoking(true)}>
              {t("cert.revoke")}
            </Button>
          )}
        </Group>
      </Group>
      <Group className="no-print">
        <Anchor component={Link} to={`/trainees/${resourceId(data.trainee)}`}>
          {t("cert.holderPage")}
        </Anchor>
        <Anchor component={Link} to={`/verify/${encodeURIComponent(data.number)}`}>
          {t("nav.verify")}
        </Anchor>
      </Group>
      {revoked && (
        <Alert color="red" role="status" title={t("cert.revokedTitle")} className="no-print">
          {t("cert.revokedReason", { reason: data.revokeReason })}
        </Alert>
      )}
      <article className="certificate" aria-label={t("cert.heading")}>
        {revoked && <div className="certificate-revoked">{t("cert.statusRevoked")}</div>}
        <div className="certificate-columns">
          <Side certificate={data} language="zh" />
          <Side certificate={data} language={second} />
        </div>
        <footer className="certificate-footer">
          <span>№ {data.number}</span>
          <span>
            {translate("zh", "cert.verifyAt")} / {translate(second, "cert.verifyAt")}: {verifyUrl}
          </span>
        </footer>
      </article>
      <RevokeDialog
        certificate={data}
        opened={revoking}
        onClose={() => setRevoking(false)}
        onRevoked={() => {
          setRevoking(false);
          reload();
        }}
      />
    </Stack>
  );
}
