import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionView } from '../../shared/bridge.ts';
import { chimeDue, CHIME_EVERY_MS } from '../state/visit-end.ts';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';
import { playChime } from './chime.ts';
import './help.css';

/** A bell drawn inline: an emoji depends on the fonts the cabin PC happens to have. */
const Bell = () => (
  <svg viewBox="0 0 24 24" aria-hidden="true" className="icon help-bell">
    <path d="M6 17V11a6 6 0 0 1 12 0v6l2 2H4zM10 21h4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" strokeLinecap="round" />
  </svg>
);

interface Props {
  help: SessionView['help'];
  onCall(): void;
}

/**
 * The patient's "Call the assistant", always in reach during a visit. Once pressed, the same place tells the patient
 * the assistant is told, and tells whoever stands in the room (with a chime, again every 30 s) that the patient is
 * calling; the assistant's PIN (unlocking the panel) answers it.
 */
export function HelpButton({ help, onCall }: Props) {
  const { t } = useTranslation();
  const at = help?.at ?? null;
  const lastRang = useRef<number | null>(null);

  useEffect(() => {
    if (at === null) return;
    const ring = (): void => {
      if (!chimeDue(at, lastRang.current, Date.now())) return;
      lastRang.current = Date.now();
      playChime();
    };
    ring();
    const timer = setInterval(ring, 1000);
    return () => clearInterval(timer);
  }, [at]);
  // The patient hears that the assistant is told (the room's line is for whoever comes in).
  const spoken = useSpoken();
  useAutoSpeak(at === null ? [] : ['help.called']);

  if (at === null) {
    return (
      <button type="button" className="btn btn-big help-button" onClick={onCall} data-testid="help-call">
        <Bell /> {t('help.call')}
      </button>
    );
  }
  return (
    <div className="help-notice" role="alert" data-testid="help-notice" data-every-ms={CHIME_EVERY_MS}>
      <p {...spoken('help.called', 'help-patient')} data-testid="help-called">
        <Bell /> {t('help.called')}
      </p>
      {/* The assistant answers by unlocking the panel with the PIN: no button here a patient could press by mistake. */}
      <p className="help-room">{t('help.room')}</p>
    </div>
  );
}
