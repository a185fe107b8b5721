/** Bytes and frames the call sent on its data channels (for the benchmarks; no patient data). */
export interface CallStats {
  telemetryBytes: number;
  eventsBytes: number;
  samplesSent: number;
  framesSent: number;
  framesDropped: number;
  /** Readings given to the voice's packets (audio-readings.ts). */
  audioReadings: number;
}

export const newStats = (): CallStats => ({ telemetryBytes: 0, eventsBytes: 0, samplesSent: 0, framesSent: 0, framesDropped: 0, audioReadings: 0 });

/** The page's counters, kept across peer connections. */
export const callStats: CallStats = newStats();

/** A copy of the counters. */
export function stats(): CallStats {
  return { ...callStats };
}

/** Publishes `window.cabinCallStats()` only when the page was opened with `?debug=1` (benchmarks). */
export function exposeStats(win: { location: { search: string } } & { cabinCallStats?: () => CallStats }): void {
  if (new URLSearchParams(win.location.search).get('debug') === '1') win.cabinCallStats = stats;
}
