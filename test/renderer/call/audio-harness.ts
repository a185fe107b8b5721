/**
 * Runs in Chromium (bundled by audio-browser.test.ts): the cabin's AudioReadings and the doctor's AudioReadingsIn with
 * the real worker and Chromium's RTCRtpScriptTransform, on two peer connections in one page, the voice a tone.
 */
import { AudioReadings, browserCarrier } from '../../../src/renderer/call/audio-readings.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import { AudioReadingsIn, browserCarrierIn } from '../../../src/doctor/call/audio-readings.ts';
import type { Reading } from '../../../src/shared/bridge.ts';
import type { FromCarrier } from '../../../src/browser/audio-readings-worker.ts';
import type { CarrierPort } from '../../../src/browser/carrier.ts';

/** A page's carrier worker as src/browser/carrier.ts makes it, from a URL this test serves (one per side, as two pages). */
function port(url: string): CarrierPort {
  const worker = new Worker(url, { type: 'module' });
  let alive = false;
  let listener: ((items: ArrayBuffer[]) => void) | undefined;
  worker.onmessage = (e: MessageEvent<FromCarrier>) => {
    if (e.data.type === 'hello') alive = true;
    else listener?.(e.data.items);
  };
  return {
    get alive() {
      return alive;
    },
    post: (m, t = []) => worker.postMessage(m, t),
    listen: (fn) => void (listener = fn),
    worker,
  };
}

export async function start(workerUrl: string) {
  const cabin = new RTCPeerConnection();
  const doctor = new RTCPeerConnection();
  cabin.onicecandidate = (e) => e.candidate && void doctor.addIceCandidate(e.candidate);
  doctor.onicecandidate = (e) => e.candidate && void cabin.addIceCandidate(e.candidate);
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = 440;
  const dst = ctx.createMediaStreamDestination();
  osc.connect(dst);
  osc.start();
  const stats = newStats();
  const received: string[] = [];
  const cabinPort = port(workerUrl);
  const doctorPort = port(workerUrl);
  // The apps start their worker when they load, long before a call (warmCarrier).
  while (!cabinPort.alive || !doctorPort.alive) await new Promise((r) => setTimeout(r, 10));
  const audio = new AudioReadings({ carrier: () => cabinPort, transform: browserCarrier.transform, stats });
  let ready = false;
  const audioIn = new AudioReadingsIn({
    carrier: () => doctorPort,
    transform: browserCarrierIn.transform,
    onObservations: (list) => received.push(...list.map((o) => o.id)),
    log: (m) => console.error(m),
  });
  const t = cabin.addTransceiver(dst.stream.getAudioTracks()[0]!, { direction: 'sendonly' });
  audio.carryOn(t.sender);
  doctor.ontrack = (e) => {
    ready = audioIn.watch(doctor, () => true);
    const el = new Audio();
    el.srcObject = new MediaStream([e.track]);
    void el.play().catch(() => {});
  };
  await cabin.setLocalDescription();
  await doctor.setRemoteDescription(cabin.localDescription!);
  await doctor.setLocalDescription();
  await cabin.setRemoteDescription(doctor.localDescription!);
  const reading = (id: string): Reading => ({ id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: Date.now() });
  return {
    get ready() {
      return ready;
    },
    received,
    stats,
    connected: () => cabin.connectionState === 'connected',
    /** Whether the cabin's voice sender is behind the transform. */
    transformed: () => t.sender.transform !== null,
    setReady: (on: boolean) => audio.setReady(on),
    send: (id: string) => audio.observation(reading(id)),
    async inbound() {
      let out = { packets: 0, samples: 0, concealed: 0, energy: 0 };
      (await doctor.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') out = { packets: s.packetsReceived, samples: s.totalSamplesReceived, concealed: s.concealedSamples, energy: s.totalAudioEnergy };
      });
      return out;
    },
    async bytesSent() {
      let n = 0;
      (await cabin.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'audio') n = s.bytesSent;
      });
      return n;
    },
  };
}

(window as unknown as { audioHarness: { start: typeof start } }).audioHarness = { start };
