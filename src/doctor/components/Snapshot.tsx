import { useTranslation } from 'react-i18next';
import type { Call, CallSnapshot } from '../call/call.ts';
import { cabinErrorText } from '../call/cabin-error.ts';

/** "Otoscope snapshot": asks the cabin for a full-resolution picture and shows the latest one full size. */
export function Snapshot({ call, snap }: { call: Call; snap: CallSnapshot }) {
  const { t } = useTranslation();
  const latest = snap.snapshots.at(-1);
  return (
    <section className="snapshot card" aria-labelledby="snapshot-title">
      <h2 id="snapshot-title" className="box-title">
        {t('snapshot.title')}
      </h2>
      <button type="button" className="btn btn-primary btn-main" data-testid="snapshot-request" disabled={snap.snapshotPending || !snap.channelOpen} onClick={() => call.requestSnapshot()}>
        {snap.snapshotPending ? t('snapshot.pending') : t('snapshot.request')}
      </button>
      {snap.snapshotError && (
        <p className="banner banner-bad" role="alert" data-testid="snapshot-error">
          {t(`snapshot.error.${snap.snapshotError}`, { error: cabinErrorText(t, snap.snapshotDetail) })}
        </p>
      )}
      {latest ? (
        <figure className="snapshot-figure">
          <img
            src={latest.url}
            data-testid="snapshot-image"
            data-width={latest.width}
            data-height={latest.height}
            data-count={snap.snapshots.length}
            width={latest.width}
            height={latest.height}
            alt={t('snapshot.alt', { width: latest.width, height: latest.height })}
          />
          <figcaption>{t('snapshot.resolution', { width: latest.width, height: latest.height })}</figcaption>
        </figure>
      ) : (
        <p className="note">{t('snapshot.none')}</p>
      )}
    </section>
  );
}
