import { decodeTelemetryMessage, OBSERVATION_FRAME, type ObservationEvent } from '../../shared/observation-frame.ts';

export interface TelemetryRoutes {
  /** A waveform frame (the bytes as received: WaveformStreams decodes them against the declared streams). */
  wave(bytes: ArrayBuffer): void;
  /** The lossy copy of an observation (observation-frame.ts): handled as the `events` copy is, kept once per id. */
  observation(o: ObservationEvent): void;
}

/** One message of the `telemetry` channel to where it goes; anything else (text, garbage) is dropped. Never throws. */
export function routeTelemetry(data: unknown, to: TelemetryRoutes): void {
  if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return;
  if (new Uint8Array(data, 0, 1)[0]! < OBSERVATION_FRAME) {
    to.wave(data);
    return;
  }
  const m = decodeTelemetryMessage(data);
  if (m?.kind === 'observation') to.observation(m.observation);
}
