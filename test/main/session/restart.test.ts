import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfig, KioskConfigSchema, type KioskConfig } from '../../../src/main/config.ts';
import { hashPin } from '../../../src/main/session/pin.ts';
import { SessionService } from '../../../src/main/session/service.ts';
import { openStore } from '../../../src/main/store/index.ts';

/**
 * Cabin main stopped in the middle of a visit (Ctrl-C, kill, crash), then started again on the same data folder:
 * the demo is ready at once, a real cabin waits for the assistant's cleaning check.
 */
const PIN = '2468';

function run(file: string, config: KioskConfig): { svc: SessionService; close: () => void } {
  const store = openStore(file);
  const svc = new SessionService(store, config, () => undefined, Date.now, hashPin(config.demo ? '1234' : PIN));
  return { svc, close: () => store.close() };
}

/** A visit left in the examination when the process stopped (the store is closed, nothing more). */
function stopDuringExam(file: string, config: KioskConfig): void {
  const first = run(file, config);
  first.svc.start('fr');
  expect(first.svc.consent(true).phase).toBe('exam');
  first.close();
}

const realConfig = (): KioskConfig =>
  KioskConfigSchema.parse({ cabinId: 'claree-1', assistantPinHash: hashPin(PIN), checklist: [{ id: 'seat', label: { fr: 'Siège', en: 'Seat' } }] });

describe('a restart after a visit was interrupted', () => {
  it('the demo restarts at the welcome screen, ready for the next visit', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cabin-restart-')), 'cabin.db');
    stopDuringExam(file, demoConfig());
    const again = run(file, demoConfig());
    expect(again.svc.view().phase).toBe('welcome');
    expect(again.svc.start('fr').phase).toBe('consent');
    again.close();
  });

  it('a real cabin waits for the cleaning check, which the assistant unlocks with the PIN', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cabin-restart-')), 'cabin.db');
    const config = realConfig();
    stopDuringExam(file, config);
    const again = run(file, config);
    expect(again.svc.view().phase).toBe('cleaning');
    expect(() => again.svc.start('fr')).toThrow(/welcome/);
    expect(() => again.svc.completeCleaning(['seat'])).toThrow(/assistant/);
    await again.svc.unlockAssistant(PIN);
    expect(again.svc.completeCleaning(['seat']).phase).toBe('welcome');
    again.close();
    // Cleaned: the next start is ready.
    const third = run(file, config);
    expect(third.svc.view().phase).toBe('welcome');
    third.close();
  });
});
