/** The part of a MediaDeviceInfo used to pick devices. */
export interface MediaDeviceLike {
  deviceId: string;
  kind: string;
  label: string;
  /** Devices of one physical product (a webcam and its microphone) share a group id. */
  groupId?: string;
}

/** The configured label substrings (config:get → media). */
export interface MediaLabels {
  camera?: string;
  stethoscope?: string;
  otoscope?: string;
}

export interface MediaPick {
  camera?: MediaDeviceLike;
  stethoscope?: MediaDeviceLike;
  otoscope?: MediaDeviceLike;
}

/** Case-insensitive substring match; an empty or absent wanted label matches nothing. */
export function labelMatches(label: string, wanted: string | undefined): boolean {
  const w = wanted?.trim().toLowerCase();
  return !!w && label.toLowerCase().includes(w);
}

// Chromium lists its "default" and "communications" aliases next to the real devices.
const isAlias = (d: MediaDeviceLike): boolean => d.deviceId === 'default' || d.deviceId === 'communications';

function find(devices: readonly MediaDeviceLike[], kind: string, wanted: string | undefined, not?: MediaDeviceLike): MediaDeviceLike | undefined {
  const matches = devices.filter((d) => d.kind === kind && labelMatches(d.label, wanted));
  const real = matches.filter((d) => !isAlias(d));
  const pool = real.length > 0 ? real : matches;
  return pool.find((d) => d.deviceId !== not?.deviceId) ?? pool[0];
}

/**
 * Picks the patient camera, the stethoscope (audio input) and the otoscope (video input) by their configured
 * labels. The stethoscope and the otoscope are only ever the configured devices (an ordinary microphone is
 * not a stethoscope); without a configured camera label, the camera is the first video input that is not the
 * otoscope.
 */
export function pickMediaDevices(devices: readonly MediaDeviceLike[], labels: MediaLabels): MediaPick {
  const otoscope = find(devices, 'videoinput', labels.otoscope);
  const stethoscope = find(devices, 'audioinput', labels.stethoscope);
  const camera = labels.camera?.trim()
    ? find(devices, 'videoinput', labels.camera, otoscope)
    : devices.find((d) => d.kind === 'videoinput' && !isAlias(d) && d.deviceId !== otoscope?.deviceId);
  const pick: MediaPick = {};
  if (camera) pick.camera = camera;
  if (stethoscope) pick.stethoscope = stethoscope;
  if (otoscope) pick.otoscope = otoscope;
  return pick;
}

/**
 * The patient's voice microphone (opened with voice processing on): the camera's own microphone, else the
 * default audio input, else the first one; never the stethoscope, nor anything of the stethoscope's device.
 */
export function pickVoiceDevice(devices: readonly MediaDeviceLike[], pick: MediaPick): MediaDeviceLike | undefined {
  const steth = pick.stethoscope;
  const sameAsSteth = (d: MediaDeviceLike): boolean =>
    !!steth && (d.deviceId === steth.deviceId || (!!d.groupId && d.groupId === steth.groupId) || (isAlias(d) && d.label.includes(steth.label)));
  const inputs = devices.filter((d) => d.kind === 'audioinput' && !sameAsSteth(d));
  const group = pick.camera?.groupId;
  return (
    (group ? inputs.find((d) => d.groupId === group && !isAlias(d)) : undefined) ??
    inputs.find((d) => d.deviceId === 'default') ??
    inputs.find((d) => !isAlias(d))
  );
}
