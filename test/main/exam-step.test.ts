import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCabin } from '../../src/main/app.ts';
import type { Cabin } from '../../src/main/cabin.ts';
import { demoConfig } from '../../src/main/config.ts';
import type { HostProcess } from '../../src/main/devices/supervisor.ts';
import type { HostRequest } from '../../src/shared/device-host.ts';

let cabin: Cabin | undefined;
let dir: string | undefined;
afterEach(async () => {
  await cabin?.stop();
  cabin = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A device host that only records what main asks of it (and ends when told to). */
function recordingHost(sent: HostRequest[]): HostProcess {
  let exited: (code: number | null) => void = () => {};
  return {
    send: (m) => {
      sent.push(m);
      if (m.type === 'shutdown') exited(0);
    },
    onMessage: () => {},
    onExit: (l) => void (exited = l),
    kill: () => exited(null),
  };
}

describe("the kiosk's open exam step reaches the device host", () => {
  it('during the exam only; leaving the exam closes it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-step-'));
    const sent: HostRequest[] = [];
    cabin = await startCabin(demoConfig({ dataDir: dir }), { launchHost: () => recordingHost(sent) });
    const h = cabin.handlers;
    const attends = () => sent.filter((m) => m.type === 'attend');
    // A page left on a step before the visit starts sets nobody going.
    await h['exam:step']({ deviceId: 'welchallyn-suretemp@sim:welchallyn-suretemp' });
    expect(attends()).toEqual([{ type: 'attend', deviceId: null }]);
    await h['session:start']({ language: 'fr' });
    await h['session:consent']({ accepted: true });
    await h['exam:step']({ deviceId: 'tanita-serial@sim:tanita-serial' });
    expect(attends().at(-1)).toEqual({ type: 'attend', deviceId: 'tanita-serial@sim:tanita-serial' });
    await h['session:end']({ from: 'exam' });
    expect(attends().at(-1)).toEqual({ type: 'attend', deviceId: null });
  });
});
