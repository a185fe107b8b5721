import type { DeviceView } from '../../shared/bridge.ts';
import { REPORT_PART_BYTES, type ToHub } from '../../shared/hub-protocol.ts';
import { MAX_EXCERPT_SAMPLES, PlethExcerptSchema, VisitDeviceSchema, type PlethExcerpt, type VisitDevice } from '../../shared/visit-devices.ts';

/**
 * What the cabin tells the hub of a visit's devices (issue 13): who each device that gave a reading is, and the first
 * seconds of each oximeter connection's pleth. Pure: the delivery (report-delivery.ts) sends what these build.
 */

/** Seconds of pleth per connection. */
export const EXCERPT_SECONDS = 10;
/** A gap longer than this between two stored chunks of a device's pleth starts another connection's excerpt. */
export const CONNECTION_GAP_MS = 2000;
/** Excerpts per device and visit at most (a device that reconnects all the time). */
export const MAX_EXCERPTS_PER_DEVICE = 8;

const keep = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown): T | undefined => {
  const r = schema.safeParse(v);
  return r.success ? r.data : undefined;
};

/** A device as the hub's `device` message describes it, from main's view of it: what the wire refuses is left out. */
export function visitDevice(view: Pick<DeviceView, 'id' | 'driver' | 'name' | 'transport' | 'address' | 'usb' | 'identity'>): VisitDevice {
  const id = view.identity ?? {};
  const text = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim().slice(0, 100) : undefined);
  const candidate: Record<string, unknown> = {
    deviceId: view.id,
    driver: view.driver.slice(0, 64),
    name: text(view.name),
    transport: view.transport,
    manufacturer: text(id.manufacturer),
    model: text(id.model),
    serial: text(id.serial),
    firmware: text(id.firmware),
    hardware: text(id.hardware),
    software: text(id.software),
    protocol: text(id.protocol),
    systemId: keep(VisitDeviceSchema.shape.systemId, id.systemId),
    address: keep(VisitDeviceSchema.shape.address, (id.address ?? view.address)?.toUpperCase()),
    usb: keep(VisitDeviceSchema.shape.usb, view.usb),
  };
  for (const k of Object.keys(candidate)) if (candidate[k] === undefined) delete candidate[k];
  // The id and driver come from main's own device host: a view the wire refuses is named only by them.
  return keep(VisitDeviceSchema, candidate) ?? { deviceId: view.id.slice(0, 300), driver: view.driver.slice(0, 64) };
}

/** A stored waveform chunk (src/main/store/waveforms.ts), as far as excerpts need it. */
export interface Chunk {
  deviceId: string;
  code: string;
  rate: number;
  t: number;
  samples: number[];
}

/** 6 significant digits: a float sample stays short on the wire; the device scales' integers are kept as they are. */
const compact = (v: number): number => (Number.isInteger(v) ? v : Number(v.toPrecision(6)));

/**
 * The first EXCERPT_SECONDS of each connection of each device's pleth, in stored order: a connection is a run of chunks
 * at one rate with no gap longer than CONNECTION_GAP_MS. Each excerpt fits a `pleth` message of REPORT_PART_BYTES
 * (the end is cut if not).
 */
export function plethExcerpts(chunks: readonly Chunk[], consultationId: string): PlethExcerpt[] {
  const out: PlethExcerpt[] = [];
  const open = new Map<string, { excerpt: PlethExcerpt; end: number }>();
  const counts = new Map<string, number>();
  for (const c of chunks) {
    if (c.code !== 'MDC_PULS_OXIM_PLETH' || !(c.rate >= 1 && c.rate <= 1000) || c.samples.length === 0) continue;
    const cur = open.get(c.deviceId);
    const end = c.t + (c.samples.length / c.rate) * 1000;
    if (cur && cur.excerpt.rate === c.rate && c.t - cur.end <= CONNECTION_GAP_MS) {
      const room = Math.min(MAX_EXCERPT_SAMPLES, Math.round(c.rate * EXCERPT_SECONDS)) - cur.excerpt.samples.length;
      if (room > 0) cur.excerpt.samples.push(...c.samples.slice(0, room).map(compact));
      cur.end = end;
      continue;
    }
    const n = counts.get(c.deviceId) ?? 0;
    if (n >= MAX_EXCERPTS_PER_DEVICE) continue;
    counts.set(c.deviceId, n + 1);
    const take = Math.min(MAX_EXCERPT_SAMPLES, Math.round(c.rate * EXCERPT_SECONDS));
    const excerpt: PlethExcerpt = { deviceId: c.deviceId, code: 'MDC_PULS_OXIM_PLETH', t: c.t, rate: c.rate, samples: c.samples.slice(0, take).map(compact) };
    open.set(c.deviceId, { excerpt, end });
    out.push(excerpt);
  }
  return out.flatMap((e) => {
    const fitted = fit(e, consultationId);
    return fitted && PlethExcerptSchema.safeParse(fitted).success ? [fitted] : [];
  });
}

const utf8 = new TextEncoder();
const bytesOf = (v: unknown): number => utf8.encode(JSON.stringify(v)).length;

/** The excerpt cut to what a whole `pleth` message (longest ref included) can carry; undefined if nothing fits. */
function fit(e: PlethExcerpt, consultationId: string): PlethExcerpt | undefined {
  const message = (x: PlethExcerpt): ToHub => ({ type: 'pleth', ref: 'x'.repeat(64), consultationId, excerpt: x });
  let samples = e.samples;
  while (samples.length > 0 && bytesOf(message({ ...e, samples })) > REPORT_PART_BYTES) samples = samples.slice(0, Math.floor(samples.length * 0.9));
  return samples.length > 0 ? { ...e, samples } : undefined;
}

/**
 * Main's hook on each device event: a device that gave the visit a reading is queued for its report as known now, and
 * what it tells of itself later (Device Information) refreshes that entry until it is delivered.
 */
export function noteVisitDevice(
  store: { noteDevice(sessionId: string, deviceId: string, payload: unknown, create: boolean): boolean },
  sessionId: string | null,
  event: { kind: string },
  outcome: 'taken' | 'old' | 'outside',
  view: Parameters<typeof visitDevice>[0] | undefined,
): void {
  if (!sessionId || !view) return;
  if (event.kind === 'observation' && outcome === 'taken') store.noteDevice(sessionId, view.id, visitDevice(view), true);
  else if (event.kind === 'identity') store.noteDevice(sessionId, view.id, visitDevice(view), false);
}
