import type { StorageLike } from './session-hint.ts';

/** The console's localStorage; undefined where there is none or it is refused. */
export function browserStorage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** The doctor's camera and microphone; undefined (receive only) when there are none or they are refused. */
export async function openLocalMedia(): Promise<MediaStream | undefined> {
  try {
    if (!navigator.mediaDevices?.getUserMedia) return undefined;
    return await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: { echoCancellation: true, noiseSuppression: true } });
  } catch (err) {
    console.warn(`The doctor's camera is not available (${String(err)}): trying the microphone alone.`);
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  } catch (err) {
    console.warn(`The doctor's microphone is not available (${String(err)}): receiving only.`);
    return undefined;
  }
}
