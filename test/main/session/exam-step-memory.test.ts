import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { startCabin } from '../../../src/main/app.ts';
import type { Cabin } from '../../../src/main/cabin.ts';
import { demoConfig } from '../../../src/main/config.ts';
import { examFlow } from '../../../src/renderer/exam/flow.ts';
import type { SessionView } from '../../../src/shared/bridge.ts';

let cabin: Cabin | undefined;
let dir: string | undefined;
afterEach(async () => {
  await cabin?.stop();
  cabin = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A kiosk reloaded mid-visit comes back to its step: main keeps it (in memory, this visit only) on the session view. */
describe("the kiosk's exam step survives a reload of the page", () => {
  it('main gives back the last step opened in this visit, and forgets it when the visit moves on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-step-memory-'));
    cabin = await startCabin(demoConfig({ dataDir: dir }), { launchHost: () => ({ send: () => {}, onMessage: () => {}, onExit: () => {}, kill: () => {} }) });
    const h = cabin.handlers;
    const view = async () => (await h['session:get']({})) as SessionView;
    // Before the visit, a page left on a step is not remembered.
    await h['exam:step']({ deviceId: null, step: 'oximeter' });
    expect((await view()).step ?? null).toBeNull();
    await h['session:start']({ language: 'fr' });
    await h['session:consent']({ accepted: true });
    await h['exam:step']({ deviceId: 'omron@sim', step: 'blood-pressure' });
    // The step closing (the page's cleanup) does not forget it: a reload comes back to it.
    await h['exam:step']({ deviceId: null });
    expect((await view()).step).toBe('blood-pressure');
    await h['session:end']({ from: 'exam' });
    expect((await view()).step ?? null).toBeNull();
  });

  it("the page's exam flow opens at that step once its device is listed, and not after the patient moved", () => {
    const actor = createActor(examFlow, { input: { resume: 'blood-pressure' } }).start();
    actor.send({ type: 'steps', steps: ['oximeter'] });
    expect(actor.getSnapshot().context.current).toBe('oximeter');
    actor.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'scale'] });
    expect(actor.getSnapshot().context.current).toBe('blood-pressure');
    const moved = createActor(examFlow, { input: { resume: 'scale' } }).start();
    moved.send({ type: 'steps', steps: ['oximeter', 'blood-pressure'] });
    moved.send({ type: 'next' });
    moved.send({ type: 'steps', steps: ['oximeter', 'blood-pressure', 'scale'] });
    expect(moved.getSnapshot().context.current).toBe('blood-pressure');
  });
});
