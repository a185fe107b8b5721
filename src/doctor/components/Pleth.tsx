import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Pleth as PlethCanvas, type PushSamples } from '../../browser/Pleth.tsx';
import { MDC } from '../../shared/catalogue.ts';
import { numberLocale } from '../../shared/language.ts';
import type { Call } from '../call/call.ts';
import { hubErrorText } from '../hub/hub-error.ts';
import { useController } from '../state/hooks.ts';
import type { MarkNotice, MarksSnapshot } from '../state/pleth-marks.ts';
import { MAX_MARKED_PLETH } from '../../shared/visit-devices.ts';

/** The console's jitter buffer: the samples come over the network (the kiosk keeps Playout's defaults). */
const PLAYOUT = { prebufferMs: 200, maxLatencyMs: 1500 } as const;
/** « Garder ce passage » from the keyboard, wherever the focus is (the notes included): Alt+G (the key's place, any layout). */
const SHORTCUT = { code: 'KeyG', label: 'Alt+G' } as const;

const NO_MARKS: MarksSnapshot = { marks: [], notice: undefined, noticeId: 0 };
const noMarks = () => () => {};

/**
 * The cabin's pleth waveform from the `telemetry` channel, in its own card; under it « Garder ce passage » keeps the
 * last seconds of the curve for the report (pleth-marks.ts), a line says what became of it, and the passages kept are
 * listed (time, duration) with a way to remove each while the consultation lasts.
 */
export function Pleth({ call }: { call: Call }) {
  const { t, i18n } = useTranslation();
  const controller = useController();
  const marks = controller.plethMarks(call);
  const subscribe = useCallback(
    (push: PushSamples) =>
      call.onWaveform((s) => {
        if (s.info.code === MDC.PULS_OXIM_PLETH) push(s.samples, s.info.rate);
      }),
    [call],
  );
  const snap = useSyncExternalStore(marks?.subscribe ?? noMarks, () => marks?.snapshot ?? NO_MARKS);
  const keep = useCallback(() => marks?.keep(), [marks]);

  useEffect(() => {
    if (!marks) return;
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.code !== SHORTCUT.code || e.repeat) return;
      e.preventDefault();
      marks.keep();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [marks]);

  const locale = numberLocale(i18n.language);
  const time = (ms: number) => new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  return (
    <section className="pleth-box card">
      <h2 className="box-title">{t('pleth.title')}</h2>
      <PlethCanvas subscribe={subscribe} label={t('pleth.label')} windowS={6} line="#7ee0ff" lineWidth={3} playout={PLAYOUT} />
      {marks && (
        <div className="pleth-marks">
          <button type="button" className="btn btn-main btn-primary pleth-keep" data-testid="pleth-keep" onClick={keep} aria-keyshortcuts={SHORTCUT.label} title={t('pleth.keepShortcut', { keys: SHORTCUT.label })}>
            {t('pleth.keep')}
          </button>
          <p className="pleth-notice" role="status" data-testid="pleth-notice" key={snap.noticeId}>
            {snap.notice ? noticeText(t, snap.notice, time) : t('pleth.keepHelp', { keys: SHORTCUT.label })}
          </p>
          {snap.marks.length > 0 && (
            <>
              <h3 className="pleth-marks-title">{t('pleth.keptTitle', { count: snap.marks.length, max: MAX_MARKED_PLETH })}</h3>
              <ul className="pleth-marks-list" data-testid="pleth-marks">
                {snap.marks.map((m) => {
                  const at = time(m.excerpt.t);
                  return (
                    <li key={m.key} data-testid="pleth-mark" data-state={m.state}>
                      <span>
                        <time dateTime={new Date(m.excerpt.t).toISOString()}>{at}</time>
                        {' — '}
                        {t('pleth.duration', { count: wholeSeconds(m.excerpt.samples.length / m.excerpt.rate) })}
                        {m.state !== 'kept' && <span className="note"> — {t(`pleth.state.${m.state}`)}</span>}
                      </span>
                      <button type="button" className="btn btn-small" data-testid="pleth-mark-remove" disabled={m.state === 'removing'} onClick={() => marks.remove(m.key)} aria-label={t('pleth.removeLabel', { time: at })}>
                        {t('pleth.remove')}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

/** A passage's duration as said: whole seconds (at least 1: a passage is kept from a second on). */
export const wholeSeconds = (s: number): number => Math.max(1, Math.round(s));

function noticeText(t: TFunction, n: MarkNotice, time: (ms: number) => string): string {
  switch (n.kind) {
    case 'kept':
      return t('pleth.notice.kept', { count: wholeSeconds(n.seconds), time: time(n.t) });
    case 'removed':
      return t('pleth.notice.removed', { time: time(n.t) });
    case 'empty':
      return t('pleth.notice.empty');
    case 'limit':
      return t('pleth.notice.limit', { max: MAX_MARKED_PLETH });
    case 'refused':
      return n.code === 'not-active' ? t('pleth.notice.over') : t('pleth.notice.refused', { message: hubErrorText(t, n.code) });
    case 'not-removed':
      return n.code === 'not-active' ? t('pleth.notice.overRemove') : t('pleth.notice.notRemoved', { message: hubErrorText(t, n.code) });
  }
}
