import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCabin } from '../../src/main/app.ts';
import type { Cabin } from '../../src/main/cabin.ts';
import { BridgeFailure } from '../../src/main/bridge/dispatch.ts';
import { demoConfig } from '../../src/main/config.ts';
import { PatientIdentitySchema, type PatientIdentity } from '../../src/shared/patient-identity.ts';
import { startHub, type TestHub } from '../hub/helpers.ts';

/**
 * Issue 13: the assistant files the patient's identity at the kiosk. Cabin main keeps it in memory for the visit only
 * (never in its SQLite store, checked in the files' bytes) and sends it to the visit's consultation on a real hub.
 */

// Names no other datum of the cabin could hold, to look for in the store's bytes.
const IDENTITY: PatientIdentity = {
  birthName: 'Quizbrekkowa',
  firstNames: ['Zéphyrinette'],
  birthDate: '1961-07-04',
  sex: 'female',
  birthplace: '2A004',
  ins: { kind: 'nir', value: '261072A00400175' },
  status: 'validated',
};
const NEEDLES = ['Quizbrekkowa', 'Zéphyrinette', 'Zephyrinette', '261072A00400175', '1961-07-04'];

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file of the cabin's data folder (the database, its WAL and journal), as bytes in UTF-8 and UTF-16. */
function dataHolds(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      continue; // a folder
    }
    for (const n of NEEDLES) if (bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le'))) found.push(`${name}: ${n}`);
  }
  return found;
}

async function refused(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (err) {
    if (err instanceof BridgeFailure) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('the identity the assistant files at the kiosk', () => {
  let t: TestHub | undefined;
  let cabin: Cabin | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await cabin?.stop();
    cabin = undefined;
    await t?.close();
    t = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('only in assistant mode during a visit; sent to the consultation once it exists; gone from memory at the end; never on disk', async () => {
    expect(PatientIdentitySchema.parse(IDENTITY)).toEqual(IDENTITY);
    t = await startHub();
    const dataDir = mkdtempSync(join(tmpdir(), 'cabin-patient-'));
    dirs.push(dataDir);
    cabin = await startCabin(demoConfig({ dataDir, cabinId: 'cab-1', hub: { url: t.hub.url, cabinKey: t.keys['cab-1']! } }));
    const h = cabin.handlers;

    expect(await refused(() => h['patient:set']({ identity: IDENTITY }))).toBe('assistant-only');
    await h['assistant:unlock']({ pin: '1234' });
    expect(await refused(() => h['patient:get']({}))).toBe('no-session');
    await h['session:start']({ language: 'fr' });
    // The patient starting the visit closes the panel; the assistant unlocks it again at the consent.
    expect(await refused(() => h['patient:set']({ identity: IDENTITY }))).toBe('assistant-only');
    await h['assistant:unlock']({ pin: '1234' });
    expect(await h['patient:get']({})).toEqual({ identity: null, delivery: null });
    // Filed at the consent: no consultation yet, it waits.
    expect(await h['patient:set']({ identity: IDENTITY })).toEqual({ identity: IDENTITY, delivery: 'waiting' });

    await h['session:consent']({ accepted: true });
    const consultationId = await (async () => {
      await until(async () => (await h['call:get']({})).consultationId !== null, 'the consultation on the hub');
      return (await h['call:get']({})).consultationId!;
    })();
    await until(async () => (await t!.hub.store.patientIdentity(consultationId)) !== null, 'the identity on the hub');
    expect(await t.hub.store.patientIdentity(consultationId)).toEqual(IDENTITY);
    expect((await t.hub.store.filedPatient(consultationId))?.updatedBy).toBe('cabin:cab-1');
    await until(async () => (await h['patient:get']({})).delivery === 'filed', 'the hub’s acknowledgement');
    expect(dataHolds(dataDir)).toEqual([]);

    // The visit ends (summary), then the patient's data leaves: the identity with it.
    await h['session:end']({ from: 'exam' });
    expect((await h['patient:get']({})).identity).toEqual(IDENTITY);
    await h['session:end']({ from: 'end' });
    await h['assistant:unlock']({ pin: '1234' });
    expect(await refused(() => h['patient:get']({}))).toBe('no-session');
    await h['cleaning:complete']({ done: demoConfig({ dataDir }).checklist.map((c) => c.id) });
    await h['session:start']({ language: 'fr' });
    await h['assistant:unlock']({ pin: '1234' });
    expect(await h['patient:get']({})).toEqual({ identity: null, delivery: null });

    await cabin.stop();
    cabin = undefined;
    expect(dataHolds(dataDir)).toEqual([]);
  });
});
