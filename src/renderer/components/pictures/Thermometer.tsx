/** A face with the thermometer probe under the tongue. */
export function ThermometerPicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture" aria-hidden="true" focusable="false">
      <circle cx="80" cy="90" r="70" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="5" />
      <circle cx="56" cy="70" r="7" fill="#1a1a1a" />
      <circle cx="104" cy="70" r="7" fill="#1a1a1a" />
      <path d="M58 118 q22 14 44 0" fill="#b3413a" stroke="#1a1a1a" strokeWidth="5" />
      <path d="M92 122 L200 150" stroke="#1a1a1a" strokeWidth="10" strokeLinecap="round" />
      <rect x="178" y="130" width="56" height="36" rx="10" fill="#2c6fbb" stroke="#1a1a1a" strokeWidth="5" transform="rotate(15 206 148)" />
    </svg>
  );
}
