import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import type { BleDriver, BleMatch } from '../../shared/driver.ts';
import type { Advertisement } from './central.ts';

interface CompiledRule {
  readonly services: ReadonlySet<string> | undefined;
  readonly name: RegExp | undefined | null;
}

/** Manifest rules are constants: each is compiled once (its UUIDs normalised, its name pattern a RegExp; null if bad). */
const compiled = new WeakMap<BleMatch, CompiledRule>();

function compile(rule: BleMatch): CompiledRule {
  let c = compiled.get(rule);
  if (!c) {
    let name: RegExp | undefined | null;
    try {
      name = rule.name === undefined ? undefined : new RegExp(rule.name, 'i');
    } catch {
      name = null;
    }
    const services = rule.services && rule.services.length > 0 ? new Set(rule.services.map((x) => normaliseUuid(x) ?? x)) : undefined;
    c = { services, name };
    compiled.set(rule, c);
  }
  return c;
}

function ruleMatches(a: Advertisement, rule: BleMatch): boolean {
  const { services, name } = compile(rule);
  if (services && !a.services.some((x) => services.has(normaliseUuid(x) ?? x))) return false;
  if (name === null || (name !== undefined && (a.name === undefined || !name.test(a.name)))) return false;
  return services !== undefined || name !== undefined;
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
