import { randomUUID } from 'node:crypto';
import type { Db } from './open.ts';
import { enqueue } from './outbox.ts';
import { MediaInputSchema, parse, type MediaInput, type MediaKind } from './schema.ts';

export interface MediaRecord {
  id: string;
  sessionId: string;
  kind: MediaKind;
  mime: string;
  bytes: Buffer;
  createdAt: number;
}

/** Stores a capture (and, with `deliver`, queues it in the same transaction); returns its id. */
export function addMedia(db: Db, input: MediaInput): string {
  const m = parse(MediaInputSchema, input, 'a media capture');
  const id = randomUUID();
  const createdAt = db.now();
  db.tx(() => {
    db.stmt(`INSERT INTO media (id, session_id, kind, mime, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
      id,
      m.sessionId,
      m.kind,
      m.mime,
      Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength),
      createdAt,
    );
    // The payload names the capture; the sender reads the bytes with media(id) when it delivers.
    if (m.deliver) enqueue(db, { kind: 'media', refId: id, sessionId: m.sessionId, payload: { id, sessionId: m.sessionId, kind: m.kind, mime: m.mime } });
  });
  return id;
}

const COLUMNS = `id, session_id AS sessionId, kind, mime, bytes, created_at AS createdAt`;

export function getMedia(db: Db, id: string): MediaRecord | undefined {
  return db.stmt(`SELECT ${COLUMNS} FROM media WHERE id = ?`).get(id) as MediaRecord | undefined;
}

export function mediaOf(db: Db, sessionId: string): MediaRecord[] {
  return db.stmt(`SELECT ${COLUMNS} FROM media WHERE session_id = ? ORDER BY created_at, rowid`).all(sessionId) as MediaRecord[];
}
