/** A finger going into the clip of a pulse oximeter. */
export function OximeterPicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture" aria-hidden="true" focusable="false">
      <path d="M10 82 h120 a22 22 0 0 1 0 44 h-120 z" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="5" />
      <path d="M128 88 a6 12 0 0 1 0 32" fill="none" stroke="#1a1a1a" strokeWidth="4" />
      <rect x="92" y="40" width="120" height="56" rx="18" fill="#2c6fbb" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="92" y="112" width="120" height="44" rx="18" fill="#2c6fbb" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="112" y="52" width="80" height="32" rx="6" fill="#0b1f33" />
      <path d="M118 70 l10 0 l6 -10 l8 20 l6 -10 l40 0" fill="none" stroke="#7CFC9A" strokeWidth="4" strokeLinejoin="round" />
      <path d="M200 96 q20 8 0 16" fill="none" stroke="#1a1a1a" strokeWidth="5" />
    </svg>
  );
}
