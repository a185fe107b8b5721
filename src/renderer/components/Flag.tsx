import type { Language } from '../../shared/bridge.ts';

/** A simple flag drawn inline (no external assets). */
export function Flag({ language }: { language: Language }) {
  if (language === 'fr') {
    return (
      <svg viewBox="0 0 3 2" className="flag" aria-hidden="true">
        <rect width="1" height="2" fill="#002395" />
        <rect x="1" width="1" height="2" fill="#fff" />
        <rect x="2" width="1" height="2" fill="#ed2939" />
      </svg>
    );
  }
  if (language === 'ar') {
    // Arabic is no one country's: its letter ʿayn on a neutral tile, not a flag.
    return (
      <svg viewBox="0 0 3 2" className="flag" aria-hidden="true">
        <rect width="3" height="2" rx="0.2" fill="#0b6e4f" />
        <text x="1.5" y="1.45" textAnchor="middle" fontSize="1.3" fill="#fff">ع</text>
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 60 30" className="flag" aria-hidden="true">
      <rect width="60" height="30" fill="#012169" />
      <path d="M0 0L60 30M60 0L0 30" stroke="#fff" strokeWidth="6" />
      <path d="M0 0L60 30M60 0L0 30" stroke="#C8102E" strokeWidth="2" />
      <path d="M30 0v30M0 15h60" stroke="#fff" strokeWidth="10" />
      <path d="M30 0v30M0 15h60" stroke="#C8102E" strokeWidth="6" />
    </svg>
  );
}
