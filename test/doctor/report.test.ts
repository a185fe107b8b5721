import { describe, expect, it } from 'vitest';
import type { ReceivedObservation } from '../../src/doctor/call/observations.ts';
import { endMessages } from '../../src/doctor/state/report.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import { HUB_MAX_FRAME_BYTES, ToHubSchema } from '../../src/shared/hub-protocol.ts';

const r = (i: number, code: MdcCode, value: number, extra: Partial<ReceivedObservation> = {}): ReceivedObservation => ({
  type: 'observation',
  id: `obs-${i}`,
  deviceId: 'serial:/dev/ttyUSB0:contec-cms50-v7',
  code,
  value,
  unit: '%',
  t: 1_700_000_000_000 + i * 1000,
  receivedAt: 0,
  ...extra,
});

describe('end of consultation report', () => {
  it('carries the notes and the readings not reported yet, in the `end` itself when they fit', () => {
    const obs = [r(1, 'MDC_PULS_OXIM_SAT_O2', 97), r(2, 'MDC_PRESS_BLD_NONINV_SYS', 120, { measurementId: 'm1', unit: 'mm[Hg]' })];
    const msgs = endMessages('c1', 'Otite droite.', obs, 'ref-1');
    expect(msgs.map((m) => m.type)).toEqual(['end']);
    for (const m of msgs) expect(ToHubSchema.safeParse(m).success).toBe(true);
    expect(msgs[0]).toMatchObject({ type: 'end', ref: 'ref-1', consultationId: 'c1', notes: 'Otite droite.' });
    expect(endMessages('c1', 'x', [], 'ref-3')).toEqual([{ type: 'end', ref: 'ref-3', consultationId: 'c1', notes: 'x', readings: [] }]);
    expect(msgs[0]).toMatchObject({ readings: [
      { id: 'obs-1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1_700_000_001_000, deviceId: 'serial:/dev/ttyUSB0:contec-cms50-v7' },
      { id: 'obs-2', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 120, unit: 'mm[Hg]', t: 1_700_000_002_000, deviceId: 'serial:/dev/ttyUSB0:contec-cms50-v7', measurementId: 'm1' },
    ] });
  });

  it('a long consultation goes in parts that each fit the hub frame, with nothing left out', () => {
    const obs: ReceivedObservation[] = [];
    for (let i = 0; i < 3600; i++) obs.push(r(i, i % 2 ? 'MDC_PULS_OXIM_SAT_O2' : 'MDC_PULS_OXIM_PULS_RATE', 97));
    obs.push(r(5000, 'MDC_TEMP_BODY', 37.2), r(5001, 'MDC_MASS_BODY_ACTUAL', 70));
    const msgs = endMessages('c1', 'é'.repeat(20_000), obs, 'ref-2');
    for (const m of msgs) {
      expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(HUB_MAX_FRAME_BYTES);
      expect(ToHubSchema.safeParse(m).success).toBe(true);
    }
    const sent = msgs.flatMap((m) => (m.type === 'report' || m.type === 'end' ? m.readings : []));
    expect(sent.map((x) => x.id)).toEqual(obs.map((o) => o.id));
    expect(msgs[msgs.length - 1]!.type).toBe('end');
  });

  it('splits by bytes too: readings with long ids never make a part over the frame limit', () => {
    const long = Array.from({ length: 600 }, (_, i) => r(i, 'MDC_PULS_OXIM_SAT_O2', 97, { id: `${'x'.repeat(95)}${i}`.slice(-100), deviceId: 'd'.repeat(300), measurementId: 'm'.repeat(100) }));
    const msgs = endMessages('c1', '', long);
    for (const m of msgs) expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(HUB_MAX_FRAME_BYTES);
    expect(msgs.flatMap((m) => (m.type === 'report' || m.type === 'end' ? m.readings : [])).length).toBe(600);
  });
});
