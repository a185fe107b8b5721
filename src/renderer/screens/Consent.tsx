import { useTranslation } from 'react-i18next';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak, useSpokenKeys } from '../speech/use-auto-speak.ts';
import { useCabin } from '../state/cabin.tsx';

/** The consent's parts, each a heading and short sentences (keys under `consent.`), in the order they are read. */
const SECTIONS = [
  { id: 'call', title: 'callTitle', lines: ['call'] },
  { id: 'devices', title: 'devicesTitle', lines: ['devices', 'devicesDoctor'] },
  { id: 'sent', title: 'sentTitle', lines: ['sent', 'notRecorded'] },
  { id: 'kept', title: 'keptTitle', lines: ['keptReport', 'keptCabin', 'rights'] },
  { id: 'stop', title: 'stopTitle', lines: ['stop'] },
] as const;

/** What happens, what is sent and kept, and the freedom to stop: read before the patient says yes. */
export function ConsentText({ retentionDays }: { retentionDays: number | undefined }) {
  const { t } = useTranslation();
  const spoken = useSpoken();
  const line = (key: string) => {
    // The days come from the cabin's config (retentionDays); without it the sentence is left out rather than guessed.
    if (key !== 'keptCabin') return <p key={key} {...spoken(`consent.${key}`)}>{t(`consent.${key}`)}</p>;
    if (retentionDays === undefined) return null;
    const text = retentionDays === 0 ? t('consent.keptCabinNow') : t('consent.keptCabin', { count: retentionDays });
    // The pack cannot say the number ahead: it says the sentence pointing at the number on screen (keptCabinSpoken).
    return <p key={key} data-testid="consent-retention" {...spoken(retentionDays === 0 ? 'consent.keptCabinNow' : 'consent.keptCabinSpoken')}>{text}</p>;
  };
  return (
    // Focusable and named: on a short screen the words scroll, and a keyboard or screen reader must reach them.
    <div className="consent-text screen-body" tabIndex={0} role="region" aria-labelledby="consent-title">
      <div className="consent-columns">
        {SECTIONS.map((s) => (
          <section key={s.id} className="consent-part" data-testid={`consent-${s.id}`}>
            <h2 {...spoken(`consent.${s.title}`)}>{t(`consent.${s.title}`)}</h2>
            {s.lines.map(line)}
          </section>
        ))}
        <p {...spoken('consent.question', 'consent-question')}>{t('consent.question')}</p>
      </div>
    </div>
  );
}

/** Plain words, two big answers; refusing ends the visit. */
export function Consent() {
  const { t } = useTranslation();
  const { act, config } = useCabin();
  const spoken = useSpoken();
  // The days are a number the pack cannot say ahead: the spoken sentence points at it on screen instead.
  const days = config?.retentionDays;
  const keys = useSpokenKeys('consent').filter(
    (k) => !k.startsWith('consent.keptCabin') || (days !== undefined && k === (days === 0 ? 'consent.keptCabinNow' : 'consent.keptCabinSpoken')),
  );
  useAutoSpeak(keys);
  return (
    <section className="screen screen-consent" data-testid="screen-consent">
      <h1 id="consent-title" {...spoken('consent.title')}>{t('consent.title')}</h1>
      <ConsentText retentionDays={config?.retentionDays} />
      <div className="actions actions-split">
        <button type="button" className="btn btn-secondary btn-big" onClick={() => void act('session:consent', { accepted: false })} data-testid="decline">
          {t('consent.decline')}
        </button>
        <button type="button" className="btn btn-primary btn-big" onClick={() => void act('session:consent', { accepted: true })} data-testid="accept">
          {t('consent.accept')}
        </button>
      </div>
    </section>
  );
}
