import { describe, expect, it } from 'vitest';
import { opusParams, setOpusParams, STETHOSCOPE_OPUS } from '../../src/shared/sdp.ts';

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
});
