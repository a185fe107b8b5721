/** A three-note bell that carries across a room, made with WebAudio: no sound file to ship or to miss. */
const NOTES_HZ = [660, 880, 1320];
const NOTE_S = 0.28;

let shared: AudioContext | undefined;

/** Plays the chime; false when the page has no WebAudio (or it refused to start). */
export function playChime(create: () => AudioContext = () => new AudioContext()): boolean {
  try {
    shared ??= create();
    const ctx = shared;
    // A context made before any touch starts suspended; the patient's tap on the button lets it resume.
    if (ctx.state === 'suspended') void ctx.resume();
    const start = ctx.currentTime + 0.02;
    NOTES_HZ.forEach((hz, i) => {
      const at = start + i * NOTE_S;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      // A bell's shape: a quick attack, then a decay (no click at either end).
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S * 1.8);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + NOTE_S * 2);
    });
    return true;
  } catch {
    return false;
  }
}
