import { pickMediaDevices, pickVoiceDevice, type MediaLabels } from './match.ts';
import { processingLeftOn, RAW_AUDIO, VOICE_AUDIO } from './raw-audio.ts';

/** What the assistant panel shows about the media devices (no patient data). */
export interface MediaStatus {
  state: 'idle' | 'checking' | 'ready' | 'unavailable';
  reason?: string;
  configured: MediaLabels;
  camera?: string;
  otoscope?: string;
  stethoscope?: { label: string; processingOn: string[] };
  voice?: string;
}

export interface OpenedMedia {
  camera?: MediaStream;
  otoscope?: MediaStream;
  stethoscope?: MediaStream;
  /** The patient's microphone, voice processing on (for the doctor to hear the patient). */
  voice?: MediaStream;
  status: MediaStatus;
  stop(): void;
}

/** An otoscope is read at its full resolution (the doctor's snapshot is taken from this track). */
const OTOSCOPE_RESOLUTION = { width: { ideal: 1920 }, height: { ideal: 1080 } } as const;

const stopAll = (s: MediaStream | undefined): void => s?.getTracks().forEach((t) => t.stop());

/** Device labels stay empty until the page has been granted a first capture. */
async function grantLabels(md: MediaDevices): Promise<void> {
  for (const constraints of [{ audio: true, video: true }, { video: true }, { audio: true }]) {
    try {
      stopAll(await md.getUserMedia(constraints));
      return;
    } catch {
      // try with fewer kinds: a cabin without a camera still has a stethoscope
    }
  }
}

async function tryOpen(md: MediaDevices, constraints: MediaStreamConstraints): Promise<MediaStream | undefined> {
  try {
    return await md.getUserMedia(constraints);
  } catch {
    return undefined;
  }
}

/**
 * Opens the patient camera, the otoscope and the stethoscope picked by their configured labels. A missing
 * or failing device is left out, never thrown: the exam goes on without it.
 */
export async function openMedia(md: MediaDevices | undefined, labels: MediaLabels): Promise<OpenedMedia> {
  const status: MediaStatus = { state: 'ready', configured: labels };
  const opened: OpenedMedia = { status, stop: () => [opened.camera, opened.otoscope, opened.stethoscope, opened.voice].forEach(stopAll) };
  if (!md?.getUserMedia || !md.enumerateDevices) {
    status.state = 'unavailable';
    status.reason = 'no mediaDevices';
    return opened;
  }
  await grantLabels(md);
  let devices: MediaDeviceInfo[];
  try {
    devices = await md.enumerateDevices();
  } catch (err) {
    status.state = 'unavailable';
    status.reason = err instanceof Error ? err.message : String(err);
    return opened;
  }
  const pick = pickMediaDevices(devices, labels);
  if (pick.camera) {
    opened.camera = await tryOpen(md, { video: { deviceId: { exact: pick.camera.deviceId } } });
    if (opened.camera) status.camera = pick.camera.label;
  }
  if (pick.otoscope) {
    const same = pick.otoscope.deviceId === pick.camera?.deviceId;
    opened.otoscope = same ? opened.camera?.clone() : await tryOpen(md, { video: { deviceId: { exact: pick.otoscope.deviceId }, ...OTOSCOPE_RESOLUTION } });
    if (opened.otoscope) status.otoscope = pick.otoscope.label;
  }
  if (pick.stethoscope) {
    opened.stethoscope = await tryOpen(md, { audio: { deviceId: { exact: pick.stethoscope.deviceId }, ...RAW_AUDIO } });
    const track = opened.stethoscope?.getAudioTracks()[0];
    if (track) status.stethoscope = { label: pick.stethoscope.label, processingOn: processingLeftOn(track.getSettings()) };
  }
  const voice = pickVoiceDevice(devices, pick);
  if (voice) {
    opened.voice = await tryOpen(md, { audio: { deviceId: { exact: voice.deviceId }, ...VOICE_AUDIO } });
    if (opened.voice) status.voice = voice.label;
  }
  return opened;
}
