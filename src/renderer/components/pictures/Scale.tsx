/** Two bare feet on a bathroom scale. */
export function ScalePicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture" aria-hidden="true" focusable="false">
      <rect x="20" y="40" width="200" height="130" rx="22" fill="#e8e8e8" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="85" y="52" width="70" height="26" rx="6" fill="#0b1f33" />
      <ellipse cx="88" cy="124" rx="22" ry="34" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="4" />
      <ellipse cx="152" cy="124" rx="22" ry="34" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="4" />
    </svg>
  );
}
