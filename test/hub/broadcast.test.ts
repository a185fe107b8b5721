import { describe, expect, it } from 'vitest';
import { Broadcast } from '../../src/hub/broadcast.ts';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('a frame everyone must have the latest of', () => {
  it('sends once per turn of changes, never two sends side by side, and once more for changes during a send', async () => {
    let version = 0;
    let reading = 0;
    let most = 0;
    let release: (() => void) | undefined;
    const got: string[] = [];
    const b = new Broadcast<string>({
      read: async () => {
        reading++;
        most = Math.max(most, reading);
        const v = version;
        await new Promise<void>((r) => (release = r));
        reading--;
        return Buffer.from(`v${v}`);
      },
      recipients: () => new Set(['a']),
      send: (_, f) => got.push(f.toString()),
      open: () => true,
      onError: (err) => {
        throw err;
      },
    });
    version = 1;
    b.changed();
    b.changed();
    await turns(2);
    // A send under way; three more changes meanwhile make exactly one more send, of the latest.
    version = 2;
    b.changed();
    version = 3;
    b.changed();
    b.changed();
    release!();
    await turns(3);
    release!();
    await turns(3);
    expect(got).toEqual(['v1', 'v3']);
    expect(most).toBe(1);
  });

  it('sends in slices, skipping one who left meanwhile, and stops once closed', async () => {
    const who = new Set(['a', 'b', 'c', 'd', 'e']);
    const got: string[] = [];
    let open = true;
    const b = new Broadcast<string>({
      read: () => Promise.resolve(Buffer.from('q')),
      recipients: () => who,
      send: (to) => {
        got.push(to);
        if (to === 'b') who.delete('d'); // d leaves while the first slice is sent
        if (to === 'c') open = false; // the hub closes during the second slice
      },
      open: () => open,
      onError: () => {},
      slice: 2,
    });
    b.changed();
    await turns(6);
    expect(got).toEqual(['a', 'b', 'c']);
  });
});
