import { useTranslation } from 'react-i18next';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak, useSpokenKeys } from '../speech/use-auto-speak.ts';
import { useCabin } from '../state/cabin.tsx';

/** Plain words, two big answers; refusing ends the visit. */
export function Consent() {
  const { t } = useTranslation();
  const { act } = useCabin();
  const spoken = useSpoken();
  useAutoSpeak(useSpokenKeys('consent'));
  return (
    <section className="screen screen-consent" data-testid="screen-consent">
      <h1 {...spoken('consent.title')}>{t('consent.title')}</h1>
      <div className="consent-text screen-body">
        <p {...spoken('consent.p1')}>{t('consent.p1')}</p>
        <p {...spoken('consent.p2')}>{t('consent.p2')}</p>
        <p {...spoken('consent.p3', 'consent-question')}>{t('consent.p3')}</p>
      </div>
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
