import { CATCH_PEERS, evaluate, round, sleep, startCall } from './call.ts';
import { printTable, writeResult } from './report.ts';

/**
 * Issue 4, "Telemetry size": bytes the kiosk puts on the data channels per second of pleth streaming, against the
 * raw sample bytes (2 bytes per Int16 sample × samples/s). Counted by the kiosk page's own counters
 * (`window.cabinCallStats()`, only with `?debug=1`): the payload of every `telemetry` frame and `events` message
 * sent, and the waveform samples they carried, diffed between two snapshots. Cross-checked with the browser's
 * RTCDataChannelStats (bytesSent per channel label) of the kiosk's peer connection, caught by an init script.
 */

const TARGET_RATIO = 1.5;
const RAW_BYTES_PER_SAMPLE = 2;
const WARMUP_MS = 5000;

interface Snapshot {
  at: number;
  stats: { telemetryBytes: number; eventsBytes: number; samplesSent: number; framesSent: number; framesDropped: number };
  channels: Record<string, { bytesSent: number; messagesSent: number }>;
  eventTypes: Record<string, { messages: number; bytes: number }>;
  observationIds: number;
}

/** Counts the kiosk's `events` messages by type (and observation ids, to see resends), in `window.__benchEvents`. */
const COUNT_EVENTS = `(() => {
  window.__benchEvents = { types: {}, ids: {} };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    if (this.label === 'events' && typeof data === 'string') {
      let type = 'unparsed';
      try {
        const m = JSON.parse(data);
        type = String(m.type);
        if (type === 'observation') window.__benchEvents.ids[m.id] = 1;
      } catch {}
      const c = window.__benchEvents.types[type] || (window.__benchEvents.types[type] = { messages: 0, bytes: 0 });
      c.messages++;
      c.bytes += new TextEncoder().encode(data).length;
    }
    return send.call(this, data);
  };
})();`;

const SNAPSHOT = `(async () => {
  const stats = window.cabinCallStats ? window.cabinCallStats() : null;
  const channels = {};
  for (const pc of window.__benchPcs || []) {
    if (pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'data-channel') return;
      const c = channels[s.label] || (channels[s.label] = { bytesSent: 0, messagesSent: 0 });
      c.bytesSent += s.bytesSent || 0;
      c.messagesSent += s.messagesSent || 0;
    });
  }
  const ev = window.__benchEvents || { types: {}, ids: {} };
  return { at: performance.timeOrigin + performance.now(), stats, channels, eventTypes: JSON.parse(JSON.stringify(ev.types)), observationIds: Object.keys(ev.ids).length };
})()`;

export async function benchTelemetry(seconds = 60): Promise<boolean> {
  const windowS = Math.max(30, seconds);
  console.log(`\ntelemetry: live call with the pleth streaming, counters diffed over ${windowS} s…`);
  const chain = await startCall({ kioskQuery: 'debug=1', cabinInit: `${CATCH_PEERS}\n${COUNT_EVENTS}` });
  try {
    const snap = async (): Promise<Snapshot> => {
      const s = await evaluate<Snapshot & { stats: Snapshot['stats'] | null }>(chain.cabinPage, SNAPSHOT);
      if (!s.stats) throw new Error('The kiosk page has no window.cabinCallStats() although it was opened with ?debug=1.');
      return s as Snapshot;
    };
    const drawn = (): Promise<number> =>
      evaluate<number>(chain.doctorPage, `Number(document.querySelector('[data-testid="pleth"]')?.dataset.samplesDrawn ?? NaN)`);
    // Wait for the pleth to flow, then let the connection settle.
    const deadline = Date.now() + 30_000;
    while ((await snap()).stats.samplesSent === 0) {
      if (Date.now() > deadline) throw new Error('The kiosk sent no waveform sample within 30 s of the call starting.');
      await sleep(500);
    }
    await sleep(WARMUP_MS);
    const a = await snap();
    const drawnA = await drawn();
    await sleep(windowS * 1000);
    const b = await snap();
    const drawnB = await drawn();
    const dt = (b.at - a.at) / 1000;
    const d = (k: keyof Snapshot['stats']): number => b.stats[k] - a.stats[k];
    const chan = (label: string): number => (b.channels[label]?.bytesSent ?? 0) - (a.channels[label]?.bytesSent ?? 0);
    const rawBytes = d('samplesSent') * RAW_BYTES_PER_SAMPLE;
    const ratio = d('telemetryBytes') / rawBytes;
    const result = {
      ratio: round(ratio, 3),
      ratioWithEvents: round((d('telemetryBytes') + d('eventsBytes')) / rawBytes, 3),
      windowS: round(dt, 1),
      samplesPerS: round(d('samplesSent') / dt, 1),
      rawBytesPerS: round(rawBytes / dt, 1),
      telemetryBytesPerS: round(d('telemetryBytes') / dt, 1),
      eventsBytesPerS: round(d('eventsBytes') / dt, 1),
      framesPerS: round(d('framesSent') / dt, 1),
      bytesPerFrame: round(d('telemetryBytes') / Math.max(1, d('framesSent')), 2),
      framesDropped: d('framesDropped'),
      browserDataChannelBytesPerS: { telemetry: round(chan('telemetry') / dt, 1), events: round(chan('events') / dt, 1) },
      eventsByType: Object.fromEntries(
        Object.entries(b.eventTypes).map(([type, c]) => {
          const m = c.messages - (a.eventTypes[type]?.messages ?? 0);
          const bytes = c.bytes - (a.eventTypes[type]?.bytes ?? 0);
          return [type, { messagesPerS: round(m / dt, 2), bytesPerS: round(bytes / dt, 1), bytesPerMessage: round(bytes / Math.max(1, m), 1) }];
        }),
      ),
      observationsNewPerS: round((b.observationIds - a.observationIds) / dt, 2),
      doctorSamplesDrawnPerS: round((drawnB - drawnA) / dt, 1),
      targetRatio: TARGET_RATIO,
      method:
        'ratio = Δ telemetryBytes / (Δ samplesSent × 2) between two snapshots of the kiosk page\'s window.cabinCallStats() ' +
        '(payload bytes of the telemetry channel, no SCTP/DTLS/UDP headers); the events channel (1 Hz observations, statuses, ' +
        'stream declarations: not pleth) is given apart as eventsBytesPerS and in ratioWithEvents; browserDataChannelBytesPerS ' +
        "is Chromium's RTCDataChannelStats.bytesSent of the kiosk's peer connection (cross-check).",
    };
    const met = d('samplesSent') > 0 && ratio <= TARGET_RATIO;
    printTable('Telemetry size: data-channel bytes per second of pleth vs raw Int16 samples', [
      {
        'window s': result.windowS,
        'samples/s': result.samplesPerS,
        'raw B/s': result.rawBytesPerS,
        'telemetry B/s': result.telemetryBytesPerS,
        'frames/s': result.framesPerS,
        'B/frame': result.bytesPerFrame,
        dropped: result.framesDropped,
        ratio: result.ratio,
        'events B/s': result.eventsBytesPerS,
        'ratio incl. events': result.ratioWithEvents,
        target: `≤ ${TARGET_RATIO}`,
        met: met ? 'yes' : 'NO',
      },
    ]);
    console.log(
      `browser's own count (RTCDataChannelStats): telemetry ${result.browserDataChannelBytesPerS.telemetry} B/s, events ${result.browserDataChannelBytesPerS.events} B/s; ` +
        `doctor drew ${result.doctorSamplesDrawnPerS} samples/s`,
    );
    console.log(
      `events channel by type: ${Object.entries(result.eventsByType)
        .map(([k, v]) => `${k} ${v.messagesPerS}/s × ${v.bytesPerMessage} B`)
        .join(', ')}; new observation ids ${result.observationsNewPerS}/s`,
    );
    console.log(`→ ${writeResult('telemetry', result)}`);
    return met;
  } finally {
    await chain.close();
  }
}
