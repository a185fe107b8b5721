// The poor-network relay in its own thread (see impair-relay.mjs): started with { target, initial, counters }
// (counters: an Int32Array on a SharedArrayBuffer: forwarded, lost, queueDrops), it posts { port } once bound, takes
// { set: Impairment } and { close: true }, and posts { closed: true } before it ends.
import { parentPort, workerData } from 'node:worker_threads';
import { startRelayCore } from './impair-relay.mjs';

const INDEX = { forwarded: 0, lost: 1, queueDrops: 2 };
const { target, initial, counters } = workerData;
const relay = await startRelayCore(target, initial, (name) => Atomics.add(counters, INDEX[name], 1));
parentPort.on('message', async (m) => {
  if (m.set) relay.set(m.set);
  if (m.close) {
    await relay.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
  }
});
parentPort.postMessage({ port: relay.port });
