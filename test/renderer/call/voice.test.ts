import { describe, expect, it } from 'vitest';
import { pickMediaDevices, pickVoiceDevice, type MediaDeviceLike } from '../../../src/renderer/media/match.ts';

const dev = (kind: string, deviceId: string, label: string, groupId: string): MediaDeviceLike => ({ kind, deviceId, label, groupId });

describe('voice microphone', () => {
  it("is the camera's own microphone when it has one", () => {
    const devices = [
      dev('audioinput', 'default', 'Default - Built-in', 'g-builtin'),
      dev('audioinput', 'builtin', 'Built-in', 'g-builtin'),
      dev('audioinput', 'c920mic', 'HD Webcam C920 Microphone', 'g-cam'),
      dev('audioinput', 'steth', 'Thinklabs One', 'g-steth'),
      dev('videoinput', 'cam', 'HD Webcam C920', 'g-cam'),
    ];
    const pick = pickMediaDevices(devices, { camera: 'C920', stethoscope: 'Thinklabs' });
    expect(pickVoiceDevice(devices, pick)?.deviceId).toBe('c920mic');
  });

  it('else the default input, else the first one, never the stethoscope even when it is the default', () => {
    const devices = [
      dev('audioinput', 'default', 'Default - Thinklabs One', 'g-steth'),
      dev('audioinput', 'steth', 'Thinklabs One', 'g-steth'),
      dev('audioinput', 'builtin', 'Built-in', 'g-builtin'),
      dev('videoinput', 'cam', 'Camera', 'g-cam'),
    ];
    const pick = pickMediaDevices(devices, { stethoscope: 'Thinklabs' });
    expect(pickVoiceDevice(devices, pick)?.deviceId).toBe('builtin');
    const withDefault = [dev('audioinput', 'default', 'Default - Built-in', 'g-builtin'), ...devices.slice(1)];
    expect(pickVoiceDevice(withDefault, pickMediaDevices(withDefault, { stethoscope: 'Thinklabs' }))?.deviceId).toBe('default');
  });

  it('is absent when the only microphone is the stethoscope', () => {
    const devices = [dev('audioinput', 'default', 'Default - Thinklabs One', 'g-steth'), dev('audioinput', 'steth', 'Thinklabs One', 'g-steth')];
    expect(pickVoiceDevice(devices, pickMediaDevices(devices, { stethoscope: 'Thinklabs' }))).toBeUndefined();
  });
});
