import { Piscina } from 'piscina';
import type { HubStore } from '../store.ts';
import type { FhirExportOptions } from './codes.ts';
import type { ExportTask } from './export-task.ts';
import { exportSource, fhirOf, pdfOf, type ExportSource, type FhirExport, type PdfExport, type PdfExportOptions } from './export.ts';

/** Makes a consultation's exports (the doctor's downloads, the FHIR push). Never throws: a refusal says why. */
export interface ConsultationExporter {
  fhir(consultationId: string, opts?: FhirExportOptions): Promise<FhirExport>;
  pdf(consultationId: string, opts?: PdfExportOptions): Promise<PdfExport>;
  /** Gets ready ahead of the first export (a worker starts and loads the definitions); never rejects. */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

/** On the calling thread (the operator's CLI, which has nothing else to do, and tests). */
export function inlineExporter(store: HubStore): ConsultationExporter {
  return {
    fhir: async (id, opts = {}) => {
      const src = await exportSource(store, id);
      return src ? fhirOf(src, opts) : { ok: false, error: 'not-found' };
    },
    pdf: async (id, opts = {}) => {
      const src = await exportSource(store, id);
      return src ? pdfOf(src, opts) : { ok: false, error: 'not-found' };
    },
    close: async () => undefined,
  };
}

export interface WorkerExporterOptions {
  /** A task that runs longer is stopped (its worker with it) and refused as failed. Default 120 000 ms. */
  timeoutMs?: number;
  /** Exports waiting for the worker beyond the one it is making; more are refused as busy. Default 8. */
  maxQueue?: number;
  /** The worker (and its 1.5 s of FHIR definitions) is kept this long after its last task. Default 30 min. */
  idleMs?: number;
}

/**
 * The hub's exporter: building, validating (seconds for a long consultation) and rendering the PDF run in one worker
 * thread, so the hub's event loop (signalling, every cabin's socket) never waits for them. The store is read here,
 * once per export; the worker gets plain data. One worker: the hub's other core stays for the calls.
 */
export class WorkerExporter implements ConsultationExporter {
  private readonly pool: Piscina<ExportTask, FhirExport | PdfExport | null>;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  /** Exports given to the pool and not yet answered (the one being made and those waiting). */
  private inFlight = 0;

  constructor(
    private readonly store: HubStore,
    opts: WorkerExporterOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.maxQueue = opts.maxQueue ?? 8;
    // The queue's bound is counted here: Piscina 5 does not apply its maxQueue to tasks given an abort signal.
    this.pool = new Piscina({
      filename: new URL('./export-worker.mjs', import.meta.url).href,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: opts.idleMs ?? 30 * 60_000,
    });
  }

  async fhir(consultationId: string, opts: FhirExportOptions = {}): Promise<FhirExport> {
    const source = await this.source(consultationId);
    if (!source || 'error' in source) return source ?? { ok: false, error: 'not-found' };
    return this.run({ kind: 'fhir', source, opts }) as Promise<FhirExport>;
  }

  async pdf(consultationId: string, opts: PdfExportOptions = {}): Promise<PdfExport> {
    const source = await this.source(consultationId);
    if (!source || 'error' in source) return source ?? { ok: false, error: 'not-found' };
    // The document's date when the consultation is still open: the hub's clock, not the worker's.
    return this.run({ kind: 'pdf', source, opts: { ...opts, now: opts.now ?? this.store.now() } }) as Promise<PdfExport>;
  }

  /** The consultation's data, or a refusal when the database failed to give it (never a rejection). */
  private async source(consultationId: string): Promise<ExportSource | { ok: false; error: 'failed'; message: string } | null> {
    try {
      return await exportSource(this.store, consultationId);
    } catch (err) {
      return { ok: false, error: 'failed', message: `the hub's database did not answer: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Starts the worker and loads the definitions now (at the hub's start), so the first download does not wait for them. */
  async warm(): Promise<void> {
    await this.pool.run({ kind: 'warm' }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async run(task: ExportTask): Promise<FhirExport | PdfExport> {
    if (this.inFlight > this.maxQueue) return { ok: false, error: 'busy', message: 'the hub is making other exports: try again in a minute' };
    this.inFlight++;
    try {
      const out = await this.pool.run(task, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (out === null) return { ok: false, error: 'failed', message: 'the export worker gave nothing back' };
      // A PDF comes back as a plain Uint8Array copy of the worker's buffer.
      return 'pdf' in out ? { ...out, pdf: new Uint8Array(out.pdf) } : out;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e.name === 'AbortError') return { ok: false, error: 'failed', message: `the export took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped` };
      return { ok: false, error: 'failed', message: `the export failed: ${e.message}` };
    } finally {
      this.inFlight--;
    }
  }
}
