import { useTranslation } from 'react-i18next';
import type { Language } from '../../shared/bridge.ts';
import { Flag } from './Flag.tsx';

/** Big buttons, one per enabled language, each named in its own language. */
export function LanguageChoice({ languages, current, onChoose }: { languages: readonly Language[]; current: Language; onChoose(l: Language): void }) {
  const { t } = useTranslation();
  return (
    <div className="languages" role="group" aria-label={t('language.choose')}>
      {languages.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          className={`btn btn-language${l === current ? ' is-current' : ''}`}
          aria-pressed={l === current}
          onClick={() => onChoose(l)}
          data-testid={`language-${l}`}
        >
          <Flag language={l} />
          {t(`language.${l}`)}
        </button>
      ))}
    </div>
  );
}
