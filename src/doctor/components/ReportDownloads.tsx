import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { saveFile, type DownloadResult, type ExportKind } from '../hub/download.ts';
import { useController } from '../state/hooks.ts';

/**
 * The consultation as the doctor files it: the report document (PDF, French and the patient's language) and the FHIR
 * R4 Bundle for the patient's record, both made by the hub from what it holds now (while the call runs, marked
 * preliminary).
 */
export function ReportDownloads({ consultationId }: { consultationId: string }) {
  const controller = useController();
  return <ReportDownloadsWith consultationId={consultationId} download={(id, kind) => controller.records.downloadExport(id, kind)} />;
}

/** Whether the browser still counts the doctor's click as recent: a file saved later than that is dropped silently. */
const clickStillCounts = (): boolean => (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation?.isActive ?? true;

/**
 * A file made slowly (a long report, a busy hub) comes after the click stopped counting for the browser, which then drops
 * the download without a word: it is offered as a link to click instead (`download-ready`).
 */
export function ReportDownloadsWith({
  consultationId,
  download,
  save = saveFile,
  canSaveNow = clickStillCounts,
}: {
  consultationId: string;
  download: (id: string, kind: ExportKind) => Promise<DownloadResult>;
  save?: (blob: Blob, filename: string) => void;
  canSaveNow?: () => boolean;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<ExportKind | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [ready, setReady] = useState<{ kind: ExportKind; url: string; filename: string } | undefined>();
  // The ready file's object URL lives as long as its link.
  useEffect(() => (ready ? () => URL.revokeObjectURL(ready.url) : undefined), [ready]);
  const run = (kind: ExportKind) => {
    setBusy(kind);
    setFailure(undefined);
    setReady(undefined);
    void download(consultationId, kind).then((r) => {
      setBusy(undefined);
      if (!r.ok) setFailure(t(`download.failure.${r.error}`));
      else if (canSaveNow()) save(r.blob, r.filename);
      else setReady({ kind, url: URL.createObjectURL(r.blob), filename: r.filename });
    });
  };
  return (
    <div className="downloads" data-testid="report-downloads">
      <button type="button" className="btn" data-testid="download-pdf" disabled={busy !== undefined} onClick={() => run('pdf')}>
        {busy === 'pdf' ? t('download.busy') : t('download.pdf')}
      </button>
      <button type="button" className="btn" data-testid="download-fhir" disabled={busy !== undefined} onClick={() => run('fhir')}>
        {busy === 'fhir' ? t('download.busy') : t('download.fhir')}
      </button>
      {ready && (
        <p className="banner banner-ok" role="status">
          {t('download.ready')}
          <a className="btn btn-primary" href={ready.url} download={ready.filename} data-testid="download-ready" data-kind={ready.kind} onClick={() => setTimeout(() => setReady(undefined), 1000)}>
            {t(`download.save.${ready.kind}`)}
          </a>
        </p>
      )}
      {failure && (
        <p className="banner banner-bad" role="alert" data-testid="download-error">
          {failure}
        </p>
      )}
    </div>
  );
}
