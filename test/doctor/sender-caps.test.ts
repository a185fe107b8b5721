import { describe, expect, it } from 'vitest';
import { capCamera, capParameters, DOCTOR_CAMERA, doctorLevel, initialCameraEncoding, levelOfCheck, type CapSender } from '../../src/doctor/call/sender-caps.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';

const check = (c: Partial<NetCheck>): NetCheck => ({ at: 0, verdict: 'good', ...c }) as NetCheck;

describe("the doctor's camera capped to the cabin's link (issue 11)", () => {
  it('each level caps harder, and the lowest pauses the camera', () => {
    expect(DOCTOR_CAMERA.full).toMatchObject({ active: true, maxBitrate: undefined });
    expect(DOCTOR_CAMERA.reduced.maxBitrate).toBeLessThanOrEqual(250_000);
    expect(DOCTOR_CAMERA.low.maxBitrate!).toBeLessThan(DOCTOR_CAMERA.reduced.maxBitrate!);
    expect(DOCTOR_CAMERA.low.scaleResolutionDownBy).toBeGreaterThan(DOCTOR_CAMERA.reduced.scaleResolutionDownBy);
    expect(DOCTOR_CAMERA.minimal.active).toBe(false);
  });

  it('the pre-call check: verdict, then the measured rates (the worse wins); nothing or garbage is full', () => {
    expect(levelOfCheck(undefined)).toBe('full');
    expect(levelOfCheck('x' as unknown as NetCheck)).toBe('full');
    expect(levelOfCheck(check({ verdict: 'good' }))).toBe('full');
    expect(levelOfCheck(check({ verdict: 'reduced' }))).toBe('low');
    expect(levelOfCheck(check({ verdict: 'audio-only' }))).toBe('minimal');
    expect(levelOfCheck(check({ verdict: 'offline' }))).toBe('minimal');
    // The 256 kbit/s link judged 'reduced' with 233 kbit/s measured: the camera paused.
    expect(levelOfCheck(check({ verdict: 'reduced', uplinkKbps: 233 }))).toBe('minimal');
    expect(levelOfCheck(check({ verdict: 'good', downlinkKbps: 500 }))).toBe('reduced');
    expect(levelOfCheck(check({ verdict: 'good', uplinkKbps: Number.NaN }))).toBe('full');
  });

  it("the cabin's level, once it said one, overrides the check (both ways)", () => {
    const poor = check({ verdict: 'audio-only' });
    expect(doctorLevel(undefined, false, poor)).toBe('minimal');
    expect(doctorLevel('full', false, poor)).toBe('minimal');
    expect(doctorLevel('reduced', true, poor)).toBe('reduced');
    expect(doctorLevel('minimal', true, undefined)).toBe('minimal');
    expect(doctorLevel('bogus' as never, true, poor)).toBe('minimal');
  });

  it('sendEncodings of a new camera sender, and parameters patched with limits removed at full', () => {
    expect(initialCameraEncoding('minimal')).toMatchObject({ active: false });
    expect(initialCameraEncoding('full')).not.toHaveProperty('maxBitrate');
    const p = { transactionId: 't', encodings: [{ active: false, maxBitrate: 30_000, scaleResolutionDownBy: 4, rid: 'r' }, { active: true }] } as unknown as RTCRtpSendParameters;
    const full = capParameters(p, 'full');
    expect(full.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1, rid: 'r' });
    expect(full.encodings[1]).toEqual({ active: true });
    expect(capParameters(p, 'low').encodings[0]).toMatchObject({ active: true, maxBitrate: 60_000, maxFramerate: 8, scaleResolutionDownBy: 4 });
    expect(p.encodings[0]!.active).toBe(false); // a copy
    const none = { transactionId: 't', encodings: [] } as unknown as RTCRtpSendParameters;
    expect(capParameters(none, 'minimal')).toBe(none);
  });

  it('capCamera sets the sender, and reports a failure instead of throwing', async () => {
    const set: RTCRtpSendParameters[] = [];
    const ok: CapSender = { getParameters: () => ({ transactionId: 't', encodings: [{ active: true }] }) as RTCRtpSendParameters, setParameters: async (p) => void set.push(p) };
    expect(await capCamera(ok, 'minimal')).toBeUndefined();
    expect(set[0]!.encodings[0]!.active).toBe(false);
    const bad: CapSender = { getParameters: ok.getParameters, setParameters: async () => { throw new Error('InvalidModificationError'); } };
    expect(await capCamera(bad, 'low')).toContain('InvalidModificationError');
  });
});
