import { describe, expect, it } from 'vitest';
import { opusParams, setOpusParams, setOpusPtime, STETHOSCOPE_OPUS } from '../../src/shared/sdp.ts';
import { Negotiator } from '../../src/renderer/call/negotiation.ts';

// The shape of a Chromium offer: camera video (mid 0), voice (mid 1), stethoscope (mid 2).
const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:2',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  '',
].join('\r\n');

describe('stethoscope Opus munging', () => {
  it('sets stereo, bitrate and no DTX on the stethoscope m-section only, keeping the other parameters', () => {
    const out = setOpusParams(SDP, ['2']);
    expect(opusParams(out, '2')).toEqual({ minptime: '10', useinbandfec: '1', stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000', usedtx: '0' });
    expect(opusParams(out, '1')).toEqual({ minptime: '10', useinbandfec: '1' });
    expect(out).toContain('a=fmtp:63 111/111');
    expect(Number(opusParams(out, '2')!.maxaveragebitrate)).toBeGreaterThanOrEqual(32_000);
    expect(STETHOSCOPE_OPUS.usedtx).toBe(0);
  });

  it('is idempotent and leaves an SDP without that mid unchanged', () => {
    const once = setOpusParams(SDP, ['2']);
    expect(setOpusParams(once, ['2'])).toBe(once);
    expect(opusParams(setOpusParams(once, ['2']), '2')).toEqual(opusParams(once, '2'));
    expect(setOpusParams(SDP, ['7'])).toBe(SDP);
    expect(setOpusParams(SDP, [])).toBe(SDP);
  });

  it('adds an fmtp line when the Opus payload has none', () => {
    const bare = SDP.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '').replace(/a=mid:2[\s\S]*$/, (m) => m.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', ''));
    const out = setOpusParams(bare, ['2']);
    expect(opusParams(out, '2')).toMatchObject({ stereo: '1', 'sprop-stereo': '1' });
  });

  it('sets 60 ms Opus frames on every audio m-section (voice and stethoscope), keeping the stethoscope settings and the video alone', () => {
    const out = setOpusPtime(setOpusParams(SDP, ['2']), 60);
    expect(opusParams(out, '1')).toEqual({ minptime: '10', useinbandfec: '1', ptime: '60' });
    expect(opusParams(out, '2')).toMatchObject({ ...Object.fromEntries(Object.entries(STETHOSCOPE_OPUS).map(([k, v]) => [k, String(v)])), ptime: '60' });
    expect(out).toContain('a=rtpmap:96 VP8/90000');
    expect(out).not.toMatch(/a=fmtp:96/);
    expect(setOpusPtime(out, 60)).toBe(setOpusPtime(out, 60));
  });

  it("the kiosk's negotiator sets the link level's frame length in what it sends and what it applies, and none when it has none", async () => {
    const applied: string[] = [];
    const sent: string[] = [];
    let ptime: number | undefined = 60;
    const pc = {
      signalingState: 'stable',
      async setLocalDescription() {
        this.signalingState = 'have-local-offer';
      },
      localDescription: { type: 'offer', sdp: SDP },
      setRemoteDescription: async (d: RTCSessionDescriptionInit) => void applied.push(d.sdp!),
      addIceCandidate: async () => {},
    };
    const n = new Negotiator(pc as never, {
      pcId: 'p1',
      polite: false,
      send: (d) => d.description && sent.push(d.description.sdp ?? ''),
      tracks: () => ({}),
      stethoscopeMids: () => ['2'],
      audioPtimeMs: () => ptime,
      onError: () => {},
    });
    await n.onNegotiationNeeded();
    expect(opusParams(sent[0]!, '1')?.ptime).toBe('60');
    expect(opusParams(sent[0]!, '2')?.ptime).toBe('60');
    ptime = undefined;
    await n.onRemote({ pc: 'd1', description: { type: 'answer', sdp: SDP } });
    expect(applied).toHaveLength(1);
    expect(opusParams(applied[0]!, '1')?.ptime).toBeUndefined();
    expect(opusParams(applied[0]!, '2')).toMatchObject({ stereo: '1' });
  });
});
