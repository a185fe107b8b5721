import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import type { BleDriver, BleMatch } from '../../shared/driver.ts';
import type { Advertisement } from './central.ts';

function ruleMatches(a: Advertisement, rule: BleMatch): boolean {
  if (rule.services && rule.services.length > 0) {
    const wanted = new Set(rule.services.map((s) => normaliseUuid(s)));
    if (!a.services.some((s) => wanted.has(normaliseUuid(s)))) return false;
  }
  if (rule.name !== undefined) {
    if (a.name === undefined) return false;
    try {
      if (!new RegExp(rule.name, 'i').test(a.name)) return false;
    } catch {
      return false;
    }
  }
  return (rule.services?.length ?? 0) > 0 || rule.name !== undefined;
}

/**
 * The driver an advertisement would get, and why: the first driver with a matching rule, name rules first (a vendor's
 * device that also advertises a standard service gets its vendor driver), then service rules.
 */
export function matchAdvertisement(a: Advertisement, drivers: readonly BleDriver[]): { driver?: BleDriver; reason: string } {
  for (const named of [true, false]) {
    for (const d of drivers) {
      for (const rule of d.manifest.ble.match) {
        if ((rule.name !== undefined) !== named) continue;
        if (ruleMatches(a, rule)) {
          const why = rule.name !== undefined ? `name '${a.name ?? ''}'` : `service ${a.services.find((s) => rule.services?.some((r) => normaliseUuid(r) === normaliseUuid(s))) ?? ''}`;
          return { driver: d, reason: `BLE ${why} identifies ${d.manifest.id}` };
        }
      }
    }
  }
  return { reason: a.services.length > 0 ? `BLE services ${a.services.join(', ')} match no driver` : 'BLE device advertises no service a driver knows' };
}
