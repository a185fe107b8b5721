/** The stethoscope must arrive unfiltered: heart sounds live at 20–200 Hz, where voice processing cuts. */
export const RAW_AUDIO = { echoCancellation: false, noiseSuppression: false, autoGainControl: false } as const;

/** The voice processing a track still applies (or does not report): empty when the audio is raw. */
export function processingLeftOn(settings: MediaTrackSettings): string[] {
  return (Object.keys(RAW_AUDIO) as (keyof typeof RAW_AUDIO)[]).filter((k) => settings[k] !== false);
}

/** The patient's voice: the browser's voice processing on (echo of the doctor's voice, room noise). */
export const VOICE_AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true } as const;
