import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { ConsultationReport } from '../../shared/hub-protocol.ts';
import type { PastConsultation } from '../../shared/past-consultations.ts';
import { Filed, NotIdentified } from '../components/PatientCard.tsx';
import { ReportDownloadsWith } from '../components/ReportDownloads.tsx';
import { ReportReadings } from '../components/ReportReadings.tsx';
import { PlethExcerpts } from '../components/PlethExcerpts.tsx';
import { useFocusOnMount } from '../components/use-focus-on-mount.ts';
import type { DownloadResult, ExportKind } from '../hub/download.ts';
import type { ReportResult } from '../hub/history.ts';
import { useConsole, useController } from '../state/hooks.ts';
import { pastReportLines } from '../state/past-report.ts';

type Download = (id: string, kind: ExportKind) => Promise<DownloadResult>;

/** A past consultation's report, read-only, opened from « Mes consultations »; the queue is one click away. */
export function PastReport({ past }: { past: PastConsultation }) {
  const controller = useController();
  const state = useConsole();
  return (
    <PastReportWith
      past={past}
      waiting={state.queue.length}
      load={(id) => controller.records.loadReport(id)}
      download={(id, kind) => controller.records.downloadExport(id, kind)}
      onBack={() => controller.closeReport()}
    />
  );
}

export interface PastReportProps {
  past: PastConsultation;
  /** Patients waiting in the queue now: said beside the way back. */
  waiting: number;
  load: (id: string) => Promise<ReportResult>;
  download: Download;
  onBack: () => void;
}

export function PastReportWith(p: PastReportProps) {
  const [result, setResult] = useState<ReportResult | undefined>();
  useEffect(() => {
    let live = true;
    setResult(undefined);
    void p.load(p.past.consultationId).then((r) => live && setResult(r));
    return () => {
      live = false;
    };
    // `load` is a new function at each render; read again only for another consultation.
  }, [p.past.consultationId]);
  return <PastReportView {...p} result={result} />;
}

export function PastReportView({ past, waiting, result, download, onBack }: PastReportProps & { result: ReportResult | undefined }) {
  const { t, i18n } = useTranslation();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const day = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'full' }).format(new Date(past.endedAt ?? past.createdAt));
  return (
    <section className="past-report" aria-labelledby="past-report-title" data-testid="past-report" data-id={past.consultationId} data-state={result === undefined ? 'loading' : result.ok ? 'ok' : 'error'}>
      <div className="past-report-top">
        <button type="button" className="btn btn-primary" data-testid="past-report-back" onClick={onBack}>
          {t('pastReport.back')}
        </button>
        {waiting > 0 && (
          <p className="banner banner-warn" role="status" data-testid="past-report-waiting">
            {t('pastReport.waiting', { count: waiting })}
          </p>
        )}
      </div>
      <h2 id="past-report-title" ref={heading} tabIndex={-1}>
        {t('pastReport.title', { day })} <span className="readonly-badge">{t('pastReport.readOnly')}</span>
      </h2>
      {result === undefined && <p className="note">{t('pastReport.loading')}</p>}
      {result?.ok === false && (
        <p className="banner banner-bad" role="alert" data-testid="past-report-error" data-error={result.error}>
          {t(`pastReport.failure.${result.error}`)}
        </p>
      )}
      {result?.ok && <ReportBody past={past} report={result.report} download={download} />}
    </section>
  );
}

function ReportBody({ past, report, download }: { past: PastConsultation; report: ConsultationReport; download: Download }) {
  const { t, i18n } = useTranslation();
  const lines = useMemo(() => pastReportLines(report.readings), [report.readings]);
  const clock = (ms: number | null) => (ms === null ? '—' : new Date(ms).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }));
  const start = report.claimedAt ?? report.createdAt;
  const minutes = report.endedAt === null ? undefined : Math.max(0, Math.round((report.endedAt - start) / 60_000));
  const facts: [string, string][] = [
    [t('pastReport.cabin'), report.cabin.name],
    [t('pastReport.doctor'), report.doctor?.name ?? '—'],
    [t('pastReport.times'), t('pastReport.timesValue', { asked: clock(report.createdAt), start: clock(start), end: clock(report.endedAt) })],
    ...(minutes !== undefined ? [[t('pastReport.duration'), t('pastReport.minutes', { count: minutes })] as [string, string]] : []),
    [t('pastReport.fhir'), past.fhirPush ? t(`pastReport.push.${past.fhirPush}`) : t('pastReport.push.none')],
  ];
  return (
    <div className="past-report-body">
      <div className="past-report-side">
        <section className="card" aria-labelledby="pr-facts" data-testid="past-report-facts">
          <h3 id="pr-facts" className="box-title">
            {t('pastReport.consultation')}
          </h3>
          <dl className="patient-traits">
            {facts.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          <ReportDownloadsWith consultationId={report.consultationId} download={download} />
        </section>
        <section className="card" aria-labelledby="pr-patient" data-testid="past-report-patient" data-status={report.patient?.status ?? 'none'}>
          <h3 id="pr-patient" className="box-title">
            {t('patient.title')}
          </h3>
          {report.patient ? <Filed identity={report.patient} /> : <NotIdentified />}
        </section>
      </div>
      <div className="past-report-main">
        <section className="card" aria-labelledby="pr-readings" data-testid="past-report-readings">
          <h3 id="pr-readings" className="box-title">
            {t('pastReport.readings', { count: report.readings.length })}
          </h3>
          <ReportReadings lines={lines} />
        </section>
        {report.pleth && report.pleth.length > 0 && (
          <section className="card" aria-labelledby="pr-pleth" data-testid="past-report-pleths">
            <h3 id="pr-pleth" className="box-title">
              {t('pastReport.pleth.title')}
            </h3>
            <PlethExcerpts pleth={report.pleth} />
          </section>
        )}
        <section className="card" aria-labelledby="pr-notes">
          <h3 id="pr-notes" className="box-title">
            {t('pastReport.notes')}
          </h3>
          {report.notes.trim() ? (
            <p className="report-notes" data-testid="past-report-notes">
              {report.notes}
            </p>
          ) : (
            <p className="empty">{t('pastReport.noNotes')}</p>
          )}
        </section>
        <section className="card" aria-labelledby="pr-incidents" data-testid="past-report-incidents">
          <h3 id="pr-incidents" className="box-title">
            {t('pastReport.incidents')}
          </h3>
          {report.incidents.length === 0 ? (
            <p className="empty">{t('pastReport.noIncidents')}</p>
          ) : (
            <table className="report-table">
              <thead>
                <tr>
                  <th scope="col">{t('pastReport.col.time')}</th>
                  <th scope="col">{t('pastReport.col.side')}</th>
                  <th scope="col">{t('pastReport.col.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {report.incidents.map((x, i) => (
                  <tr key={i} data-testid="past-report-incident">
                    <td>
                      <time dateTime={new Date(x.t).toISOString()}>{new Date(x.t).toLocaleTimeString(numberLocale(i18n.language))}</time>
                    </td>
                    <td>{t(`pastReport.side.${x.side}`)}</td>
                    <td dir="ltr" lang="en">
                      {x.detail}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
