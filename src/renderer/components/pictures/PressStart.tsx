/** The monitor's START button, pointed at. */
export function PressStartPicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture picture-small" aria-hidden="true" focusable="false">
      <rect x="40" y="30" width="160" height="130" rx="16" fill="#e8e8e8" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="62" y="46" width="116" height="46" rx="6" fill="#0b1f33" />
      <circle cx="120" cy="125" r="22" fill="#1d7a3a" stroke="#1a1a1a" strokeWidth="5" className="pulse" />
      <path d="M210 160 L150 132" stroke="#b3261e" strokeWidth="8" strokeLinecap="round" />
      <path d="M150 132 l18 -2 l-8 16 z" fill="#b3261e" stroke="#b3261e" strokeWidth="4" strokeLinejoin="round" />
    </svg>
  );
}
