/** An arm with the cuff above the elbow, tubed to the monitor. */
export function CuffPicture() {
  return (
    <svg viewBox="0 0 240 180" className="picture" aria-hidden="true" focusable="false">
      <path d="M8 60 h150 q24 0 24 24 v6 q0 24 -24 24 h-150 z" fill="#f2c9a0" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="36" y="48" width="70" height="78" rx="10" fill="#2c6fbb" stroke="#1a1a1a" strokeWidth="5" />
      <path d="M72 126 q0 30 60 30 h40" fill="none" stroke="#1a1a1a" strokeWidth="5" />
      <rect x="170" y="128" width="62" height="46" rx="8" fill="#e8e8e8" stroke="#1a1a1a" strokeWidth="5" />
      <circle cx="201" cy="151" r="11" fill="#1d7a3a" stroke="#1a1a1a" strokeWidth="4" />
    </svg>
  );
}
