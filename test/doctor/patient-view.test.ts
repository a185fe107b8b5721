import { describe, expect, it } from 'vitest';
import { applyCabinEvent, type CabinEventDeps } from '../../src/doctor/call/cabin-events.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { CabinEventSchema, DOCTOR_VIDEO_STATES, DoctorEventSchema, parseEvent } from '../../src/shared/telemetry.ts';

/** Deps a `doctor-video` message never touches: any use would throw. */
const untouched = new Proxy({}, { get: () => { throw new Error('not used by doctor-video'); } }) as CabinEventDeps;

describe("the doctor's video as the patient receives it, on the doctor's side", () => {
  it('a doctor-video message sets what the console shows; the same state again changes nothing', () => {
    const s = initialCallSnapshot();
    expect(s.patientView).toBe('none');
    expect(applyCabinEvent(s, { type: 'doctor-video', state: 'stalled', tries: 1 }, untouched)).toEqual({ patientView: 'stalled' });
    expect(applyCabinEvent({ ...s, patientView: 'stalled' }, { type: 'doctor-video', state: 'stalled', tries: 2 }, untouched)).toBeUndefined();
    expect(applyCabinEvent({ ...s, patientView: 'stalled' }, { type: 'doctor-video', state: 'ok', tries: 0 }, untouched)).toEqual({ patientView: 'ok' });
  });

  it('the contract takes the five states, tries optional (a cabin may leave it out), nothing else', () => {
    for (const state of DOCTOR_VIDEO_STATES) expect(CabinEventSchema.safeParse({ type: 'doctor-video', state }).success).toBe(true);
    for (const bad of [{ type: 'doctor-video', state: 'frozen' }, { type: 'doctor-video' }, { type: 'doctor-video', state: 'ok', extra: 1 }]) {
      expect(CabinEventSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('backward compatible: a message of a type the receiver does not know is dropped, not an error', () => {
    // What an older console does with the new message: its schema has no doctor-video; here, the doctor → cabin schema.
    expect(parseEvent(DoctorEventSchema, JSON.stringify({ type: 'doctor-video', state: 'stalled' }))).toBeUndefined();
  });
});
