import { describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/hub/demo.ts';
import { HubStore } from '../../src/hub/store.ts';
import { testDatabase } from '../helpers/hub-db.ts';

describe('the demo accounts', () => {
  it('name the demo cabin in French for the French console, also over a hub seeded with the old English name', async () => {
    const s = await HubStore.open(await testDatabase(null));
    // A demo hub database from before: the cabin was « Demo cabin ».
    await s.addCabin({ id: 'demo-cabin', name: 'Demo cabin' });
    const demo = await seedDemo(s);
    expect(demo.cabin.name).toBe('Cabine de démonstration');
    expect(await s.verifyCabin('demo-cabin', demo.cabin.key)).toEqual({ id: 'demo-cabin', name: 'Cabine de démonstration' });
    await s.close();
  });
});
