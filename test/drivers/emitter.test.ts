import { describe, expect, it } from 'vitest';
import { Emitter, MIN_INTERVAL_MS, REPEAT_MS } from '../../drivers/_lib/emitter.ts';

describe('Emitter', () => {
  it('emits an observation on change and again after the repeat interval only', () => {
    const e = new Emitter();
    e.observe('MDC_PULS_OXIM_SAT_O2', 97, 0);
    e.observe('MDC_PULS_OXIM_SAT_O2', 97, 500);
    e.observe('MDC_PULS_OXIM_SAT_O2', 96, 600);
    e.observe('MDC_PULS_OXIM_SAT_O2', 96, 600 + REPEAT_MS);
    expect(e.take().map((x) => (x.kind === 'observation' ? [x.value, x.t, x.unit] : null))).toEqual([
      [97, 0, '%'],
      [96, 600, '%'],
      [96, 1600, '%'],
    ]);
  });

  it('emits a value that changes every frame at most every MIN_INTERVAL_MS, the latest value winning', () => {
    const e = new Emitter();
    // A 60 Hz device whose value changes on every packet for one second.
    for (let i = 0; i < 60; i++) e.observe('MDC_PULS_OXIM_PERF_REL', 2 + i / 100, Math.round((i * 1000) / 60));
    const out = e.take().flatMap((x) => (x.kind === 'observation' ? [[x.t, x.value]] : []));
    expect(out.length).toBeLessThanOrEqual(1000 / MIN_INTERVAL_MS + 1);
    expect(out[0]).toEqual([0, 2]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0]! - out[i - 1]![0]!).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
  });

  it('refuses values outside the catalogue range', () => {
    const e = new Emitter();
    expect(e.observe('MDC_PULS_OXIM_SAT_O2', 127, 0)).toBe(false);
    expect(e.observe('MDC_PULS_OXIM_PULS_RATE', 511, 0)).toBe(false);
    expect(e.take()).toEqual([]);
  });

  it('emits a status only when it changes', () => {
    const e = new Emitter();
    e.status('ok', 0);
    e.status('ok', 1);
    e.status('probe-off', 2);
    e.status('probe-off', 3);
    e.status('ok', 4);
    expect(e.take().map((x) => (x.kind === 'status' ? x.status : ''))).toEqual(['ok', 'probe-off', 'ok']);
  });

  it('gathers waveform samples into one event per take', () => {
    const e = new Emitter();
    e.sample('MDC_PULS_OXIM_PLETH', 60, 1, 10);
    e.sample('MDC_PULS_OXIM_PLETH', 60, 2, 20);
    expect(e.take()).toEqual([{ kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 60, samples: [1, 2], t: 10 }]);
    expect(e.take()).toEqual([]);
  });

  it('keeps every observation of a measurement, even repeated values', () => {
    const e = new Emitter();
    e.observe('MDC_PRESS_BLD_NONINV_SYS', 120, 0, 'm1');
    e.observe('MDC_PRESS_BLD_NONINV_SYS', 120, 0, 'm2');
    expect(e.take()).toHaveLength(2);
  });
});
