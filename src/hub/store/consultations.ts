import type { ConsultationState, LeaveReason, QueueItem, Role } from '../../shared/hub-protocol.ts';
import type { Language } from '../../shared/language.ts';
import type { CompiledQuery } from 'kysely';
import type { HubDb } from './db.ts';

/** Consultation rows: read, and written only as a compare-and-set of the lifecycle (hub/consultation/transition.ts). */

/** A consultation as stored, with its cabin's and doctor's names. */
export interface Consultation {
  id: string;
  cabinId: string;
  cabinName: string;
  doctorId: string | null;
  doctorName: string | null;
  language: Language;
  state: ConsultationState;
  createdAt: number;
  claimedAt: number | null;
  endedAt: number | null;
  /** When the cabin left an active consultation (the patient went home before the doctor ended it). */
  cabinLeftAt: number | null;
  /** Why the cabin left (what it said; null when it did not say or has not left). */
  cabinLeftReason: LeaveReason | null;
  /** The cabin's visit that asked for it (null from an older cabin). */
  visit: string | null;
}

interface Row {
  id: string;
  cabin_id: string;
  cabin_name: string;
  doctor_id: string | null;
  doctor_name: string | null;
  language: Language;
  state: ConsultationState;
  created_at: number;
  claimed_at: number | null;
  ended_at: number | null;
  cabin_left_at: number | null;
  cabin_left_reason: LeaveReason | null;
  visit: string | null;
}
/** The consultation with its cabin's and doctor's names. */
const select = (s: HubDb) =>
  s.db
    .selectFrom('consultations as c')
    .innerJoin('cabins as cab', 'cab.id', 'c.cabin_id')
    .leftJoin('doctors as d', 'd.id', 'c.doctor_id')
    .select([
      'c.id',
      'c.cabin_id',
      'cab.name as cabin_name',
      'c.doctor_id',
      'd.name as doctor_name',
      'c.language',
      'c.state',
      'c.created_at',
      'c.claimed_at',
      'c.ended_at',
      'c.cabin_left_at',
      'c.cabin_left_reason',
      'c.visit',
    ]);
const fromRow = (r: Row): Consultation => ({
  id: r.id,
  cabinId: r.cabin_id,
  cabinName: r.cabin_name,
  doctorId: r.doctor_id,
  doctorName: r.doctor_name,
  language: r.language,
  state: r.state,
  createdAt: r.created_at,
  claimedAt: r.claimed_at,
  endedAt: r.ended_at,
  cabinLeftAt: r.cabin_left_at,
  cabinLeftReason: r.cabin_left_reason,
  visit: r.visit,
});
const fromRows = (rows: unknown[]): Consultation[] => (rows as Row[]).map(fromRow);

/** The consultation by id, compiled once per engine: the relay reads it for every signal it relays. */
const byId = new Map<HubDb['engine'], CompiledQuery>();

export async function consultation(s: HubDb, id: string): Promise<Consultation | null> {
  // Kysely builds and compiles a query anew each time (a quarter of a loaded hub's time in issue 14's profile): the
  // SQL of this one is the same for every id, so it is compiled once and run with the id as its one parameter.
  let q = byId.get(s.engine);
  if (!q) {
    q = select(s).where('c.id', '=', id).compile();
    if (q.parameters.length !== 1) throw new Error('the consultation query has parameters other than its id');
    byId.set(s.engine, q);
  }
  const { rows } = await s.db.executeQuery<Row>({ ...q, parameters: [id] });
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Compare-and-set of a consultation's lifecycle: writes `next` only if the row still holds `prev`'s state, doctor and
 * cabin-left mark; false when another writer changed it first (on PostgreSQL, another node: the row's lock orders the
 * two updates and the second finds the row changed).
 */
export async function update(s: HubDb, prev: Consultation, next: Consultation & { notes?: string }): Promise<boolean> {
  let q = s.db
    .updateTable('consultations')
    .set({
      state: next.state,
      doctor_id: next.doctorId,
      claimed_at: next.claimedAt,
      ended_at: next.endedAt,
      cabin_left_at: next.cabinLeftAt,
      cabin_left_reason: next.cabinLeftReason,
      ...(next.notes !== undefined && { notes: next.notes }),
    })
    .where('id', '=', prev.id)
    .where('state', '=', prev.state);
  q = prev.doctorId === null ? q.where('doctor_id', 'is', null) : q.where('doctor_id', '=', prev.doctorId);
  q = prev.cabinLeftAt === null ? q.where('cabin_left_at', 'is', null) : q.where('cabin_left_at', '=', prev.cabinLeftAt);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Inserts a new waiting consultation unless its cabin has an open one already (then false): the partial unique index
 * of the open consultation per cabin decides, also between two nodes at once.
 */
export async function insert(s: HubDb, c: Consultation): Promise<boolean> {
  const r = await s.db
    .insertInto('consultations')
    .values({ id: c.id, cabin_id: c.cabinId, language: c.language, state: 'waiting', created_at: c.createdAt, visit: c.visit })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Open consultations of a cabin (waiting or active, not left) or active ones of a doctor. */
export async function openFor(s: HubDb, role: Role, id: string): Promise<Consultation[]> {
  const q =
    role === 'cabin'
      ? select(s).where('c.cabin_id', '=', id).where('c.state', 'in', ['waiting', 'active']).where('c.cabin_left_at', 'is', null)
      : select(s).where('c.doctor_id', '=', id).where('c.state', '=', 'active');
  return fromRows(await q.orderBy('c.created_at').orderBy('c.id').execute());
}

/** openFor of many cabins or doctors in one query: by id, only those with an open consultation, each oldest first. */
export async function openForMany(s: HubDb, role: Role, ids: readonly string[]): Promise<Map<string, Consultation[]>> {
  const by = new Map<string, Consultation[]>();
  if (ids.length === 0) return by;
  const q =
    role === 'cabin'
      ? select(s).where('c.cabin_id', 'in', ids).where('c.state', 'in', ['waiting', 'active']).where('c.cabin_left_at', 'is', null)
      : select(s).where('c.doctor_id', 'in', ids).where('c.state', '=', 'active');
  for (const c of fromRows(await q.orderBy('c.created_at').orderBy('c.id').execute())) {
    const id = role === 'cabin' ? c.cabinId : c.doctorId!;
    const list = by.get(id);
    if (list) list.push(c);
    else by.set(id, [c]);
  }
  return by;
}

/** Every consultation still open for its cabin (waiting, or active and not left), oldest first. */
export async function openOfCabins(s: HubDb): Promise<Consultation[]> {
  return fromRows(await select(s).where('c.state', 'in', ['waiting', 'active']).where('c.cabin_left_at', 'is', null).orderBy('c.created_at').orderBy('c.id').execute());
}

/** The waiting consultations, oldest first. */
export async function queue(s: HubDb): Promise<QueueItem[]> {
  const rows = fromRows(await select(s).where('c.state', '=', 'waiting').orderBy('c.created_at').orderBy('c.id').execute());
  return rows.map((r) => ({ consultationId: r.id, cabinId: r.cabinId, cabinName: r.cabinName, language: r.language, since: r.createdAt }));
}
