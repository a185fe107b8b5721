import { useTranslation } from 'react-i18next';
import { useCabin } from '../state/cabin.tsx';

/** Plain words, two big answers; refusing ends the visit. */
export function Consent() {
  const { t } = useTranslation();
  const { act } = useCabin();
  return (
    <section className="screen screen-consent" data-testid="screen-consent">
      <h1>{t('consent.title')}</h1>
      <div className="consent-text screen-body">
        <p>{t('consent.p1')}</p>
        <p>{t('consent.p2')}</p>
        <p className="consent-question">{t('consent.p3')}</p>
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
