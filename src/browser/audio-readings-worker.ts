/**
 * The worker of the encoded-frame transforms that carry readings in the voice's packets (shared/audio-readings.ts).
 * Cabin side (`side: 'send'`): copies of new readings come from the page and ride at the end of the next frames once
 * the page says the doctor's console strips them. Doctor side (`side: 'recv'`): trailers are taken off before the
 * decoder and their items posted to the page. A frame this code cannot handle goes on untouched: the voice never
 * depends on the readings.
 */
import { appendTrailer, CarrierQueue, stripTrailer } from '../shared/audio-readings.ts';

/** Page → worker. */
export type ToCarrier = { type: 'reading'; bytes: ArrayBuffer } | { type: 'carry'; on: boolean };
/** Worker → page: `hello` once it runs (only then may a transform use it: a worker that never started would stop the voice). */
export type FromCarrier = { type: 'hello' } | { type: 'items'; items: ArrayBuffer[] };

interface EncodedFrame {
  data: ArrayBuffer;
}
interface Transformer {
  readonly readable: ReadableStream<EncodedFrame>;
  readonly writable: WritableStream<EncodedFrame>;
  readonly options?: { side?: string };
}
interface Scope {
  onmessage: ((e: MessageEvent<ToCarrier>) => void) | null;
  onrtctransform: ((e: { transformer: Transformer }) => void) | null;
  postMessage(m: FromCarrier, transfer: Transferable[]): void;
}

const scope = self as unknown as Scope;
const queue = new CarrierQueue();
let carry = false;

scope.onmessage = (e) => {
  const m = e.data;
  if (m?.type === 'carry') {
    carry = m.on === true;
    if (!carry) queue.clear();
  } else if (m?.type === 'reading' && m.bytes instanceof ArrayBuffer && carry) queue.add(new Uint8Array(m.bytes), performance.now());
};

function sending(frame: EncodedFrame): void {
  if (!carry || queue.size === 0) return;
  const items = queue.take(performance.now());
  if (items.length > 0) frame.data = appendTrailer(new Uint8Array(frame.data), items).buffer as ArrayBuffer;
}

function receiving(frame: EncodedFrame): void {
  const s = stripTrailer(new Uint8Array(frame.data));
  if (!s) return;
  frame.data = s.frame.buffer as ArrayBuffer;
  const items = s.items.map((i) => i.buffer as ArrayBuffer);
  scope.postMessage({ type: 'items', items }, items);
}

scope.postMessage({ type: 'hello' }, []);

scope.onrtctransform = (e) => {
  const t = e.transformer;
  const handle = t.options?.side === 'recv' ? receiving : sending;
  const stream = new TransformStream<EncodedFrame, EncodedFrame>({
    transform(frame, out) {
      try {
        handle(frame);
      } catch {
        // The frame as it came: the voice goes on.
      }
      out.enqueue(frame);
    },
  });
  t.readable
    .pipeThrough(stream)
    .pipeTo(t.writable)
    .catch(() => {});
};
