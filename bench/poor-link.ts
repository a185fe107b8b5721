import type { Chain } from '../test/helpers/chain.ts';
import type { Impairment } from '../test/helpers/impair.ts';
import { evaluate, round } from './call.ts';
import { searchHalfBins } from './stethoscope.ts';

/**
 * Issue 11, the poor-link cases of `npm run bench -- latency --impair …`: what reaches the doctor besides the
 * readings' latency. Page hooks (installed before the apps load), samplers and the issue's targets per case.
 */

/** The two link cases (per relay leg; about twice the loss and round trip end to end). */
export const POOR_LINK_CASES: Record<'256' | '128', Impairment> = {
  '256': { delayMs: 75, jitterMs: 15, lossPct: 2.5, kbps: 256 },
  '128': { delayMs: 150, jitterMs: 30, lossPct: 5, kbps: 128 },
};

/**
 * Doctor page: every copy of each observation per channel before the console's dedup (`__benchCopies[id]` =
 * [events, telemetry]), and every reading id the console sends to the hub in `report` parts (`__benchReportIds`).
 */
export const COUNT_COPIES = `(() => {
  window.__benchCopies = {};
  window.__benchReportIds = {};
  window.__benchFirst = {};
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (label, init) {
    const ch = create.call(this, label, init);
    if (label === 'events' || label === 'telemetry') {
      ch.addEventListener('message', (ev) => {
        try {
          let m = null;
          if (typeof ev.data === 'string') m = JSON.parse(ev.data);
          else if (ev.data instanceof ArrayBuffer && ev.data.byteLength > 1 && new Uint8Array(ev.data)[0] === 0x80) m = JSON.parse(new TextDecoder().decode(new Uint8Array(ev.data, 1)));
          if (m && m.type === 'observation') {
            const c = window.__benchCopies[m.id] || (window.__benchCopies[m.id] = [0, 0]);
            c[label === 'events' ? 0 : 1]++;
            const f = window.__benchFirst[m.id] || (window.__benchFirst[m.id] = [null, null]);
            const k = label === 'events' ? 0 : 1;
            if (f[k] === null) f[k] = Math.round(performance.timeOrigin + performance.now());
          }
        } catch {}
      });
    }
    return ch;
  };
  const wsSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('"report"')) {
      try {
        const m = JSON.parse(data);
        if (m.type === 'report' && Array.isArray(m.readings)) for (const r of m.readings) window.__benchReportIds[r.id] = (window.__benchReportIds[r.id] || 0) + 1;
      } catch {}
    }
    return wsSend.call(this, data);
  };
})();`;

/** Doctor page: `__benchAudio()` = the inbound-rtp counters of the stethoscope and voice elements' tracks. */
export const AUDIO_STATS = `window.__benchAudio = async () => {
  const out = {};
  for (const [kind, id] of [['stethoscope', 'audio-stethoscope'], ['voice', 'audio-voice']]) {
    const el = document.querySelector('[data-testid="' + id + '"]');
    const track = el && el.srcObject && el.srcObject.getAudioTracks()[0];
    out[kind] = null;
    if (!track) continue;
    for (const pc of window.__benchPcs || []) {
      if (pc.connectionState === 'closed') continue;
      const r = await pc.getStats();
      r.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.trackIdentifier === track.id) {
          out[kind] = { concealed: s.concealedSamples || 0, total: s.totalSamplesReceived || 0, packetsReceived: s.packetsReceived || 0, packetsLost: s.packetsLost || 0, bytes: s.bytesReceived || 0 };
        }
      });
    }
  }
  return out;
};`;

/** Kiosk page: `__benchSend()` = bytes sent per track (by content hint) and the pair's outgoing estimate. */
export const SEND_STATS = `window.__benchSend = async () => {
  const out = { bytes: {}, active: {}, availableKbps: null, rttMs: null };
  for (const pc of window.__benchPcs || []) {
    if (pc.connectionState === 'closed') continue;
    const r = await pc.getStats();
    for (const sender of pc.getSenders()) {
      if (!sender.track) continue;
      const hint = sender.track.contentHint || sender.track.kind;
      const enc = sender.getParameters().encodings || [];
      out.active[hint] = enc.length > 0 ? enc[0].active !== false : null;
      const st = await sender.getStats();
      st.forEach((s) => { if (s.type === 'outbound-rtp') out.bytes[hint] = (out.bytes[hint] || 0) + (s.bytesSent || 0) + (s.headerBytesSent || 0); });
    }
    r.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        if (s.availableOutgoingBitrate) out.availableKbps = Math.round(s.availableOutgoingBitrate / 1000);
        if (s.currentRoundTripTime !== undefined) out.rttMs = Math.round(s.currentRoundTripTime * 1000);
      }
    });
  }
  return out;
};`;

export interface AudioCounters {
  concealed: number;
  total: number;
  packetsReceived: number;
  packetsLost: number;
  bytes: number;
}
export type AudioStats = Record<'stethoscope' | 'voice', AudioCounters | null>;

export interface SendSample {
  bytes: Record<string, number>;
  active: Record<string, boolean | null>;
  availableKbps: number | null;
  rttMs: number | null;
}

export interface LinkPoint {
  atS: number;
  /** The level the doctor's console shows (`data-cabin-link`), and whether it shows the words. */
  doctorLevel: string | null;
  doctorSaysPaused: boolean;
  /** The level the kiosk's call banner carries, and whether the patient is told the camera is paused. */
  kioskLevel: string | null;
  kioskSaysPaused: boolean;
  /** kbit/s sent per track since the previous point (by content hint: motion = patient camera). */
  kbps: Record<string, number>;
  cameraActive: boolean | null;
  availableKbps: number | null;
  rttMs: number | null;
}

/** Samples both pages every call: the link level each side shows and what the kiosk sends. */
export class LinkTimeline {
  readonly points: LinkPoint[] = [];
  private last: { at: number; bytes: Record<string, number> } | undefined;

  constructor(
    private readonly chain: Chain,
    private readonly start: number,
  ) {}

  async sample(): Promise<void> {
    const at = Date.now();
    const [doctor, kiosk, send] = await Promise.all([
      evaluate<{ level: string | null; paused: boolean }>(
        this.chain.doctorPage,
        `(() => { const c = document.querySelector('[data-testid="connection-state"]'); const l = document.querySelector('[data-testid="cabin-link"]'); return { level: c ? c.dataset.cabinLink || null : null, paused: !!(l && /pause/i.test(l.textContent || '')) }; })()`,
      ).catch(() => ({ level: null, paused: false })),
      evaluate<{ level: string | null; paused: boolean }>(
        this.chain.cabinPage,
        `(() => { const c = document.querySelector('[data-testid="call-status"]'); const p = document.querySelector('[data-testid="camera-paused"]'); return { level: c ? c.dataset.link || null : null, paused: !!(p && (p.textContent || '').trim().length > 0) }; })()`,
      ).catch(() => ({ level: null, paused: false })),
      evaluate<SendSample>(this.chain.cabinPage, 'window.__benchSend()').catch(() => undefined),
    ]);
    const kbps: Record<string, number> = {};
    if (send && this.last) {
      const s = (at - this.last.at) / 1000;
      for (const [k, v] of Object.entries(send.bytes)) kbps[k] = round(((v - (this.last.bytes[k] ?? 0)) * 8) / 1000 / s, 0);
    }
    if (send) this.last = { at, bytes: send.bytes };
    this.points.push({
      atS: round((at - this.start) / 1000, 1),
      doctorLevel: doctor.level,
      doctorSaysPaused: doctor.paused,
      kioskLevel: kiosk.level,
      kioskSaysPaused: kiosk.paused,
      kbps,
      cameraActive: send?.active.motion ?? null,
      availableKbps: send?.availableKbps ?? null,
      rttMs: send?.rttMs ?? null,
    });
  }

  /** Seconds from the call's start to the first level below full the doctor was shown (0: shown at once). */
  adaptS(): number | null {
    const p = this.points.find((x) => x.doctorLevel !== null && x.doctorLevel !== 'full');
    return p ? p.atS : null;
  }

  /** The patient camera was paused (level minimal, nothing sent for it) at some point, and what each side said then. */
  paused(): { paused: boolean; pausedFromS: number | null; doctorShown: boolean; kioskShown: boolean; pausedShareOfWindow: number } {
    const ps = this.points.filter((p) => p.doctorLevel === 'minimal' && p.cameraActive === false);
    return {
      paused: ps.length > 0,
      pausedFromS: ps[0]?.atS ?? null,
      doctorShown: ps.length > 0 && ps.every((p) => p.doctorSaysPaused),
      kioskShown: ps.length > 0 && ps.every((p) => p.kioskSaysPaused),
      pausedShareOfWindow: this.points.length > 0 ? round(ps.length / this.points.length, 2) : 0,
    };
  }
}

/** Concealment (%) of each audio track between two counters: concealedSamples / totalSamplesReceived. */
export function concealment(before: AudioStats, after: AudioStats): Record<'stethoscope' | 'voice', { received: boolean; concealedPct: number | null; packetsLostPct: number | null; kbps?: number }> {
  const one = (a: AudioCounters | null, b: AudioCounters | null) => {
    if (!b) return { received: false, concealedPct: null, packetsLostPct: null };
    const base = a ?? { concealed: 0, total: 0, packetsReceived: 0, packetsLost: 0, bytes: 0 };
    const total = b.total - base.total;
    const got = b.packetsReceived - base.packetsReceived;
    const lost = b.packetsLost - base.packetsLost;
    return {
      received: total > 0 && got > 0,
      concealedPct: total > 0 ? round(((b.concealed - base.concealed) / total) * 100, 2) : null,
      packetsLostPct: got + lost > 0 ? round((lost / (got + lost)) * 100, 2) : null,
    };
  };
  return { stethoscope: one(before.stethoscope, after.stethoscope), voice: one(before.voice, after.voice) };
}

export interface ToneRow {
  hz: number;
  gainDb: number;
  ok: boolean;
}

/** The stethoscope's tones as received by the doctor − as sent by the kiosk, both measured at once (stethoscope.ts). */
export async function tonesThroughCall(chain: Chain, tones: readonly number[], seconds = 3): Promise<{ rows: ToneRow[]; met: boolean; error?: string }> {
  const halfBins = searchHalfBins(tones);
  const args = `${JSON.stringify(tones)}, ${seconds * 1000}, ${halfBins}`;
  try {
    const [sent, received] = await Promise.all([
      evaluate<{ tones: { hz: number; db: number }[] }>(chain.cabinPage, `window.__benchSpectrum(window.__benchSteth, ${args})`),
      evaluate<{ tones: { hz: number; db: number }[] }>(chain.doctorPage, `window.__benchSpectrum(document.querySelector('[data-testid="audio-stethoscope"]').srcObject, ${args})`),
    ]);
    const rows = tones.map((hz, i) => {
      const gain = received.tones[i]!.db - sent.tones[i]!.db;
      return { hz, gainDb: round(gain, 2), ok: received.tones[i]!.db > -140 && Math.abs(gain) <= 3 };
    });
    return { rows, met: rows.filter((r) => r.hz >= 25 && r.hz <= 1000).every((r) => r.ok) };
  } catch (err) {
    return { rows: [], met: false, error: err instanceof Error ? err.message.slice(0, 300) : String(err) };
  }
}

export interface Figures {
  p99Ms: number;
  missing: number;
  duplicatedAfterDedup: number;
  stethoscope: { received: boolean; concealedPct: number | null };
  voice: { received: boolean; concealedPct: number | null };
  tonesMet: boolean;
  adaptS: number | null;
  paused: { paused: boolean; doctorShown: boolean; kioskShown: boolean };
}

export interface Verdict {
  case: string;
  targets: { what: string; target: string; value: string; met: boolean }[];
  met: boolean;
}

/** The targets for the case `impair` is (by its bottleneck); undefined for another impairment. */
export function judge(impair: Impairment, f: Figures): Verdict | undefined {
  const t = (what: string, target: string, value: unknown, met: boolean) => ({ what, target, value: String(value), met });
  let targets: Verdict['targets'];
  let name: string;
  if (impair.kbps === 256) {
    name = '256 kbit/s, 300 ms RTT, 5 % loss';
    targets = [
      t('readings p99', '< 1000 ms', f.p99Ms, f.p99Ms < 1000),
      t('readings exactly once', '0 missing, 0 duplicated after dedup', `${f.missing} missing, ${f.duplicatedAfterDedup} duplicated`, f.missing === 0 && f.duplicatedAfterDedup === 0),
      t('stethoscope', 'received, concealment < 5 %', `${f.stethoscope.received ? 'received' : 'NOT received'}, ${f.stethoscope.concealedPct ?? '?'} %`, f.stethoscope.received && f.stethoscope.concealedPct !== null && f.stethoscope.concealedPct < 5),
      t('stethoscope tones 25 Hz–1 kHz', 'within ±3 dB', f.tonesMet ? 'yes' : 'no', f.tonesMet),
      t('voice', 'concealment < 10 %', `${f.voice.concealedPct ?? '?'} %`, f.voice.received && f.voice.concealedPct !== null && f.voice.concealedPct < 10),
      t('video', 'adapts within 5 s (may pause)', f.adaptS === null ? 'never adapted' : `${f.adaptS} s`, f.adaptS !== null && f.adaptS <= 5),
    ];
  } else if (impair.kbps === 128) {
    name = '128 kbit/s, 600 ms RTT, 10 % loss';
    targets = [
      t('readings p99', '< 2000 ms', f.p99Ms, f.p99Ms < 2000),
      t('readings exactly once', '0 missing, 0 duplicated after dedup', `${f.missing} missing, ${f.duplicatedAfterDedup} duplicated`, f.missing === 0 && f.duplicatedAfterDedup === 0),
      t('stethoscope', 'received', f.stethoscope.received ? `received (${f.stethoscope.concealedPct ?? '?'} % concealed)` : 'NOT received', f.stethoscope.received),
      t('voice', 'received', f.voice.received ? `received (${f.voice.concealedPct ?? '?'} % concealed)` : 'NOT received', f.voice.received),
      t('video', 'paused, shown as paused to both sides', `paused ${f.paused.paused}, doctor told ${f.paused.doctorShown}, patient told ${f.paused.kioskShown}`, f.paused.paused && f.paused.doctorShown && f.paused.kioskShown),
    ];
  } else {
    return undefined;
  }
  return { case: name, targets, met: targets.every((x) => x.met) };
}
