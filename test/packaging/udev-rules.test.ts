import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../../drivers/index.ts';
import { GROUP, RULES_FILE, udevRules } from '../../scripts/gen-udev-rules.ts';

const manifests = DRIVERS.map((d) => d.manifest);
const committed = readFileSync(new URL(`../../${RULES_FILE}`, import.meta.url), 'utf8');
const rules = committed.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

/** `KEY=="v", KEY{attr}=="v", KEY="v"` → [key, operator, value] triples. */
function parse(rule: string): [string, string, string][] {
  return rule.split(', ').map((part) => {
    const m = /^([A-Z]+(?:\{[A-Za-z_]+\})?)(==|\+=|=)"([^"]*)"$/.exec(part);
    if (!m) throw new Error(`Not a udev key: ${part} (in ${rule})`);
    return [m[1]!, m[2]!, m[3]!];
  });
}

describe('udev rules', () => {
  it('are the generator output for the current manifests (regenerate with scripts/gen-udev-rules.ts)', () => {
    expect(committed).toBe(udevRules(manifests));
  });

  it('give every USB id of every driver a rule for its transport', () => {
    const parsed = rules.map(parse);
    for (const m of manifests) {
      for (const { vendorId, productId } of m.usb) {
        const subsystems = m.transport === 'serial' ? ['tty'] : ['hidraw', 'usb'];
        for (const subsystem of subsystems) {
          const match = parsed.find(
            (r) =>
              r.some(([k, op, v]) => k === 'SUBSYSTEM' && op === '==' && v === subsystem) &&
              r.some(([k, , v]) => /^ATTRS?\{idVendor\}$/.test(k) && v === vendorId) &&
              r.some(([k, , v]) => /^ATTRS?\{idProduct\}$/.test(k) && v === productId),
          );
          expect(match, `${m.id} ${vendorId}:${productId} ${subsystem}`).toBeDefined();
        }
        expect(committed).toMatch(new RegExp(`^# ${vendorId}:${productId} \\(${m.transport}\\): .*\\b${m.id}\\b`, 'm'));
      }
    }
  });

  it('grant access to the cabin group only: no mode gives "other" any right', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const keys = parse(rule);
      const mode = keys.find(([k]) => k === 'MODE')?.[2];
      const group = keys.find(([k]) => k === 'GROUP')?.[2];
      expect(mode, rule).toMatch(/^0?[0-7][0-7]0$/);
      expect(group, rule).toBe(GROUP);
      expect(rule).not.toMatch(/uaccess|OWNER|RUN/);
    }
  });

  it('are deduplicated and name every driver sharing an id', () => {
    expect(new Set(rules).size).toBe(rules.length);
    expect(committed).toContain('# 0403:6001 (serial): nonin-df2, nonin-df7, nonin-df8, tanita-serial');
  });

  it('do not depend on the order of the drivers', () => {
    expect(udevRules([...manifests].reverse())).toBe(udevRules(manifests));
  });

  it('refuse an id that is not 4-digit hex (nothing odd reaches a root-owned file)', () => {
    const bad = { id: 'x', transport: 'serial' as const, usb: [{ vendorId: '04"3', productId: '6001' }] };
    expect(() => udevRules([bad])).toThrow(/Driver x: USB id/);
  });
});
