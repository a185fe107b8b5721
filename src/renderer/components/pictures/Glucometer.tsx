/** A fingertip with a drop of blood on its side, touching the strip of a glucose meter. */
export function GlucometerPicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture" aria-hidden="true" focusable="false">
      <rect x="120" y="60" width="96" height="110" rx="16" fill="#2c6fbb" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="136" y="76" width="64" height="40" rx="6" fill="#e3ecfb" stroke="#1a1a1a" strokeWidth="4" />
      <rect x="158" y="20" width="20" height="44" fill="#ffffff" stroke="#1a1a1a" strokeWidth="4" />
      <path d="M20 150 L20 70 q0 -30 30 -30 q30 0 30 30 L80 150 Z" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="5" />
      <path d="M96 40 q-14 20 0 26 q14 -6 0 -26 Z" fill="#b3413a" stroke="#1a1a1a" strokeWidth="4" />
      <path d="M110 52 L150 36" stroke="#1a1a1a" strokeWidth="4" strokeDasharray="6 6" />
    </svg>
  );
}
