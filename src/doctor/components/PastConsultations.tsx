import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PastConsultation } from '../../shared/past-consultations.ts';
import type { DownloadResult, ExportKind } from '../hub/download.ts';
import type { HistoryResult } from '../hub/history.ts';
import { useController } from '../state/hooks.ts';
import { ReportDownloadsWith } from './ReportDownloads.tsx';

/**
 * « Mes consultations »: the doctor's ended consultations, newest first, each with its patient (or « Non identifié »),
 * where its FHIR push stands, its report to open read-only, and its report PDF and FHIR Bundle to download. Loaded
 * when the queue shows, and again when a report was just saved (`reload` changes).
 */
export function PastConsultations({ reload }: { reload: unknown }) {
  const controller = useController();
  return <PastConsultationsWith load={() => controller.records.pastConsultations()} download={(id, kind) => controller.records.downloadExport(id, kind)} open={(c) => controller.openReport(c)} reload={reload} />;
}

type Download = (id: string, kind: ExportKind) => Promise<DownloadResult>;
/** Opens the consultation's report read-only. */
type Open = (c: PastConsultation) => void;

export function PastConsultationsWith({ load, download, open, reload }: { load: () => Promise<HistoryResult>; download: Download; open?: Open; reload?: unknown }) {
  const [result, setResult] = useState<HistoryResult | undefined>();
  useEffect(() => {
    let live = true;
    void load().then((r) => live && setResult(r));
    return () => {
      live = false;
    };
    // `load` is a new function at each render; the list is read again only when `reload` changes.
  }, [reload]);
  return <PastConsultationsView result={result} download={download} open={open} />;
}

export function PastConsultationsView({ result, download, open }: { result: HistoryResult | undefined; download: Download; open?: Open }) {
  const { t } = useTranslation();
  return (
    <section className="past card" aria-labelledby="past-title" data-testid="past-consultations">
      <h2 id="past-title" className="box-title">
        {t('past.title')}
      </h2>
      {result === undefined && <p className="note">{t('past.loading')}</p>}
      {result?.ok === false && (
        <p className="banner banner-warn" role="alert" data-testid="past-error">
          {t(`past.failure.${result.error}`)}
        </p>
      )}
      {result?.ok && result.consultations.length === 0 && <p className="empty">{t('past.empty')}</p>}
      {result?.ok && result.consultations.length > 0 && (
        <ul className="past-list">
          {result.consultations.map((c) => (
            <PastRow key={c.consultationId} c={c} download={download} open={open} />
          ))}
        </ul>
      )}
    </section>
  );
}

function PastRow({ c, download, open }: { c: PastConsultation; download: Download; open?: Open }) {
  const { t, i18n } = useTranslation();
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(c.endedAt ?? c.createdAt));
  const who = c.patient ? `${c.patient.birthName.toUpperCase()} ${c.patient.firstNames.join(' ')}` : t('past.unidentified');
  return (
    <li className="past-item" data-testid="past-item" data-id={c.consultationId}>
      <p>
        <time dateTime={new Date(c.endedAt ?? c.createdAt).toISOString()}>{when}</time> — {c.cabin.name}
      </p>
      <p>
        <strong>{who}</strong>
        {c.patient && ` (${t(`patient.status.${c.patient.status}`)})`}
      </p>
      {c.fhirPush && <p className="note" data-testid="past-push">{t(`past.push.${c.fhirPush}`)}</p>}
      <div className="past-actions">
        {open && (
          <button type="button" className="btn btn-primary" data-testid="past-open" onClick={() => open(c)}>
            {t('past.open')}
          </button>
        )}
        <ReportDownloadsWith consultationId={c.consultationId} download={download} />
      </div>
    </li>
  );
}
