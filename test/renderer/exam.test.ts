import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { DeviceView, Reading } from '../../src/shared/bridge.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import { examFlow, keepStep } from '../../src/renderer/exam/flow.ts';
import { examSteps } from '../../src/renderer/exam/steps.ts';
import { formatMeasure, MEASURES, summary } from '../../src/renderer/format/measures.ts';

const device = (id: string, category: string, link: DeviceView['link'] = 'connected'): DeviceView => ({
  id, driver: id, name: id, category, transport: 'simulated', path: id, reason: 'simulated', commands: [], link,
});

describe('exam steps', () => {
  it('one step per plugged category, in exam order, with the best-linked device', () => {
    const steps = examSteps([
      device('scale', 'scale'),
      device('ox-old', 'oximeter', 'reconnecting'),
      device('bp', 'blood-pressure', 'detached'),
      device('ox', 'oximeter'),
      device('ecg', 'ecg'),
      device('thermo', 'thermometer', 'error'),
    ]);
    expect(steps.map((s) => [s.category, s.device.id])).toEqual([
      ['oximeter', 'ox'],
      ['thermometer', 'thermo'],
      ['scale', 'scale'],
    ]);
  });
});

describe('exam flow (xstate)', () => {
  it('walks next and back within the steps', () => {
    const actor = createActor(examFlow, { input: undefined }).start();
    expect(actor.getSnapshot().value).toBe('empty');
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'scale'] });
    expect(actor.getSnapshot().value).toBe('step');
    expect(actor.getSnapshot().context.current).toBe('oximeter');
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().context.current).toBe('oximeter');
    actor.send({ type: 'next' });
    actor.send({ type: 'next' });
    actor.send({ type: 'next' });
    expect(actor.getSnapshot().context.current).toBe('scale');
    actor.send({ type: 'back' });
    expect(actor.getSnapshot().context.current).toBe('blood-pressure');
  });

  it('stays on its step when another device comes or goes, moves on when its own device goes', () => {
    const actor = createActor(examFlow, { input: undefined }).start();
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure'] });
    actor.send({ type: 'next' });
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('blood-pressure');
    actor.send({ type: 'steps', steps: ['oximeter', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('thermometer');
    actor.send({ type: 'steps', steps: [] });
    expect(actor.getSnapshot().value).toBe('empty');
  });

  it('before the patient moves, a device listed a moment later that comes first in exam order becomes the first step', () => {
    const actor = createActor(examFlow, { input: undefined }).start();
    // A Bluetooth cuff known at once, the oximeter heard a moment later: the visit still starts at the oximeter.
    actor.send({ type: 'steps', steps: ['blood-pressure', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('blood-pressure');
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('oximeter');
    // Once the patient moved, their step stays.
    actor.send({ type: 'next' });
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'thermometer', 'scale'] });
    expect(actor.getSnapshot().context.current).toBe('blood-pressure');
  });

  it('a resumed step (a reload) is kept when another device appears before it', () => {
    const actor = createActor(examFlow, { input: { resume: 'thermometer' } }).start();
    actor.send({ type: 'steps', steps: ['oximeter', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('thermometer');
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'thermometer'] });
    expect(actor.getSnapshot().context.current).toBe('thermometer');
  });

  it('keepStep falls back to the last step when nothing comes after', () => {
    expect(keepStep('scale', ['oximeter', 'thermometer'])).toBe('thermometer');
    expect(keepStep(undefined, ['thermometer'])).toBe('thermometer');
    expect(keepStep(undefined, [])).toBeUndefined();
  });
});

describe('values for the patient', () => {
  const r = (code: MdcCode, value: number): Reading => ({ id: code, deviceId: 'd', code, value, unit: '', t: 0 });
  const readings = new Map(
    [
      r('MDC_PULS_OXIM_SAT_O2', 97),
      r('MDC_PRESS_BLD_NONINV_SYS', 128),
      r('MDC_PRESS_BLD_NONINV_DIA', 82),
      r('MDC_TEMP_BODY', 36.84),
      r('MDC_MASS_BODY_ACTUAL', 72.5),
    ].map((x) => [x.code, x]),
  );

  it('formats in the patient language (decimal comma in French)', () => {
    expect(formatMeasure(MEASURES.thermometer[0]!, readings, 'fr')).toBe('36,8');
    expect(formatMeasure(MEASURES.thermometer[0]!, readings, 'en')).toBe('36.8');
    expect(formatMeasure(MEASURES['blood-pressure'][0]!, readings, 'fr')).toBe('128/82');
    expect(formatMeasure(MEASURES.oximeter[1]!, readings, 'fr')).toBeUndefined();
  });

  it('the summary lists what was measured, in exam order', () => {
    expect(summary(readings, 'en').map((s) => [s.measure.id, s.text])).toEqual([
      ['spo2', '97'],
      ['bp', '128/82'],
      ['temperature', '36.8'],
      ['weight', '72.5'],
    ]);
  });
});
