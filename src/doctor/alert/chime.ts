/**
 * The arrival sound, made with WebAudio (no file to ship): two soft sine notes a fourth apart (E5 then A5), each
 * with a quick fade-in and a long fade-out, at a low level. A doorbell, not an alarm: no square wave, no repeat.
 */
const NOTES: readonly { hz: number; at: number }[] = [
  { hz: 659.25, at: 0 },
  { hz: 880, at: 0.18 },
];
/** Peak gain of each note (about −20 dBFS): heard over a quiet office, never startling. */
const LEVEL = 0.1;
const ATTACK_S = 0.02;
const DECAY_S = 0.9;

let shared: AudioContext | undefined;

/** One context for the page: browsers limit how many may exist, and it must be resumed after a user gesture. */
function context(): AudioContext | undefined {
  if (shared && shared.state !== 'closed') return shared;
  try {
    shared = new AudioContext();
  } catch {
    return undefined;
  }
  return shared;
}

/** Plays the chime; false when the browser has no WebAudio. Resolves once it is scheduled. */
export async function playChime(ctx: AudioContext | undefined = context()): Promise<boolean> {
  if (!ctx) return false;
  // Allowed once the doctor has interacted with the page (the login click); before that it stays silent.
  if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
  const t0 = ctx.currentTime + 0.02;
  for (const note of NOTES) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = note.hz;
    const start = t0 + note.at;
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(LEVEL, start + ATTACK_S);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + ATTACK_S + DECAY_S);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + ATTACK_S + DECAY_S + 0.05);
  }
  if (typeof window !== 'undefined') window.dispatchEvent(new CustomEvent('cabin:chime'));
  return true;
}
