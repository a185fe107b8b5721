import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyIceConfig, IceRestartPolicy, sameIceConfig } from '../../src/browser/ice-restart.ts';

function setup() {
  const pc = { connectionState: 'new' as RTCPeerConnectionState, restarts: 0, restartIce() {
    this.restarts++;
  } };
  const incidents: string[] = [];
  const policy = new IceRestartPolicy({ pc: () => pc, incident: (d) => incidents.push(d), log: () => undefined });
  const go = (s: RTCPeerConnectionState) => {
    pc.connectionState = s;
    policy.changed(s);
  };
  return { pc, incidents, policy, go };
}

describe('ICE restart policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('disconnected for more than 4 s → one ICE restart; a shorter blip → none', () => {
    const a = setup();
    a.go('connected');
    a.go('disconnected');
    vi.advanceTimersByTime(3999);
    a.go('connected');
    vi.advanceTimersByTime(10_000);
    expect(a.pc.restarts).toBe(0);
    a.go('disconnected');
    vi.advanceTimersByTime(4000);
    expect(a.pc.restarts).toBe(1);
    expect(a.incidents).toEqual(['WebRTC connection disconnected for more than 4 s: ICE restart.']);
  });

  it('failed → a restart at once, then every 10 s while it stays failed, none once connected', () => {
    const a = setup();
    a.go('failed');
    expect(a.pc.restarts).toBe(1);
    vi.advanceTimersByTime(20_000);
    expect(a.pc.restarts).toBe(3);
    a.go('connected');
    vi.advanceTimersByTime(60_000);
    expect(a.pc.restarts).toBe(3);
    expect(a.incidents.slice(0, 2)).toEqual(['WebRTC connection failed: ICE restart.', 'WebRTC connection still failed: ICE restart.']);
  });

  it('without retries (the kiosk): one restart per failed reported, none while it stays failed', () => {
    const pc = { connectionState: 'failed' as RTCPeerConnectionState, restarts: 0, restartIce() {
      this.restarts++;
    } };
    const p = new IceRestartPolicy({ pc: () => pc, incident: () => undefined, log: () => undefined, retryWhileFailed: false });
    p.changed('failed');
    vi.advanceTimersByTime(60_000);
    expect(pc.restarts).toBe(1);
    p.changed('failed');
    expect(pc.restarts).toBe(2);
  });

  it('a restart that throws is logged, not fatal; clear() stops the timers', () => {
    const logs: string[] = [];
    const pc = { connectionState: 'failed' as RTCPeerConnectionState, restartIce: () => {
      throw new Error('closed');
    } };
    const p = new IceRestartPolicy({ pc: () => pc, incident: () => undefined, log: (m) => logs.push(m) });
    p.changed('failed');
    expect(logs[0]).toMatch(/closed/);
    p.clear();
    vi.advanceTimersByTime(60_000);
    expect(logs).toHaveLength(1);
  });
});

describe('new ICE servers on the live connection', () => {
  const stun = { urls: 'stun:hub.example:3478' };
  const turn = (cred: string) => ({ urls: ['turn:hub.example:3478?transport=udp'], username: '1700000000:d1', credential: cred });

  it('tells the same configuration from a changed one (credentials, urls, policy)', () => {
    expect(sameIceConfig({ iceServers: [stun, turn('a')] }, { iceServers: [{ urls: ['stun:hub.example:3478'] }, turn('a')], iceTransportPolicy: 'all' })).toBe(true);
    expect(sameIceConfig({ iceServers: [stun, turn('a')] }, { iceServers: [stun, turn('b')] })).toBe(false);
    expect(sameIceConfig({ iceServers: [stun] }, { iceServers: [stun, turn('a')] })).toBe(false);
    expect(sameIceConfig({ iceServers: [stun] }, { iceServers: [stun], iceTransportPolicy: 'relay' })).toBe(false);
  });

  it('applies a change with setConfiguration, keeping the rest of the configuration; the same servers do nothing', () => {
    const configs: RTCConfiguration[] = [];
    const pc = {
      getConfiguration: (): RTCConfiguration => ({ iceServers: [stun], bundlePolicy: 'max-bundle', iceTransportPolicy: 'all' }),
      setConfiguration: (c: RTCConfiguration) => void configs.push(c),
    };
    expect(applyIceConfig(pc, { iceServers: [stun] }, { iceServers: [stun] }, () => undefined)).toBe(false);
    expect(configs).toEqual([]);
    expect(applyIceConfig(pc, { iceServers: [stun] }, { iceServers: [stun, turn('x')] }, () => undefined)).toBe(true);
    expect(configs).toEqual([{ iceServers: [stun, turn('x')], bundlePolicy: 'max-bundle', iceTransportPolicy: 'all' }]);
  });

  it('a refused configuration is logged, not thrown', () => {
    const logs: string[] = [];
    const pc = {
      getConfiguration: (): RTCConfiguration => ({}),
      setConfiguration: () => {
        throw new Error('InvalidModificationError');
      },
    };
    expect(applyIceConfig(pc, { iceServers: [] }, { iceServers: [turn('y')] }, (m) => logs.push(m))).toBe(true);
    expect(logs[0]).toMatch(/InvalidModificationError/);
  });
});
