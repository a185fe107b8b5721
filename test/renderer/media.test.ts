import { describe, expect, it } from 'vitest';
import { labelMatches, pickMediaDevices, type MediaDeviceLike } from '../../src/renderer/media/match.ts';
import { processingLeftOn, RAW_AUDIO } from '../../src/renderer/media/raw-audio.ts';

const dev = (kind: string, deviceId: string, label: string): MediaDeviceLike => ({ kind, deviceId, label });
const devices = [
  dev('audioinput', 'default', 'Default - Thinklabs One Digital Stethoscope (1d6b:0104)'),
  dev('audioinput', 'mic1', 'Built-in Audio Analog Stereo'),
  dev('audioinput', 'steth', 'Thinklabs One Digital Stethoscope (1d6b:0104)'),
  dev('videoinput', 'cam', 'Logitech HD Webcam C920 (046d:082d)'),
  dev('videoinput', 'oto', 'Firefly DE500 Otoscope (1234:5678)'),
  dev('audiooutput', 'spk', 'Built-in Audio Analog Stereo'),
];

describe('media device picking by label', () => {
  it('matches a case-insensitive substring; an empty label matches nothing', () => {
    expect(labelMatches('Thinklabs One', 'thinklabs')).toBe(true);
    expect(labelMatches('Thinklabs One', '  ')).toBe(false);
    expect(labelMatches('Thinklabs One', undefined)).toBe(false);
  });

  it('picks each configured device, preferring the real device over the "default" alias', () => {
    const pick = pickMediaDevices(devices, { camera: 'c920', stethoscope: 'Thinklabs', otoscope: 'otoscope' });
    expect(pick.camera?.deviceId).toBe('cam');
    expect(pick.stethoscope?.deviceId).toBe('steth');
    expect(pick.otoscope?.deviceId).toBe('oto');
  });

  it('never takes an ordinary microphone for the stethoscope, nor any camera for the otoscope', () => {
    const pick = pickMediaDevices(devices, {});
    expect(pick.stethoscope).toBeUndefined();
    expect(pick.otoscope).toBeUndefined();
    expect(pick.camera?.deviceId).toBe('cam');
  });

  it('without a camera label, the camera is the first video input that is not the otoscope', () => {
    const reordered = [devices[4]!, devices[3]!];
    expect(pickMediaDevices(reordered, { otoscope: 'Firefly' }).camera?.deviceId).toBe('cam');
  });

  it('a configured device that is not plugged in is simply absent', () => {
    const pick = pickMediaDevices(devices, { stethoscope: 'Eko', otoscope: 'Welch' });
    expect(pick).toEqual({ camera: devices[3] });
    expect(pickMediaDevices([], { camera: 'x' })).toEqual({});
  });
});

describe('raw stethoscope audio', () => {
  it('asks for every voice processing off', () => {
    expect(RAW_AUDIO).toEqual({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
  });

  it('reports the processing a track left on or did not report', () => {
    expect(processingLeftOn({ echoCancellation: false, noiseSuppression: false, autoGainControl: false })).toEqual([]);
    expect(processingLeftOn({ echoCancellation: true, noiseSuppression: false, autoGainControl: false })).toEqual(['echoCancellation']);
    expect(processingLeftOn({ echoCancellation: false })).toEqual(['noiseSuppression', 'autoGainControl']);
  });
});
