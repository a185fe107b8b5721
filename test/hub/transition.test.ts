import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, settle } from '../../src/hub/consultation/commit.ts';
import { transition, type Actor, type Input, type Outcome, type Reply } from '../../src/hub/consultation/transition.ts';
import { HubStore, type Consultation } from '../../src/hub/store.ts';
import { FromHubSchema, type ConsultationState } from '../../src/shared/hub-protocol.ts';
import { testDatabase } from '../helpers/hub-db.ts';

const NOW = 9_000;
/** Every cabin connected (the relay's presence); `offline` below: cab-1 is not. */
const ctx = { now: NOW, newId: () => 'new', cabinOnline: () => true };
const offline = { ...ctx, cabinOnline: (id: string) => id !== 'cab-1' };

const waiting: Consultation = Object.freeze({
  id: 'c1',
  cabinId: 'cab-1',
  cabinName: 'Cabin 1',
  doctorId: null,
  doctorName: null,
  language: 'fr',
  state: 'waiting',
  createdAt: 1_000,
  claimedAt: null,
  endedAt: null,
  cabinLeftAt: null,
  cabinLeftReason: null,
  visit: 'v1',
});
const active: Consultation = Object.freeze({ ...waiting, state: 'active', doctorId: 'dr.a', doctorName: 'Dr A', claimedAt: 2_000 });
/** Every declared state, and the two ways each closed one was reached; `left`: active, its patient gone home. */
const FIXTURES = {
  none: null,
  waiting,
  active,
  left: Object.freeze({ ...active, cabinLeftAt: 3_000 }),
  ended: Object.freeze({ ...active, state: 'ended', endedAt: 4_000 }),
  'ended-left': Object.freeze({ ...active, state: 'ended', cabinLeftAt: 3_000, endedAt: 4_000 }),
  'cancelled-waiting': Object.freeze({ ...waiting, state: 'cancelled', endedAt: 4_000 }),
  'cancelled-active': Object.freeze({ ...active, state: 'cancelled', endedAt: 4_000 }),
} satisfies Record<string, Consultation | null>;
type Fixture = keyof typeof FIXTURES;

const ACTORS = {
  cabin: { role: 'cabin', id: 'cab-1', name: 'Cabin 1' },
  doctor: { role: 'doctor', id: 'dr.a', name: 'Dr A' },
  'other-cabin': { role: 'cabin', id: 'cab-2', name: 'Cabin 2' },
  'other-doctor': { role: 'doctor', id: 'dr.b', name: 'Dr B' },
} satisfies Record<string, Actor>;
type Who = keyof typeof ACTORS;

const reading = { id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1 };
const signal = { pc: 'pc-1', hello: true };
const INPUTS = {
  request: { type: 'request', ref: 'r', language: 'en' },
  claim: { type: 'claim', ref: 'r', consultationId: 'c1' },
  /** The same visit asking again (its answer was lost), and the next patient's visit. */
  'request-same': { type: 'request', ref: 'r', language: 'en', visit: 'v1' },
  'request-next': { type: 'request', ref: 'r', language: 'en', visit: 'v2' },
  cancel: { type: 'cancel', ref: 'r', consultationId: 'c1' },
  'cancel-idle': { type: 'cancel', ref: 'r', consultationId: 'c1', reason: 'idle' },
  help: { type: 'help', consultationId: 'c1' },
  join: { type: 'join', ref: 'r', consultationId: 'c1' },
  signal: { type: 'signal', consultationId: 'c1', data: signal },
  incident: { type: 'incident', consultationId: 'c1', detail: 'ICE restart' },
  report: { type: 'report', ref: 'r', consultationId: 'c1', readings: [reading] },
  end: { type: 'end', ref: 'r', consultationId: 'c1', notes: 'Well.', readings: [reading] },
  connected: { type: 'connected', wasAway: false },
  reconnected: { type: 'connected', wasAway: true },
  disconnected: { type: 'disconnected', code: 1006 },
  abandoned: { type: 'abandoned' },
  /** The hub started with this consultation open and its cabin did not come back within the grace period. */
  'abandoned-at-start': { type: 'abandoned', atStart: true },
  stored: { type: 'stored', ref: 'r', stored: { added: 1, refused: 0 } },
  'stored-full': { type: 'stored', ref: 'r', stored: { added: 0, refused: 1 } },
  'stored-late': { type: 'stored', ref: 'r', stored: null },
} satisfies Record<string, Input>;
type Message = keyof typeof INPUTS;

const run = (f: Fixture, who: Who, m: Message): Outcome => transition(FIXTURES[f], ACTORS[who], INPUTS[m], ctx);

/** One line per outcome: `next | replies | writes | effects` (log lines left out). */
function line(prev: Consultation | null, o: Outcome): string {
  let next = '-';
  if (o.next) {
    if (o.next.id !== prev?.id) prev = null;
    next = prev ? o.next.state : `new ${o.next.state}`;
    if (o.next.doctorId !== (prev?.doctorId ?? null)) next += `@${o.next.doctorId}`;
    if (o.next.cabinLeftAt !== (prev?.cabinLeftAt ?? null)) next += '+left';
    if (o.next.notes !== undefined) next += `+notes`;
  }
  const reply = (r: Reply) => {
    const what =
      'message' in r
        ? `${r.message.type}${'code' in r.message ? `(${r.message.code})` : 'reason' in r.message ? `(${r.message.reason})` : 'count' in r.message ? `(${r.message.count})` : ''}`
        : r.view;
    const ref = 'message' in r ? ('ref' in r.message ? r.message.ref : undefined) : 'ref' in r ? r.ref : undefined;
    return `${r.to}:${what}${ref ? `#${ref}` : ''}`;
  };
  const writes = o.writes.map((w) => (w.kind === 'incident' ? `incident(${w.side}: ${w.detail})` : `readings(${w.readings.length}${w.answer ? ', answered' : ''})`));
  const effects = o.effects.filter((e) => e.kind !== 'log').map((e) => ('role' in e ? `${e.kind}(${e.role})` : e.kind));
  return [next, o.replies.map(reply).join(' ') || '-', writes.join(' ') || '-', effects.join(' ') || '-'].join(' | ');
}


/**
 * The whole table for the two sides of consultation c1 (cabin cab-1, doctor dr.a), every declared state, every input.
 * Columns: message, the stored consultation, what the cabin's input does, what the doctor's does.
 */
const TABLE: [Message, Fixture, string, string][] = [
  ['request', 'none', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'waiting', '- | cabin:consultation#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'active', '- | cabin:consultation#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'ended', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'ended-left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'cancelled-waiting', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request', 'cancelled-active', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'none', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'waiting', '- | cabin:consultation#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'active', '- | cabin:consultation#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'ended', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'ended-left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'cancelled-waiting', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-same', 'cancelled-active', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'none', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'waiting', 'cancelled | doctors:queue | - | again', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'active', 'active+left | doctor:consultation | incident(hub: the patient left the cabin (new-visit)) | again', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'ended', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'ended-left', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'cancelled-waiting', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['request-next', 'cancelled-active', 'new waiting | cabin:consultation#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['claim', 'none', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['claim', 'waiting', '- | sender:error(forbidden)#r | - | -', 'active@dr.a | cabin:consultation doctor:consultation#r doctors:queue | - | -'],
  ['claim', 'active', '- | sender:error(forbidden)#r | - | -', '- | doctor:consultation#r | - | -'],
  ['claim', 'left', '- | sender:error(forbidden)#r | - | -', '- | doctor:consultation#r | - | -'],
  ['claim', 'ended', '- | sender:error(forbidden)#r | - | -', '- | sender:error(already-claimed)#r | - | -'],
  ['claim', 'ended-left', '- | sender:error(forbidden)#r | - | -', '- | sender:error(already-claimed)#r | - | -'],
  ['claim', 'cancelled-waiting', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-waiting)#r | - | -'],
  ['claim', 'cancelled-active', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-waiting)#r | - | -'],
  ['cancel', 'none', '- | sender:error(not-found)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['cancel', 'waiting', 'cancelled | sender:ended(cancelled)#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['cancel', 'active', 'active+left | sender:ended(cancelled)#r doctor:consultation | incident(hub: the patient left the cabin) | -', 'cancelled | cabin:ended(cancelled) doctor:ended(cancelled)#r | incident(hub: cancelled by the doctor) | closed'],
  ['cancel', 'left', '- | sender:ended(cancelled)#r | - | -', 'cancelled | doctor:ended(cancelled)#r | incident(hub: cancelled by the doctor) | closed'],
  ['cancel', 'ended', '- | sender:ended(ended)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['cancel', 'ended-left', '- | sender:ended(ended)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['cancel', 'cancelled-waiting', '- | sender:ended(cancelled)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['cancel', 'cancelled-active', '- | sender:ended(cancelled)#r | - | -', '- | sender:ended(cancelled)#r | - | -'],
  ['cancel-idle', 'none', '- | sender:error(not-found)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['cancel-idle', 'waiting', 'cancelled | sender:ended(cancelled)#r doctors:queue | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['cancel-idle', 'active', 'active+left | sender:ended(cancelled)#r doctor:consultation | incident(hub: the patient left the cabin (idle)) | -', 'cancelled | cabin:ended(cancelled) doctor:ended(cancelled)#r | incident(hub: cancelled by the doctor) | closed'],
  ['cancel-idle', 'left', '- | sender:ended(cancelled)#r | - | -', 'cancelled | doctor:ended(cancelled)#r | incident(hub: cancelled by the doctor) | closed'],
  ['cancel-idle', 'ended', '- | sender:ended(ended)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['cancel-idle', 'ended-left', '- | sender:ended(ended)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['cancel-idle', 'cancelled-waiting', '- | sender:ended(cancelled)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['cancel-idle', 'cancelled-active', '- | sender:ended(cancelled)#r | - | -', '- | sender:ended(cancelled)#r | - | -'],
  ['join', 'none', '- | sender:error(not-found)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['join', 'waiting', '- | cabin:consultation#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['join', 'active', '- | cabin:consultation#r | - | -', '- | doctor:consultation#r | - | -'],
  ['join', 'left', '- | sender:error(not-active)#r | - | -', '- | doctor:consultation#r | - | -'],
  ['join', 'ended', '- | sender:ended(ended)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['join', 'ended-left', '- | sender:error(not-active)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['join', 'cancelled-waiting', '- | sender:ended(cancelled)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['join', 'cancelled-active', '- | sender:ended(cancelled)#r | - | -', '- | sender:ended(cancelled)#r | - | -'],
  ['signal', 'none', '- | sender:error(not-found) | - | -', '- | sender:error(not-found) | - | -'],
  ['signal', 'waiting', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['signal', 'active', '- | doctor:signal | - | -', '- | cabin:signal | - | -'],
  ['signal', 'left', '- | sender:error(not-active) | - | -', '- | - | - | -'],
  ['signal', 'ended', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['signal', 'ended-left', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['signal', 'cancelled-waiting', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['signal', 'cancelled-active', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['incident', 'none', '- | sender:error(not-found) | - | -', '- | sender:error(not-found) | - | -'],
  ['incident', 'waiting', '- | - | incident(cabin: ICE restart) | -', '- | sender:error(forbidden) | - | -'],
  ['incident', 'active', '- | - | incident(cabin: ICE restart) | -', '- | - | incident(doctor: ICE restart) | -'],
  ['incident', 'left', '- | sender:error(not-active) | - | -', '- | - | incident(doctor: ICE restart) | -'],
  ['incident', 'ended', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['incident', 'ended-left', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['incident', 'cancelled-waiting', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['incident', 'cancelled-active', '- | sender:error(not-active) | - | -', '- | sender:error(not-active) | - | -'],
  ['help', 'none', '- | sender:error(not-found) | - | -', '- | sender:error(not-found) | - | -'],
  ['help', 'waiting', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'active', '- | doctor:help | incident(cabin: the patient called the assistant) | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'left', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'ended', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'ended-left', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'cancelled-waiting', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['help', 'cancelled-active', '- | sender:error(not-active) | - | -', '- | sender:error(forbidden) | - | -'],
  ['report', 'none', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['report', 'waiting', '- | sender:error(forbidden)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['report', 'active', '- | sender:error(forbidden)#r | - | -', '- | - | readings(1, answered) | -'],
  ['report', 'left', '- | sender:error(forbidden)#r | - | -', '- | - | readings(1, answered) | -'],
  ['report', 'ended', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-active)#r | - | -'],
  ['report', 'ended-left', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-active)#r | - | -'],
  ['report', 'cancelled-waiting', '- | sender:error(forbidden)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['report', 'cancelled-active', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-active)#r | - | -'],
  ['end', 'none', '- | sender:error(forbidden)#r | - | -', '- | sender:error(not-found)#r | - | -'],
  ['end', 'waiting', '- | sender:error(forbidden)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['end', 'active', '- | sender:error(forbidden)#r | - | -', 'ended+notes | cabin:ended(ended) doctor:ended(ended)#r | readings(1) | closed'],
  ['end', 'left', '- | sender:error(forbidden)#r | - | -', 'ended+notes | doctor:ended(ended)#r | readings(1) | closed'],
  ['end', 'ended', '- | sender:error(forbidden)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['end', 'ended-left', '- | sender:error(forbidden)#r | - | -', '- | sender:ended(ended)#r | - | -'],
  ['end', 'cancelled-waiting', '- | sender:error(forbidden)#r | - | -', '- | sender:error(forbidden)#r | - | -'],
  ['end', 'cancelled-active', '- | sender:error(forbidden)#r | - | -', '- | sender:ended(cancelled)#r | - | -'],
  ['connected', 'none', '- | - | - | -', '- | - | - | -'],
  ['connected', 'waiting', '- | cabin:consultation doctors:queue | - | -', '- | - | - | -'],
  ['connected', 'active', '- | cabin:consultation doctor:consultation | - | -', '- | cabin:consultation doctor:consultation | - | -'],
  ['connected', 'left', '- | - | - | -', '- | doctor:consultation | - | -'],
  ['connected', 'ended', '- | - | - | -', '- | - | - | -'],
  ['connected', 'ended-left', '- | - | - | -', '- | - | - | -'],
  ['connected', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['connected', 'cancelled-active', '- | - | - | -', '- | - | - | -'],
  ['reconnected', 'none', '- | - | - | -', '- | - | - | -'],
  ['reconnected', 'waiting', '- | cabin:consultation doctors:queue | - | -', '- | - | - | -'],
  ['reconnected', 'active', '- | cabin:consultation doctor:consultation | incident(hub: cabin reconnected) | back(cabin)', '- | cabin:consultation doctor:consultation | incident(hub: doctor reconnected) | back(doctor)'],
  ['reconnected', 'left', '- | - | - | -', '- | doctor:consultation | incident(hub: doctor reconnected) | back(doctor)'],
  ['reconnected', 'ended', '- | - | - | -', '- | - | - | -'],
  ['reconnected', 'ended-left', '- | - | - | -', '- | - | - | -'],
  ['reconnected', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['reconnected', 'cancelled-active', '- | - | - | -', '- | - | - | -'],
  ['disconnected', 'none', '- | - | - | -', '- | - | - | -'],
  ['disconnected', 'waiting', '- | doctors:queue | - | abandon-later', '- | - | - | -'],
  ['disconnected', 'active', '- | cabin:consultation doctor:consultation | incident(hub: cabin disconnected (WebSocket code 1006)) | away(cabin) abandon-later', '- | cabin:consultation doctor:consultation | incident(hub: doctor disconnected (WebSocket code 1006)) | away(doctor)'],
  ['disconnected', 'left', '- | - | - | -', '- | doctor:consultation | incident(hub: doctor disconnected (WebSocket code 1006)) | away(doctor)'],
  ['disconnected', 'ended', '- | - | - | -', '- | - | - | -'],
  ['disconnected', 'ended-left', '- | - | - | -', '- | - | - | -'],
  ['disconnected', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['disconnected', 'cancelled-active', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'none', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'waiting', 'cancelled | doctors:queue | incident(hub: cancelled: the cabin left the queue) | -', '- | - | - | -'],
  ['abandoned', 'active', 'active+left | doctor:consultation | incident(hub: the cabin left: its connection did not come back within the grace period) | -', '- | - | - | -'],
  ['abandoned', 'left', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'ended', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'ended-left', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['abandoned', 'cancelled-active', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'none', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'waiting', 'cancelled | doctors:queue | incident(hub: cancelled: the cabin did not come back after the hub restarted) | -', '- | - | - | -'],
  ['abandoned-at-start', 'active', 'active+left | doctor:consultation | incident(hub: the cabin left: its connection did not come back within the grace period after the hub restarted) | -', '- | - | - | -'],
  ['abandoned-at-start', 'left', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'ended', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'ended-left', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['abandoned-at-start', 'cancelled-active', '- | - | - | -', '- | - | - | -'],
  ['stored', 'none', '- | - | - | -', '- | - | - | -'],
  ['stored', 'waiting', '- | - | - | -', '- | - | - | -'],
  ['stored', 'active', '- | - | - | -', '- | sender:reported(1)#r | - | -'],
  ['stored', 'left', '- | - | - | -', '- | sender:reported(1)#r | - | -'],
  ['stored', 'ended', '- | - | - | -', '- | sender:reported(1)#r | - | -'],
  ['stored', 'ended-left', '- | - | - | -', '- | sender:reported(1)#r | - | -'],
  ['stored', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['stored', 'cancelled-active', '- | - | - | -', '- | sender:reported(1)#r | - | -'],
  ['stored-full', 'none', '- | - | - | -', '- | - | - | -'],
  ['stored-full', 'waiting', '- | - | - | -', '- | - | - | -'],
  ['stored-full', 'active', '- | - | - | -', '- | sender:error(report-full)#r | - | -'],
  ['stored-full', 'left', '- | - | - | -', '- | sender:error(report-full)#r | - | -'],
  ['stored-full', 'ended', '- | - | - | -', '- | sender:error(report-full)#r | - | -'],
  ['stored-full', 'ended-left', '- | - | - | -', '- | sender:error(report-full)#r | - | -'],
  ['stored-full', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['stored-full', 'cancelled-active', '- | - | - | -', '- | sender:error(report-full)#r | - | -'],
  ['stored-late', 'none', '- | - | - | -', '- | - | - | -'],
  ['stored-late', 'waiting', '- | - | - | -', '- | - | - | -'],
  ['stored-late', 'active', '- | - | - | -', '- | sender:error(not-active)#r | - | -'],
  ['stored-late', 'left', '- | - | - | -', '- | sender:error(not-active)#r | - | -'],
  ['stored-late', 'ended', '- | - | - | -', '- | sender:error(not-active)#r | - | -'],
  ['stored-late', 'ended-left', '- | - | - | -', '- | sender:error(not-active)#r | - | -'],
  ['stored-late', 'cancelled-waiting', '- | - | - | -', '- | - | - | -'],
  ['stored-late', 'cancelled-active', '- | - | - | -', '- | sender:error(not-active)#r | - | -'],
];

describe('transition, over the whole table', () => {
  it('covers every (message × state) pair once', () => {
    expect(TABLE.map(([m, f]) => `${m}/${f}`).sort()).toEqual(
      Object.keys(INPUTS)
        .flatMap((m) => Object.keys(FIXTURES).map((f) => `${m}/${f}`))
        .sort(),
    );
  });

  it.each(TABLE)('%s on %s', (m, f, cabin, doctor) => {
    expect(line(FIXTURES[f], run(f, 'cabin', m))).toBe(cabin);
    expect(line(FIXTURES[f], run(f, 'doctor', m))).toBe(doctor);
  });
});

describe('transition, what `next` holds', () => {
  it('a request opens a waiting consultation for the cabin, stamped now', () => {
    expect(run('none', 'cabin', 'request').next).toEqual({ ...waiting, id: 'new', language: 'en', createdAt: NOW, visit: null });
  });

  it('a claim makes it active for the claiming doctor; a cabin leaving marks it; closing stamps the end; the end keeps the notes', () => {
    expect(run('waiting', 'other-doctor', 'claim').next).toEqual({ ...waiting, state: 'active', doctorId: 'dr.b', doctorName: 'Dr B', claimedAt: NOW });
    expect(run('active', 'cabin', 'cancel').next).toEqual({ ...active, cabinLeftAt: NOW });
    expect(run('active', 'cabin', 'cancel-idle').next).toEqual({ ...active, cabinLeftAt: NOW, cabinLeftReason: 'idle' });
    // The next patient's request: the previous visit's consultation is left ('new-visit'), then decided again.
    expect(run('active', 'cabin', 'request-next').next).toEqual({ ...active, cabinLeftAt: NOW, cabinLeftReason: 'new-visit' });
    expect(run('waiting', 'cabin', 'request-next').next).toEqual({ ...waiting, state: 'cancelled', endedAt: NOW });
    expect(run('left', 'cabin', 'request-next').next).toMatchObject({ id: 'new', state: 'waiting', visit: 'v2', cabinLeftReason: null });
    expect(run('active', 'doctor', 'cancel').next).toEqual({ ...active, state: 'cancelled', endedAt: NOW });
    expect(run('waiting', 'cabin', 'cancel').next).toEqual({ ...waiting, state: 'cancelled', endedAt: NOW });
    expect(run('waiting', 'cabin', 'abandoned').next).toEqual({ ...waiting, state: 'cancelled', endedAt: NOW });
    expect(run('waiting', 'cabin', 'abandoned-at-start').next).toEqual({ ...waiting, state: 'cancelled', endedAt: NOW });
    // A cabin gone from an active consultation: left, with the reason the doctor is shown.
    expect(run('active', 'cabin', 'abandoned').next).toEqual({ ...active, cabinLeftAt: NOW, cabinLeftReason: 'gone' });
    expect(run('left', 'doctor', 'end').next).toEqual({ ...FIXTURES.left, state: 'ended', endedAt: NOW, notes: 'Well.' });
  });

  it('relays the signal as it came, and says why it refuses', () => {
    expect(run('active', 'cabin', 'signal').replies).toEqual([{ to: 'doctor', message: { type: 'signal', consultationId: 'c1', data: signal } }]);
    expect(run('left', 'cabin', 'join').replies).toEqual([{ to: 'sender', message: { type: 'error', ref: 'r', code: 'not-active', message: 'The cabin left this consultation.' } }]);
    // A cabin taken as gone that comes back hears that its call is over, as an end it knows.
    const gone = { ...FIXTURES.left, cabinLeftReason: 'gone' as const };
    expect(transition(gone, ACTORS.cabin, INPUTS.join, ctx)).toEqual({ next: null, writes: [], effects: [], replies: [{ to: 'sender', message: { type: 'ended', ref: 'r', consultationId: 'c1', reason: 'cancelled', cause: 'cabin-offline' } }] });
    expect(run('active', 'doctor', 'stored-full').replies).toEqual([
      { to: 'sender', message: { type: 'error', ref: 'r', code: 'report-full', message: 'The report already holds 100000 readings: 1 of this part were not stored.' } },
    ]);
  });

  it('any doctor may claim a waiting consultation; once taken, the others are told', () => {
    const claims = Object.keys(FIXTURES).map((f) => line(FIXTURES[f as Fixture], run(f as Fixture, 'other-doctor', 'claim')));
    expect(claims).toEqual([
      '- | sender:error(not-found)#r | - | -',
      'active@dr.b | cabin:consultation doctor:consultation#r doctors:queue | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(not-waiting)#r | - | -',
      '- | sender:error(not-waiting)#r | - | -',
    ]);
  });

  it('no doctor claims a waiting request whose cabin is not connected (it may come back); the rest is as with it there', () => {
    const claims = Object.keys(FIXTURES).map((f) => line(FIXTURES[f as Fixture], transition(FIXTURES[f as Fixture], ACTORS['other-doctor'], INPUTS.claim, offline)));
    expect(claims).toEqual([
      '- | sender:error(not-found)#r | - | -',
      '- | sender:error(cabin-offline)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(already-claimed)#r | - | -',
      '- | sender:error(not-waiting)#r | - | -',
      '- | sender:error(not-waiting)#r | - | -',
    ]);
    expect(transition(waiting, ACTORS.doctor, INPUTS.claim, offline).replies).toEqual([
      { to: 'sender', message: { type: 'error', ref: 'r', code: 'cabin-offline', message: "This patient's cabin is not connected: it may come back; try again when it does." } },
    ]);
    // The doctor who already has it (an answer lost) still gets it back; another cabin's absence changes nothing.
    expect(line(active, transition(active, ACTORS.doctor, INPUTS.claim, offline))).toBe('- | doctor:consultation#r | - | -');
    const other = { ...waiting, cabinId: 'cab-2' };
    expect(transition(other, ACTORS.doctor, INPUTS.claim, offline).next).toMatchObject({ state: 'active', doctorId: 'dr.a' });
  });

  it('a cabin handed a consultation that is not its own opens its own', () => {
    for (const f of Object.keys(FIXTURES) as Fixture[]) {
      const o = run(f, 'other-cabin', 'request');
      expect(o.next).toMatchObject({ id: 'new', cabinId: 'cab-2', state: 'waiting' });
    }
  });

  it('refuses anyone who is not a side of the consultation, and changes nothing', () => {
    for (const f of Object.keys(FIXTURES) as Fixture[])
      for (const who of ['other-cabin', 'other-doctor'] as const)
        for (const m of Object.keys(INPUTS) as Message[]) {
          if (m.startsWith('request') || m === 'claim') continue;
          const o = run(f, who, m);
          const event = !('consultationId' in INPUTS[m]);
          if (event) expect(line(FIXTURES[f], o)).toBe('- | - | - | -');
          else {
            expect(o).toMatchObject({ next: null, writes: [], effects: [] });
            expect(o.replies).toHaveLength(1);
            expect(o.replies[0]).toMatchObject({ to: 'sender', message: { type: 'error', code: f === 'none' && !(who === 'other-cabin' && (m === 'report' || m === 'end')) ? 'not-found' : 'forbidden' } });
          }
        }
  });
});

const RANK: Record<ConsultationState, number> = { waiting: 0, active: 1, ended: 2, cancelled: 2 };
const closed = (c: Consultation | null) => c !== null && RANK[c.state] === 2;
const ALL = (Object.keys(FIXTURES) as Fixture[]).flatMap((f) =>
  (Object.keys(ACTORS) as Who[]).flatMap((who) => (Object.keys(INPUTS) as Message[]).map((m) => ({ f, who, m, prev: FIXTURES[f], o: run(f, who, m) }))),
);

describe('transition, properties over every (state × actor × input)', () => {
  it('never changes a consultation once ended or cancelled, nor writes to it', () => {
    for (const { prev, o, m } of ALL) if (closed(prev) && !m.startsWith('request')) expect({ next: o.next, writes: o.writes }).toEqual({ next: null, writes: [] });
  });

  it('only moves forward: waiting → active → ended | cancelled; the doctor and the cabin-left mark, once set, stay', () => {
    for (const { prev, o } of ALL) {
      if (!o.next || !prev || o.next.id !== prev.id) continue;
      expect(RANK[o.next.state]).toBeGreaterThanOrEqual(RANK[prev.state]);
      expect(o.next).not.toEqual(prev);
      expect(o.next).toMatchObject({ id: prev.id, cabinId: prev.cabinId, language: prev.language, createdAt: prev.createdAt });
      if (prev.doctorId !== null) expect(o.next.doctorId).toBe(prev.doctorId);
      if (prev.cabinLeftAt !== null) expect(o.next.cabinLeftAt).toBe(prev.cabinLeftAt);
    }
  });

  it('only the claiming doctor ends it, and only a claim makes it active', () => {
    for (const { prev, o, who, m } of ALL) {
      if (o.next?.state === 'ended') expect({ m, who, doctor: prev?.doctorId }).toEqual({ m: 'end', who: 'doctor', doctor: 'dr.a' });
      if (o.next?.state === 'active' && prev?.state === 'waiting') expect({ m, doctor: o.next.doctorId }).toEqual({ m: 'claim', doctor: ACTORS[who].id });
    }
  });

  it('tells a cabin that left nothing more, and a consultation without a doctor tells no doctor', () => {
    for (const { prev, o } of ALL) {
      // The replies are about the consultation after the input (a request may open a new one).
      const before = o.next && o.next.id !== prev?.id ? null : prev;
      const after = o.next ?? prev;
      if (after?.cabinLeftAt != null || before?.cabinLeftAt != null) expect(o.replies.filter((r) => r.to === 'cabin')).toEqual([]);
      if (after?.doctorId == null) expect(o.replies.filter((r) => r.to === 'doctor')).toEqual([]);
    }
  });

  it('answers each request, claim, cancel, join and end with its ref exactly once; errors go to the sender only', () => {
    for (const { o, m } of ALL) {
      const refs = o.replies.filter((r) => ('message' in r ? 'ref' in r.message && r.message.ref === 'r' : 'ref' in r && r.ref === 'r'));
      if (['request', 'claim', 'cancel', 'join', 'end'].includes(m)) expect(refs).toHaveLength(1);
      for (const r of o.replies) if ('message' in r && r.message.type === 'error') expect(r.to).toBe('sender');
    }
  });

  it('broadcasts the queue exactly when the set of waiting consultations changes, or a waiting cabin comes or goes', () => {
    for (const { prev, o, who, m } of ALL) {
      const before = prev !== null && o.next?.id === prev.id && prev.state === 'waiting';
      const changed = o.next !== null && before !== (o.next.state === 'waiting');
      const presence = who === 'cabin' && prev?.state === 'waiting' && (m === 'connected' || m === 'reconnected' || m === 'disconnected');
      expect(o.replies.some((r) => r.to === 'doctors')).toBe(changed || presence);
    }
  });

  it('forgets presence and TURN credentials exactly when an active consultation closes', () => {
    for (const { prev, o } of ALL) expect(o.effects.some((e) => e.kind === 'closed')).toBe(prev?.state === 'active' && closed(o.next));
  });

  it('is pure: the same input gives the same outcome, and the (frozen) consultation is not touched', () => {
    for (const { f, who, m, o } of ALL) expect(run(f, who, m)).toEqual(o);
  });
});

describe('transition, over random histories', () => {
  const inputs = (Object.keys(INPUTS) as Message[]).filter((m) => !m.startsWith('request'));
  it('one doctor at most ever claims; it never leaves ended or cancelled; only its doctor ends it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...(Object.keys(ACTORS) as Who[])), fc.constantFrom(...inputs)), { maxLength: 30 }), (steps) => {
        let c: Consultation = waiting;
        const seen: ConsultationState[] = [c.state];
        for (const [who, m] of steps) {
          const o = transition(c, ACTORS[who], INPUTS[m], ctx);
          if (!o.next) continue;
          if (o.next.state === 'ended') expect(ACTORS[who].id).toBe(c.doctorId);
          if (c.doctorId !== null) expect(o.next.doctorId).toBe(c.doctorId);
          c = o.next;
          seen.push(c.state);
        }
        expect(seen.slice(1).every((s, i) => RANK[s] >= RANK[seen[i]!])).toBe(true);
        expect(seen.filter((s) => s === 'ended' || s === 'cancelled').length).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('settle: the transition against the store, compare-and-set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-transition-'));
  let store: HubStore;
  let n = 0;
  const decide = (who: Who, input: Input) => (c: Consultation | null) => transition(c, ACTORS[who], input, { now: NOW, newId: () => `t${++n}`, cabinOnline: () => true });
  const open = (cabin: string) => async () => (await store.openFor('cabin', cabin))[0] ?? null;
  beforeAll(async () => {
    store = await HubStore.open(await testDatabase(dir));
    for (const c of ['cab-1', 'cab-2']) await store.addCabin({ id: c, name: `Cabin ${c}` });
    for (const d of ['a', 'b']) await store.addDoctor({ username: `dr.${d}`, name: `Dr ${d.toUpperCase()}`, password: 'correct horse battery' });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two doctors claiming from the same read: one wins, the other decides again on what is stored and is told', async () => {
    const id = (await settle(store, open('cab-1'), decide('cabin', INPUTS.request))).out.next!.id;
    const claim = { ...INPUTS.claim, consultationId: id };
    const stale = (await store.consultation(id))!;
    expect((await settle(store, () => store.consultation(id), decide('doctor', claim))).out.replies).toContainEqual({ to: 'doctor', view: 'consultation', ref: 'r' });
    // The other doctor read before the first one wrote.
    const reads = [stale];
    const loser = await settle(store, async () => reads.shift() ?? store.consultation(id), decide('other-doctor', claim));
    expect(loser.prev).toMatchObject({ state: 'active', doctorId: 'dr.a' });
    expect(loser.out).toMatchObject({ next: null, replies: [{ to: 'sender', message: { code: 'already-claimed' } }] });
    expect(await store.consultation(id)).toMatchObject({ state: 'active', doctorId: 'dr.a', doctorName: 'Dr A', claimedAt: NOW });
  });

  it('writes nothing of an outcome decided on a stale read, its incidents included', async () => {
    const cab2 = { ...ACTORS.cabin, id: 'cab-2' };
    const id = (await settle(store, open('cab-2'), (c) => transition(c, cab2, INPUTS.request, ctx))).out.next!.id;
    const stale = (await store.consultation(id))!;
    await settle(store, () => store.consultation(id), decide('doctor', { ...INPUTS.claim, consultationId: id }));
    // The grace period ran out on the waiting request just as a doctor claimed it.
    const abandoned = transition(stale, cab2, { type: 'abandoned' }, ctx);
    expect(abandoned.writes).toHaveLength(1);
    expect(await commit(store, stale, abandoned)).toBeNull();
    expect(await store.report(id)).toMatchObject({ state: 'active', incidents: [] });
    // A cabin asking again from a read that missed its open consultation gets that one, not a second.
    const reads = [null];
    const again = await settle(store, async () => (reads.length > 0 ? reads.shift()! : open('cab-2')()), (c) => transition(c, cab2, INPUTS.request, ctx));
    expect(again.prev).toMatchObject({ id });
    expect(again.out).toMatchObject({ next: null, replies: [{ to: 'cabin', view: 'consultation', ref: 'r' }] });
  });

  it('ends with the readings and notes in one go, and gives up on a consultation that keeps changing', async () => {
    const id = (await store.openFor('cabin', 'cab-1'))[0]!.id;
    await settle(store, () => store.consultation(id), decide('doctor', { ...INPUTS.end, consultationId: id }));
    expect(await store.report(id)).toMatchObject({ state: 'ended', endedAt: NOW, notes: 'Well.', readings: [reading] });
    const stale = { ...(await store.consultation(id))!, state: 'active' as const };
    await expect(settle(store, async () => stale, decide('doctor', { ...INPUTS.cancel, consultationId: id }))).rejects.toThrow(/kept changing/);
    expect((await store.consultation(id))!.state).toBe('ended');
  });
});

describe('transition, why an end is told', () => {
  /** The `ended` replies of an input, as `to:reason/cause` ('?' when no cause is given). */
  const ends = (c: Consultation, who: Who, m: Message) =>
    transition(c, ACTORS[who], INPUTS[m], ctx).replies.flatMap((r) => ('message' in r && r.message.type === 'ended' ? [`${r.to}:${r.message.reason}/${r.message.cause ?? '?'}`] : []));
  const gone: Consultation = { ...FIXTURES.left, cabinLeftReason: 'gone' };

  it('says who or what ended it: the doctor, the cabin itself, or the hub for a cabin offline too long', () => {
    expect(ends(active, 'doctor', 'end')).toEqual(['cabin:ended/doctor-ended', 'doctor:ended/doctor-ended']);
    expect(ends(active, 'doctor', 'cancel')).toEqual(['cabin:cancelled/doctor-cancelled', 'doctor:cancelled/doctor-cancelled']);
    expect(ends(FIXTURES.ended, 'cabin', 'join')).toEqual(['sender:ended/doctor-ended']);
    expect(ends(FIXTURES['cancelled-active'], 'cabin', 'join')).toEqual(['sender:cancelled/doctor-cancelled']);
    expect(ends(gone, 'cabin', 'join')).toEqual(['sender:cancelled/cabin-offline']);
    expect(ends(gone, 'cabin', 'cancel')).toEqual(['sender:cancelled/cabin-offline']);
    // The doctor ended it after the hub took the cabin as gone: for the cabin, the call ended when it went.
    expect(ends({ ...gone, state: 'ended', endedAt: 4_000 }, 'cabin', 'join')).toEqual(['sender:cancelled/cabin-offline']);
    expect(ends(active, 'cabin', 'cancel')).toEqual(['sender:cancelled/cabin-left']);
    expect(ends(waiting, 'cabin', 'cancel')).toEqual(['sender:cancelled/cabin-left']);
    expect(ends(FIXTURES.left, 'cabin', 'cancel')).toEqual(['sender:cancelled/cabin-left']);
    // To the doctor, an ended consultation is his own end, whatever the cabin did before.
    expect(ends(FIXTURES['ended-left'], 'doctor', 'end')).toEqual(['sender:ended/doctor-ended']);
    // A request that was cancelled: its cabin left, or the hub dropped it; the row does not say which, so neither does the hub.
    expect(ends(FIXTURES['cancelled-waiting'], 'cabin', 'join')).toEqual(['sender:cancelled/?']);
  });

  it('sends only messages the protocol accepts, unchanged by its decoder', () => {
    for (const { o } of ALL) for (const r of o.replies) if ('message' in r) expect(FromHubSchema.parse(r.message)).toEqual(r.message);
  });
});
