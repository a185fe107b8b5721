import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language } from '../../shared/language.ts';
import { LanguageChoice } from '../components/LanguageChoice.tsx';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';
import { useCabin, useSessionView } from '../state/cabin.tsx';

/** One obvious way to start, and the language. */
export function Welcome() {
  const { t } = useTranslation();
  const { config, act } = useCabin();
  const session = useSessionView();
  const languages = config?.languages ?? LANGUAGES;
  const choose = (language: Language): void => void act('session:language', { language });
  const spoken = useSpoken();
  useAutoSpeak(['welcome.hello', 'welcome.intro', ...(languages.length > 1 ? ['language.choose'] : [])]);
  return (
    <section className="screen screen-welcome" data-testid="screen-welcome">
      <h1 {...spoken('welcome.hello', 'welcome-hello')}>{t('welcome.hello')}</h1>
      <p {...spoken('welcome.intro', 'lead')}>{t('welcome.intro')}</p>
      <button
        type="button"
        className="btn btn-primary btn-start"
        onClick={() => void act('session:start', { language: session.language })}
        data-testid="start"
      >
        {t('welcome.start')}
      </button>
      {languages.length > 1 && (
        <div className="welcome-languages">
          <p {...spoken('language.choose', 'label')}>{t('language.choose')}</p>
          <LanguageChoice languages={languages} current={session.language} onChoose={choose} />
        </div>
      )}
    </section>
  );
}
