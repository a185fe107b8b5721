import { describe, expect, it } from 'vitest';
import { doctorTracks, MediaMap, sameMedia, type TrackLike, type TransceiverLike } from '../../src/doctor/call/media-map.ts';

const tr = (mid: string | null, track: TrackLike | null, currentDirection: string | null = 'recvonly', direction = 'recvonly'): TransceiverLike => ({ mid, direction, currentDirection, receiver: { track } });
const track = (id: string, readyState = 'live'): TrackLike => ({ id, readyState });

describe('the cabin tracks by mid', () => {
  it('maps each named mid to its stream; ignores our own mids, sendonly ones, unnamed and ended tracks', () => {
    const m = new MediaMap<{ of: string }, TrackLike>((t) => ({ of: t.id }));
    const media = m.map(
      [tr('0', track('cam')), tr('1', track('voice')), tr('2', track('steth'), 'sendrecv'), tr('3', track('oto')), tr('4', track('mine'), 'sendonly'), tr('5', track('dv')), tr('6', track('x')), tr('7', track('gone', 'ended')), tr(null, track('nomid'))],
      { '0': 'camera', '1': 'voice', '2': 'stethoscope', '3': 'otoscope', '4': 'doctor-camera', '5': 'doctor-voice', '7': 'camera' },
    );
    expect(media).toEqual({ camera: { of: 'cam' }, voice: { of: 'voice' }, stethoscope: { of: 'steth' }, otoscope: { of: 'oto' } });
  });

  it('before the direction is negotiated, uses the transceiver direction', () => {
    const m = new MediaMap<{ of: string }, TrackLike>((t) => ({ of: t.id }));
    expect(m.map([tr('0', track('a'), null, 'recvonly'), tr('1', track('b'), null, 'sendonly')], { '0': 'camera', '1': 'voice' })).toEqual({ camera: { of: 'a' } });
  });

  it('keeps one stream per track across renegotiations (a video is not reset); clear() starts over', () => {
    let made = 0;
    const m = new MediaMap<{ n: number }, TrackLike>(() => ({ n: ++made }));
    const a = m.map([tr('0', track('cam'))], { '0': 'camera' });
    const b = m.map([tr('0', track('cam'))], { '0': 'camera' });
    expect(a.camera).toBe(b.camera);
    expect(sameMedia(a, b)).toBe(true);
    m.clear();
    const c = m.map([tr('0', track('cam'))], { '0': 'camera' });
    expect(sameMedia(a, c)).toBe(false);
    expect(sameMedia(a, {})).toBe(false);
  });

  it('names our own mids for the cabin', () => {
    expect(doctorTracks([{ mid: '4', sender: { track: { kind: 'video' } } }, { mid: '5', sender: { track: { kind: 'audio' } } }, { mid: null, sender: { track: { kind: 'audio' } } }, { mid: '6', sender: { track: null } }])).toEqual({ '4': 'doctor-camera', '5': 'doctor-voice' });
    expect(doctorTracks([])).toBeUndefined();
  });
});
