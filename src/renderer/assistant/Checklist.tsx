import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskConfigView } from '../../shared/bridge.ts';
import { toLanguage } from '../../shared/language.ts';

/** The cleaning checklist: every item ticked before the cabin can be unlocked for the next patient. */
export function Checklist({ items, onComplete }: { items: KioskConfigView['checklist']; onComplete(done: string[]): void }) {
  const { t, i18n } = useTranslation();
  const [done, setDone] = useState<ReadonlySet<string>>(new Set());
  const language = toLanguage(i18n.language);
  const toggle = (id: string): void =>
    setDone((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const all = items.every((i) => done.has(i.id));
  return (
    <div className="checklist" data-testid="checklist">
      <p>{t('assistant.checklistHint')}</p>
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <label className={`check${done.has(item.id) ? ' is-checked' : ''}`}>
              <input type="checkbox" checked={done.has(item.id)} onChange={() => toggle(item.id)} data-testid={`check-${item.id}`} />
              <span>{item.label[language] ?? item.label.fr}</span>
            </label>
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-primary btn-big" disabled={!all} onClick={() => onComplete([...done])} data-testid="cleaning-complete">
        {t('assistant.complete')}
      </button>
    </div>
  );
}
