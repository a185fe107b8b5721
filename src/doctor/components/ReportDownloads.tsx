import { useState } from 'react';
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
  return <ReportDownloadsWith consultationId={consultationId} download={(id, kind) => controller.downloadExport(id, kind)} />;
}

export function ReportDownloadsWith({ consultationId, download, save = saveFile }: { consultationId: string; download: (id: string, kind: ExportKind) => Promise<DownloadResult>; save?: (blob: Blob, filename: string) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<ExportKind | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const run = (kind: ExportKind) => {
    setBusy(kind);
    setFailure(undefined);
    void download(consultationId, kind).then((r) => {
      setBusy(undefined);
      if (r.ok) save(r.blob, r.filename);
      else setFailure(t(`download.failure.${r.error}`));
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
      {failure && (
        <p className="banner banner-bad" role="alert" data-testid="download-error">
          {failure}
        </p>
      )}
    </div>
  );
}
