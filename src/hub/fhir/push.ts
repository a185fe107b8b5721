import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../../server/log.ts';
import type { HubStore } from '../store.ts';
import { inlineExporter, type ConsultationExporter } from './exporter.ts';

/**
 * Sends each ended consultation to the configured FHIR server as one transaction Bundle with conditional creates
 * (`ifNoneExist` on the identifiers), from a durable queue in the hub's database: a server that is down, slow or
 * answering 5xx is tried again later (exponential backoff), and since every resource is created only if its
 * identifier is not there yet, a push that is repeated (a reply lost to a timeout) creates nothing twice. A 4xx
 * answer is kept as `failed` with the server's OperationOutcome for the operator (`npm run hub -- fhir-status`),
 * who can queue it again (`fhir-retry`).
 */

export const FhirPushConfigSchema = z.object({
  /** The FHIR server's base URL (the transaction is POSTed to it). */
  baseUrl: z.string().url(),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    /** A static bearer token read from a file (mode 0600), read again at each push so it can be rotated. */
    z.object({ kind: z.literal('bearer-file'), file: z.string().min(1) }),
    /** OAuth2 client credentials (RFC 6749 §4.4) at `tokenUrl`. */
    z.object({ kind: z.literal('client-credentials'), tokenUrl: z.string().url(), clientId: z.string().min(1), clientSecret: z.string().min(1), scope: z.string().optional() }),
  ]),
  /** How long one push may take before it is counted as failed and tried again. Default 30 s. */
  timeoutMs: z.number().int().positive().optional(),
});
export type FhirPushConfig = z.infer<typeof FhirPushConfigSchema>;

/** The push configuration from the environment, or undefined when no FHIR server is configured. */
export function fhirPushConfigFromEnv(env: NodeJS.ProcessEnv): FhirPushConfig | undefined {
  const baseUrl = env.HUB_FHIR_URL?.trim();
  if (!baseUrl) return undefined;
  const auth = env.HUB_FHIR_TOKEN_FILE
    ? { kind: 'bearer-file' as const, file: env.HUB_FHIR_TOKEN_FILE }
    : env.HUB_FHIR_TOKEN_URL
      ? { kind: 'client-credentials' as const, tokenUrl: env.HUB_FHIR_TOKEN_URL, clientId: env.HUB_FHIR_CLIENT_ID ?? '', clientSecret: env.HUB_FHIR_CLIENT_SECRET ?? '', ...(env.HUB_FHIR_SCOPE ? { scope: env.HUB_FHIR_SCOPE } : {}) }
      : { kind: 'none' as const };
  const parsed = FhirPushConfigSchema.safeParse({ baseUrl, auth });
  if (!parsed.success) throw new Error(`The FHIR push settings are not usable: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'HUB_FHIR_URL'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** First retry after 30 s, doubling up to 1 h. */
export const RETRY_FIRST_MS = 30_000;
export const RETRY_MAX_MS = 3_600_000;
export const retryDelay = (attempts: number): number => Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1));

export interface PushRow {
  consultationId: string;
  state: 'pending' | 'done' | 'failed';
  attempts: number;
  nextAt: number;
  lastError: string | null;
  outcome: unknown;
  bundleHash: string | null;
  updatedAt: number;
}

/** The queue, on the hub's own database (either engine: the store's Kysely). */
export class FhirPushQueue {
  constructor(private readonly store: HubStore) {}

  private get s() {
    return this.store.kysely;
  }

  /** Queues every ended consultation not queued yet (due now); returns how many were added. */
  async enqueueEnded(): Promise<number> {
    const now = Math.floor(this.store.now());
    const r = await this.s.db
      .insertInto('fhir_push')
      .columns(['consultation_id', 'state', 'attempts', 'next_at', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('consultations as c')
          .select((e) => ['c.id', e.val('pending').as('state'), e.val(0).as('attempts'), e.val(now).as('next_at'), e.val(now).as('updated_at')])
          .where('c.state', '=', 'ended')
          .where((e) => e.not(e.exists(e.selectFrom('fhir_push as p').select('p.consultation_id').whereRef('p.consultation_id', '=', 'c.id')))),
      )
      // Two nodes queueing at once: the second finds the rows there.
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0);
  }

  async due(limit = 10): Promise<string[]> {
    const rows = await this.s.db.selectFrom('fhir_push').select('consultation_id').where('state', '=', 'pending').where('next_at', '<=', Math.floor(this.store.now())).orderBy('next_at').limit(limit).execute();
    return rows.map((r) => r.consultation_id);
  }

  async done(id: string, hash: string, outcome: unknown): Promise<void> {
    await this.set(id, { state: 'done', bundleHash: hash, lastError: null, outcome, attemptsDelta: 1, nextAt: Math.floor(this.store.now()) });
  }

  /** A failure to try again: after the backoff of this attempt. */
  async retry(id: string, error: string, outcome?: unknown): Promise<void> {
    const row = await this.row(id);
    const attempts = (row?.attempts ?? 0) + 1;
    await this.set(id, { state: 'pending', lastError: error, outcome, attemptsDelta: 1, nextAt: Math.floor(this.store.now()) + retryDelay(attempts) });
  }

  /** A refusal the server will give again (4xx): kept for the operator, not retried by itself. */
  async fail(id: string, error: string, outcome?: unknown): Promise<void> {
    await this.set(id, { state: 'failed', lastError: error, outcome, attemptsDelta: 1, nextAt: Math.floor(this.store.now()) });
  }

  /** The operator queues a consultation again (after fixing the server or the data): due now. */
  async requeue(id: string): Promise<boolean> {
    const now = Math.floor(this.store.now());
    const r = await this.s.db.updateTable('fhir_push').set({ state: 'pending', next_at: now, updated_at: now }).where('consultation_id', '=', id).where('state', '!=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async row(id: string): Promise<PushRow | null> {
    return (await this.rows(id, false))[0] ?? null;
  }

  /** What is pending and what failed (and, with `all`, what is done), newest first. */
  list(all = false): Promise<PushRow[]> {
    return this.rows(undefined, all);
  }

  private async rows(id: string | undefined, all: boolean): Promise<PushRow[]> {
    let q = this.s.db.selectFrom('fhir_push').select(['consultation_id', 'state', 'attempts', 'next_at', 'last_error', 'outcome', 'bundle_hash', 'updated_at']);
    if (id !== undefined) q = q.where('consultation_id', '=', id);
    else if (!all) q = q.where('state', '!=', 'done');
    const raw = await q.orderBy('updated_at', 'desc').execute();
    return raw.map((r) => {
      let outcome: unknown = null;
      try {
        outcome = typeof r.outcome === 'string' ? JSON.parse(r.outcome) : null;
      } catch {
        outcome = null;
      }
      return {
        consultationId: String(r.consultation_id),
        state: r.state,
        attempts: Number(r.attempts),
        nextAt: Number(r.next_at),
        lastError: typeof r.last_error === 'string' ? r.last_error : null,
        outcome,
        bundleHash: typeof r.bundle_hash === 'string' ? r.bundle_hash : null,
        updatedAt: Number(r.updated_at),
      };
    });
  }

  private async set(id: string, v: { state: PushRow['state']; lastError: string | null; outcome?: unknown; attemptsDelta: number; nextAt: number; bundleHash?: string }): Promise<void> {
    // The server's answer as JSON, kept whole or not at all (a cut JSON text is no JSON: the database refuses it).
    const json = v.outcome === undefined ? null : JSON.stringify(v.outcome);
    const outcome = json !== null && json.length <= 100_000 ? json : null;
    await this.s.db
      .updateTable('fhir_push')
      .set((eb) => ({
        state: v.state,
        attempts: eb('attempts', '+', v.attemptsDelta),
        next_at: v.nextAt,
        last_error: v.lastError?.slice(0, 1000) ?? null,
        outcome,
        ...(v.bundleHash !== undefined && { bundle_hash: v.bundleHash }),
        updated_at: Math.floor(this.store.now()),
      }))
      .where('consultation_id', '=', id)
      .execute();
  }
}

type Fetch = typeof fetch;

/** Pushes what is due, one consultation at a time; `tick()` is called by a timer (or a test). */
export class FhirPusher {
  readonly queue: FhirPushQueue;
  private token: { value: string; until: number } | undefined;
  private running = false;

  constructor(
    private readonly store: HubStore,
    private readonly config: FhirPushConfig,
    private readonly log: Logger,
    private readonly fetchFn: Fetch = fetch,
    /** The hub's (a worker thread); on this thread by default (tests, the CLI). */
    private readonly exporter: ConsultationExporter = inlineExporter(store),
  ) {
    this.queue = new FhirPushQueue(store);
  }

  /** One round: queue the newly ended consultations, push the due ones. Never throws; returns how many went through. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let through = 0;
    try {
      await this.queue.enqueueEnded();
      for (const id of await this.queue.due()) if (await this.pushOne(id)) through++;
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'FHIR push round failed');
    } finally {
      this.running = false;
    }
    return through;
  }

  private async pushOne(id: string): Promise<boolean> {
    const built = await this.exporter.fhir(id, { type: 'transaction' });
    if (!built.ok && (built.error === 'busy' || built.error === 'failed')) {
      // The hub's own trouble (no room in the exporter, a worker that died): tried again later, nothing lost.
      await this.queue.retry(id, `not sent yet: ${built.message}`);
      this.log.warn({ consultationId: id }, `FHIR push: will retry (${built.message})`);
      return false;
    }
    if (!built.ok) {
      // Our own Bundle is invalid (or the consultation vanished): the server would refuse it; the operator must see it.
      const detail = built.error === 'invalid' ? built.issues.slice(0, 5).map((i) => `${i.resourceType} ${i.path}: ${i.message}`).join('; ') : 'consultation not found';
      await this.queue.fail(id, `not sent: ${detail}`);
      this.log.warn({ consultationId: id }, `FHIR push: not sent (${built.error})`);
      return false;
    }
    let res: Response;
    try {
      const auth = await this.authorization();
      res = await this.fetchFn(this.config.baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(auth ? { authorization: auth } : {}) },
        body: built.json,
        signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const msg = err instanceof Error ? (err.name === 'TimeoutError' ? 'the FHIR server did not answer in time' : `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`) : String(err);
      await this.queue.retry(id, msg);
      this.log.warn({ consultationId: id }, `FHIR push: will retry (${msg})`);
      return false;
    }
    const body = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) {
      const statuses = entryStatuses(json);
      const bad = statuses.filter((s) => !/^2\d\d/.test(s));
      if (statuses.length === 0 || bad.length > 0) {
        await this.queue.retry(id, `the server's transaction answer is not all 2xx (${bad.slice(0, 3).join(', ') || 'no entries'})`, json);
        return false;
      }
      await this.queue.done(id, built.hash, { statuses: countBy(statuses) });
      this.log.info({ consultationId: id }, `FHIR push: sent (${statuses.length} entries)`);
      return true;
    }
    if (res.status === 401) this.token = undefined;
    const outcome = isOutcome(json) ? json : undefined;
    const msg = `HTTP ${res.status}${outcome ? `: ${outcomeText(outcome)}` : ''}`;
    // Refusals the server will repeat wait for the operator; the rest (5xx, 408, 429, 401 with a fresh token) retry.
    if (res.status >= 400 && res.status < 500 && ![401, 408, 409, 425, 429].includes(res.status)) await this.queue.fail(id, msg, outcome);
    else await this.queue.retry(id, msg, outcome);
    this.log.warn({ consultationId: id, status: res.status }, 'FHIR push refused');
    return false;
  }

  private async authorization(): Promise<string | undefined> {
    const auth = this.config.auth;
    if (auth.kind === 'none') return undefined;
    if (auth.kind === 'bearer-file') {
      const token = readFileSync(auth.file, 'utf8').trim();
      if (!token) throw new Error(`the token file ${auth.file} is empty`);
      return `Bearer ${token}`;
    }
    const now = this.store.now();
    if (this.token && this.token.until > now) return `Bearer ${this.token.value}`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(auth.scope ? { scope: auth.scope } : {}) });
    const res = await this.fetchFn(auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64')}` },
      body: form.toString(),
      signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000),
    });
    const answer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() }).safeParse(await res.json().catch(() => undefined));
    if (!res.ok || !answer.success) throw new Error(`the token endpoint answered HTTP ${res.status} without an access token`);
    // Renewed a minute before it expires.
    this.token = { value: answer.data.access_token, until: now + Math.max(0, (answer.data.expires_in ?? 300) * 1000 - 60_000) };
    return `Bearer ${this.token.value}`;
  }
}

function entryStatuses(json: unknown): string[] {
  const entries = (json as { entry?: { response?: { status?: unknown } }[] } | undefined)?.entry;
  return Array.isArray(entries) ? entries.map((e) => String(e?.response?.status ?? '')) : [];
}

const countBy = (list: readonly string[]): Record<string, number> => list.reduce<Record<string, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});

function isOutcome(json: unknown): json is { resourceType: 'OperationOutcome'; issue?: { severity?: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }[] } {
  return typeof json === 'object' && json !== null && (json as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}

function outcomeText(o: { issue?: { severity?: string; diagnostics?: string; details?: { text?: string }; expression?: string[] }[] }): string {
  return (o.issue ?? [])
    .slice(0, 3)
    .map((i) => `${i.severity ?? ''} ${i.expression?.[0] ?? ''} ${i.details?.text ?? i.diagnostics ?? ''}`.trim())
    .join('; ')
    .slice(0, 500);
}
