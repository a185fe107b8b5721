import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/chromium.ts';
import type { start } from './browser-harness.ts';

/**
 * The call module in real Chromium: the cabin's CallSession (impolite) against a polite doctor peer in the
 * same page; what the doctor receives is checked, and the stethoscope's Opus settings are checked in the
 * encoder itself (getStats targetBitrate).
 */

type Harness = Awaited<ReturnType<typeof start>>;
declare global {
  interface Window {
    harness: { start: typeof start };
    h: Harness;
  }
}

describe('call module in Chromium (cabin ⇄ in-page doctor)', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [join(import.meta.dirname, 'browser-harness.ts')], bundle: true, format: 'iife', write: false, platform: 'browser', target: 'chrome120' });
    const js = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/harness.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required']);
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.evaluate(async () => {
      window.h = await window.harness.start();
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  const until = async (fn: () => Promise<boolean>, what: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; page errors: ${errors.join(' | ')}`);
  };
  const received = (type: string) => page.evaluate((t) => window.h.doctor.received.filter((m) => m.type === t), type);

  it('connects; the offer names every cabin track; data channels open; the outbox is replayed and acknowledged', async () => {
    await until(() => page.evaluate(() => window.h.session.connection.connectionState === 'connected'), 'connected');
    await until(async () => (await received('observation')).length >= 2, 'observations');
    const first = await page.evaluate(() => window.h.doctor.offers[0]!);
    expect(Object.values(first.tracks).sort()).toEqual(['camera', 'otoscope', 'stethoscope', 'voice']);
    const types = await page.evaluate(() => window.h.doctor.received.map((m) => m.type));
    expect(types.slice(0, 2)).toEqual(['devices', 'session']);
    expect((await received('observation')).map((m) => m.id).slice(0, 2)).toEqual(['o1', 'o2']);
    await until(() => page.evaluate(() => window.h.pending.length === 0), 'outbox acknowledged');
    const acked = await page.evaluate(() => window.h.calls.filter((c) => c.name === 'outbox:ack').flatMap((c) => (c.input as { ids: string[] }).ids));
    expect(new Set(acked)).toEqual(new Set(['o1', 'o2']));
    expect(await page.evaluate(() => window.h.calls.some((c) => c.name === 'call:signal' && (c.input as { data: { hello?: boolean } }).data.hello === true))).toBe(true);
  });

  it('the stethoscope m-section carries stereo Opus in both directions and its encoder runs at 48 kbps', async () => {
    const r = await page.evaluate(() => {
      const mids = window.h.session.tracks;
      const steth = Object.entries(mids).find(([, k]) => k === 'stethoscope')![0];
      const voice = Object.entries(mids).find(([, k]) => k === 'voice')![0];
      const remote = window.h.session.connection.remoteDescription!.sdp;
      return {
        steth,
        voice,
        sent: window.h.opusParams(window.h.doctor.offers[0]!.sdp, steth),
        receivedSteth: window.h.opusParams(remote, steth),
        receivedVoice: window.h.opusParams(remote, voice),
      };
    });
    expect(r.sent).toMatchObject({ stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000', usedtx: '0' });
    expect(r.receivedSteth).toMatchObject({ stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000' });
    expect(r.receivedVoice?.stereo).toBeUndefined();
    await until(
      () =>
        page.evaluate(async (mid) => {
          const s = await window.h.session.connection.getStats();
          return [...s.values()].some((x) => x.type === 'outbound-rtp' && x.mid === mid && x.targetBitrate === 48000);
        }, r.steth),
      'stethoscope targetBitrate 48000',
    );
    const enc = await page.evaluate(() => {
      const t = window.h.session.connection.getTransceivers().find((x) => window.h.session.tracks[x.mid ?? ''] === 'stethoscope')!;
      return { direction: t.direction, priority: t.sender.getParameters().encodings[0]?.priority, hint: t.sender.track?.contentHint };
    });
    expect(enc).toEqual({ direction: 'sendonly', priority: 'high', hint: 'music' });
  });

  it('the stethoscope m-section offers RED first then Opus (its fmtp intact) and sends RED; the voice is unchanged', async () => {
    const r = await page.evaluate(() => {
      const pc = window.h.session.connection;
      const mids = window.h.session.tracks;
      const midOf = (kind: string) => Object.entries(mids).find(([, k]) => k === kind)![0];
      const section = (sdp: string, mid: string) => {
        const parts = sdp.split(/\r\n(?=m=)/);
        const m = parts.find((p) => p.includes(`\r\na=mid:${mid}\r\n`))!;
        const pts = m.split('\r\n')[0]!.split(' ').slice(3);
        const name = (pt: string) => /a=rtpmap:(\d+) ([^/]+)/.exec(m.split('\r\n').find((l) => l.startsWith(`a=rtpmap:${pt} `)) ?? '')?.[2]?.toLowerCase();
        return pts.map(name);
      };
      const sender = (kind: string) => pc.getTransceivers().find((t) => t.mid === midOf(kind))!.sender;
      const steth = midOf('stethoscope');
      const voice = midOf('voice');
      return {
        offer: section(window.h.doctor.offers[0]!.sdp, steth).slice(0, 2),
        local: section(pc.localDescription!.sdp, steth).slice(0, 2),
        remote: section(pc.remoteDescription!.sdp, steth).slice(0, 2),
        voiceRemote: section(pc.remoteDescription!.sdp, voice)[0],
        opusRemote: window.h.opusParams(pc.remoteDescription!.sdp, steth),
        stethSends: sender('stethoscope').getParameters().codecs[0]?.mimeType,
        voiceSends: sender('voice').getParameters().codecs[0]?.mimeType,
      };
    });
    expect(r.offer).toEqual(['red', 'opus']);
    expect(r.local).toEqual(['red', 'opus']);
    expect(r.remote).toEqual(['red', 'opus']);
    expect(r.voiceRemote).toBe('opus');
    // The Opus payload of that m-section keeps the stethoscope's settings (applied to what is received).
    expect(r.opusRemote).toMatchObject({ stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000', useinbandfec: '1', usedtx: '0' });
    expect(r.stethSends?.toLowerCase()).toBe('audio/red');
    expect(r.voiceSends?.toLowerCase()).toBe('audio/opus');
  });

  it('a bandwidth level applied to the live senders shows in their parameters, and full lifts it again', async () => {
    const read = () =>
      page.evaluate(() => {
        const pc = window.h.session.connection;
        const enc = (kind: string) => {
          const mid = Object.entries(window.h.session.tracks).find(([, k]) => k === kind)![0];
          const p = pc.getTransceivers().find((t) => t.mid === mid)!.sender.getParameters();
          const e = p.encodings[0]!;
          return { active: e.active, scale: e.scaleResolutionDownBy, fps: e.maxFramerate, bitrate: e.maxBitrate, pref: p.degradationPreference };
        };
        return { camera: enc('camera'), otoscope: enc('otoscope'), stethoscope: enc('stethoscope'), voice: enc('voice') };
      });
    const apply = (level: string) =>
      page.evaluate(async (l) => {
        const pc = window.h.session.connection;
        const sender = (kind: string) => pc.getTransceivers().find((t) => window.h.session.tracks[t.mid ?? ''] === kind)!.sender;
        return window.h.applyLevel({ camera: sender('camera'), otoscope: sender('otoscope'), voice: sender('voice'), stethoscope: sender('stethoscope') }, l as 'full');
      }, level);
    const before = await read();
    expect(await apply('reduced')).toEqual([]);
    let r = await read();
    expect(r.camera).toMatchObject({ active: true, scale: 2, fps: 15, bitrate: undefined });
    expect(r.otoscope).toMatchObject({ active: true, scale: before.otoscope.scale, fps: undefined, pref: 'maintain-resolution' });
    expect(await apply('low')).toEqual([]);
    r = await read();
    expect(r.camera).toMatchObject({ active: true, scale: 2, fps: 8, bitrate: 100_000 });
    expect(r.otoscope).toMatchObject({ scale: before.otoscope.scale, fps: undefined, bitrate: 250_000 });
    expect(await apply('minimal')).toEqual([]);
    r = await read();
    expect(r.camera.active).toBe(false);
    // The otoscope's live picture paused (it comes back slow and small), the voice and, last, the stethoscope's bitrate capped.
    expect(r.otoscope).toMatchObject({ active: false, scale: before.otoscope.scale, fps: 2, bitrate: 40_000, pref: 'maintain-resolution' });
    expect(r.voice).toMatchObject({ bitrate: 16_000 });
    expect(r.stethoscope).toMatchObject({ active: true, bitrate: 32_000 });
    expect(await apply('full')).toEqual([]);
    r = await read();
    expect(r.stethoscope).toEqual(before.stethoscope);
    expect(r.voice).toEqual(before.voice);
    expect(r.camera).toMatchObject({ active: true, scale: 1, fps: undefined, bitrate: undefined });
    expect(r.otoscope).toMatchObject({ active: true, scale: before.otoscope.scale, fps: undefined, bitrate: undefined });
    // On loopback the link is good: the call's own monitor reads a real estimate and stays at full.
    const sample = await page.evaluate(async () => window.h.sampleOf(await window.h.session.connection.getStats()));
    expect(sample.availableOutgoingBitrate).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.h.session.link)).toBe('full');
  });

  it('fresh TURN credentials go to the live connection (setConfiguration), never a new one; the policy is kept', async () => {
    const r = await page.evaluate(() => {
      const before = window.h.session.connection;
      const servers = [{ urls: 'turn:127.0.0.1:3478?transport=udp', username: '1900000000:c1', credential: 'fresh' }];
      window.h.session.setIceServers(servers);
      const after = window.h.session.connection;
      const c = after.getConfiguration();
      return { same: before === after, iceServers: c.iceServers, policy: c.iceTransportPolicy, state: after.connectionState };
    });
    expect(r.same).toBe(true);
    expect(r.iceServers).toEqual([{ urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1900000000:c1', credential: 'fresh' }]);
    expect(r.policy).toBe('all');
    expect(r.state).toBe('connected');
  });

  it("the doctor's camera arrives and is reported to the screen", async () => {
    await until(() => page.evaluate(() => window.h.views.some((v) => v.remoteVideo && v.rtc === 'connected')), 'remote video');
  });

  it('waveforms go out as declared telemetry streams, readings as observations, commands are relayed', async () => {
    await page.evaluate(() => {
      const t = Date.now();
      window.h.emit('waveform', { deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_PLETH', rate: 60, samples: [10, 20, 30], t });
      window.h.emit('reading', window.h.reading('o3', 96));
      window.h.doctor.send({ type: 'command', id: 'c1', deviceId: 'bp@sim', name: 'measure' });
    });
    await until(() => page.evaluate(() => window.h.doctor.frames.length > 0), 'a telemetry frame');
    const decl = (await received('stream'))[0]!;
    expect(decl).toMatchObject({ stream: 0, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_PLETH', rate: 60 });
    expect(await page.evaluate(() => window.h.doctor.frames[0])).toEqual({ stream: 0, index: 0, samples: [10, 20, 30] });
    await until(async () => (await received('observation')).some((m) => m.id === 'o3'), 'o3');
    await until(async () => (await received('command-result')).length > 0, 'command result');
    expect((await received('command-result'))[0]).toEqual({ type: 'command-result', id: 'c1', ok: true });
    const s = await page.evaluate(() => window.h.stats());
    expect(s.framesSent).toBeGreaterThan(0);
    expect(s.samplesSent).toBe(3);
    expect(s.telemetryBytes).toBeGreaterThan(3);
    expect(s.eventsBytes).toBeGreaterThan(0);
  });

  it('a snapshot request brings a full-resolution JPEG in pieces, stored through main', async () => {
    await page.evaluate(() => window.h.doctor.send({ type: 'snapshot-request', id: 'snap1' }));
    await until(async () => (await received('command-result')).some((m) => m.id === 'snap1'), 'snapshot result', 15_000);
    const pieces = (await received('snapshot')) as unknown as { seq: number; total: number; width: number; height: number; data: string }[];
    expect(pieces.length).toBeGreaterThan(0);
    expect(pieces.map((p) => p.seq)).toEqual([...pieces.keys()]);
    expect(pieces[0]!.total).toBe(pieces.length);
    expect([pieces[0]!.width, pieces[0]!.height]).toEqual([640, 480]);
    const jpeg = Buffer.concat(pieces.map((p) => Buffer.from(p.data, 'base64')));
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const begin = await page.evaluate(() => window.h.calls.find((c) => c.name === 'media:begin')?.input);
    expect(begin).toEqual({ kind: 'otoscope-snapshot', mime: 'image/jpeg', width: 640, height: 480, bytes: jpeg.length });
  });

  it('when the doctor reloads (new pc id), the cabin rebuilds its connection and replays the outbox', async () => {
    await page.evaluate(() => {
      (window as unknown as { oldConnection: RTCPeerConnection }).oldConnection = window.h.session.connection;
      window.h.addPending(window.h.reading('o4', 95));
      window.h.reloadDoctor();
    });
    await until(
      () => page.evaluate(() => window.h.session.connection !== (window as unknown as { oldConnection: RTCPeerConnection }).oldConnection && window.h.session.connection.connectionState === 'connected'),
      'reconnected with a new pc',
    );
    await until(async () => (await received('observation')).some((m) => m.id === 'o4'), 'o4 replayed');
    const types = await page.evaluate(() => window.h.doctor.received.map((m) => m.type));
    expect(types.slice(0, 3)).toEqual(['devices', 'session', 'stream']);
    expect(await page.evaluate(() => (window as unknown as { oldConnection: RTCPeerConnection }).oldConnection.signalingState)).toBe('closed');
    expect(await page.evaluate(() => window.h.doctor.cabinPcs.size)).toBe(1);
  });

  it('when the cabin page reloads mid-call, the new page connects with a new pc and every unacknowledged observation arrives', async () => {
    const before = await page.evaluate(() => window.h.doctor.id);
    await page.evaluate(() => {
      window.h.addPending(window.h.reading('o5', 94));
      window.h.reloadCabin();
    });
    await until(() => page.evaluate((id) => window.h.doctor.id !== id && window.h.session.connection.connectionState === 'connected', before), 'reconnected after the cabin reload');
    await until(async () => (await received('observation')).some((m) => m.id === 'o5'), 'o5 replayed');
    await until(() => page.evaluate(() => window.h.pending.length === 0), 'outbox empty');
    expect(await page.evaluate(() => window.h.doctor.cabinPcs.size)).toBe(1);
    expect(errors).toEqual([]);
  });
});
