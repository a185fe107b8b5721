// Child process for the kill-mid-write test: writes observations as fast as it can, one transaction each,
// and reports every id to the parent only after its commit returned. The parent kills it with SIGKILL.
import { openStore } from '../../../src/main/store/index.ts';

const file = process.argv[2];
if (!file || !process.send) throw new Error('usage: fork store-writer.ts <db file> (with an IPC channel)');
const send = process.send.bind(process);
const store = openStore(file);
const sessionId = store.createSession('fr');
send({ type: 'ready', sessionId });

let n = 0;
function batch(): void {
  // A batch per turn of the event loop, so the IPC messages get written out between batches.
  for (let i = 0; i < 25; i++) {
    const id = `obs-${process.pid}-${n++}`;
    store.addObservation({ id, sessionId, deviceId: 'ox', code: 'MDC_PULS_OXIM_SAT_O2', value: 90 + (n % 10), unit: '%', t: n });
    if (n % 5 === 0) store.addWaveformChunk({ sessionId, deviceId: 'ox', code: 'MDC_PULS_OXIM_PLETH', rate: 75, t: n, samples: Array.from({ length: 75 }, (_, k) => k) });
    send({ type: 'committed', id });
  }
  setImmediate(batch);
}
batch();
