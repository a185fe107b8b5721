import type { RawData } from 'ws';
import { HUB_CLOSE, HUB_MAX_FRAME_BYTES, parseFrame, ToHubSchema, type ToHub } from '../shared/hub-protocol.ts';

/** One incoming WebSocket frame: a message to handle, an error to answer, or a reason to close the socket. */
export type Frame = { ok: true; message: ToHub } | { ok: false; error: string } | { ok: false; close: { code: number; reason: string } };

export function readFrame(data: RawData, isBinary: boolean): Frame {
  const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
  if (bytes > HUB_MAX_FRAME_BYTES) return { ok: false, close: { code: HUB_CLOSE.size, reason: `Messages are limited to ${HUB_MAX_FRAME_BYTES} bytes.` } };
  if (isBinary) return { ok: false, error: 'The hub accepts JSON text messages only.' };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
  const parsed = parseFrame(ToHubSchema, text);
  return parsed.ok ? { ok: true, message: parsed.value } : { ok: false, error: parsed.error };
}
