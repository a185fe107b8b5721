import { describe, expect, it } from 'vitest';
import { demoConfig, KioskConfigSchema } from '../../../src/main/config.ts';

/** The cabin config's `printer`: off unless given, a CUPS queue name lp cannot take for an option. */
describe('config: printer', () => {
  const parse = (printer: unknown) => KioskConfigSchema.safeParse({ demo: true, printer });
  it('off by default, in the demo too; auto off unless said', () => {
    expect(demoConfig().printer).toBeUndefined();
    expect(KioskConfigSchema.parse({ demo: true }).printer).toBeUndefined();
    expect(parse({ name: 'Accueil' }).data?.printer).toEqual({ name: 'Accueil', auto: false });
    expect(parse({ name: 'CabinPDF', auto: true, server: '127.0.0.1:631' }).data?.printer).toEqual({ name: 'CabinPDF', auto: true, server: '127.0.0.1:631' });
  });

  it('refuses a name lp would read as an option or that CUPS does not allow, and a server that is not host:port', () => {
    for (const name of ['-o', 'a b', 'a/b', 'a#b', '']) expect(parse({ name }).success, name).toBe(false);
    for (const server of ['http://x', 'x y', '-h']) expect(parse({ name: 'P', server }).success, server).toBe(false);
    expect(parse({ name: 'P', other: 1 }).success).toBe(false);
  });
});
