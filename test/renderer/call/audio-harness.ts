/**
 * Runs in Chromium (bundled by audio-browser.test.ts): the cabin's AudioReadings and the doctor's AudioReadingsIn with
 * the real worker and Chromium's RTCRtpScriptTransform, on two peer connections in one page, the voice a tone.
 */
import { AudioReadings, browserCarrier } from '../../../src/renderer/call/audio-readings.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import { AudioReadingsIn, browserCarrierIn } from '../../../src/doctor/call/audio-readings.ts';
import type { Reading } from '../../../src/shared/bridge.ts';

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
  const audio = new AudioReadings({ worker: () => new Worker(workerUrl, { type: 'module' }), transform: browserCarrier.transform, stats });
  const audioIn = new AudioReadingsIn({
    worker: () => new Worker(workerUrl, { type: 'module' }),
    transform: browserCarrierIn.transform,
    onObservations: (list) => received.push(...list.map((o) => o.id)),
    log: (m) => console.error(m),
  });
  const t = cabin.addTransceiver(dst.stream.getAudioTracks()[0]!, { direction: 'sendonly' });
  audio.carryOn(t.sender);
  let ready = false;
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
