import { beforeEach, describe, expect, it, vi } from 'vitest';
import { utilityHostLauncher } from '../../../src/main/electron/utility-host.ts';
import { resetFakeElectron, utilityProcess } from './fake-electron.ts';

beforeEach(() => resetFakeElectron());

describe('utilityProcess device host', () => {
  it('forks the bundled host with its devices config and relays messages both ways', () => {
    const launch = utilityHostLauncher(utilityProcess.fork as never, '/app/dist/electron/device-host.js', { simulate: [{ driver: 'x' }] });
    const host = launch();
    const [{ modulePath, options, child }] = utilityProcess.children as [(typeof utilityProcess.children)[number]];
    expect(modulePath).toBe('/app/dist/electron/device-host.js');
    expect((options?.env as Record<string, string>).CABIN_DEVICES_CONFIG).toBe('{"simulate":[{"driver":"x"}]}');
    host.send({ type: 'shutdown' });
    expect(child.postMessage).toHaveBeenCalledWith({ type: 'shutdown' });
    const onMessage = vi.fn();
    const onExit = vi.fn();
    host.onMessage(onMessage);
    host.onExit(onExit);
    child.emit('message', { type: 'log', level: 'info', message: 'hi' });
    expect(onMessage).toHaveBeenCalledWith({ type: 'log', level: 'info', message: 'hi' });
    child.emit('exit', 3);
    expect(onExit).toHaveBeenCalledWith(3);
    // A dead host is neither written to nor killed.
    host.send({ type: 'shutdown' });
    host.kill();
    expect(child.postMessage).toHaveBeenCalledTimes(1);
    expect(child.kill).not.toHaveBeenCalled();
  });

  it('kills a running host', () => {
    const host = utilityHostLauncher(utilityProcess.fork as never, '/h.js', {})();
    host.kill();
    expect(utilityProcess.children[0]?.child.kill).toHaveBeenCalled();
  });
});
