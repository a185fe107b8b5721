import { DRIVERS } from '../../../drivers/index.ts';
import type { HostMessage } from '../../shared/device-host.ts';
import type { DevicesConfig } from '../config.ts';
import { matchPort } from '../discovery/match.ts';
import { probe } from '../discovery/probe.ts';
import { createDeviceManager, machineLister, simulatedPorts, transportFactory } from '../host.ts';
import { CliError, untilStopped, writeOut } from './common.ts';

/** `list`: the ports seen now, with the driver each would get and why (`--probe` settles shared ids). */
export async function listCommand(config: DevicesConfig, json: boolean, doProbe: boolean): Promise<number> {
  const warnings: string[] = [];
  const lister = machineLister(DRIVERS, config, (w) => warnings.push(w));
  const ports = [...(await lister()), ...simulatedPorts(config)];
  const rows = [];
  for (const port of ports) {
    const m = matchPort(port, DRIVERS, config);
    let driver = m.candidates.length === 1 ? m.candidates[0]!.manifest.id : null;
    let reason = m.reason;
    if (doProbe && m.candidates.length > 1) {
      const r = await probe(port, m.candidates, transportFactory(config));
      driver = r.driver?.manifest.id ?? null;
      reason = `${reason} → ${r.tried.join('; ')}`;
    }
    rows.push({ ...port, driver, candidates: m.candidates.map((c) => c.manifest.id), reason });
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (json) {
    await writeOut(JSON.stringify(rows, null, 2) + '\n');
  } else if (rows.length === 0) {
    await writeOut('No serial or known HID ports seen. Plug a device in, or map a port in the cabin config.\n');
  } else {
    for (const r of rows) {
      const ids = r.vendorId ? `${r.vendorId}:${r.productId ?? '????'}` : '         ';
      await writeOut(`${r.path}\t${r.kind}\t${ids}\t${r.driver ?? (r.candidates.length ? 'probe needed' : '-')}\t${r.reason}\n`);
    }
  }
  return 0;
}

/** `watch`: live decoded events, one JSON message per line, from all detected devices or a chosen one. */
export async function watchCommand(
  config: DevicesConfig,
  filter: { port?: string; driver?: string },
  seconds?: number,
): Promise<number> {
  if (filter.port !== undefined && filter.driver !== undefined && !config.ports.some((p) => p.path === filter.port)) {
    // A port named on the command line with its driver needs no USB identity.
    config = { ...config, ports: [...config.ports, { path: filter.port, driver: filter.driver }] };
  }
  const manager = createDeviceManager(DRIVERS, config, {
    filter,
    onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
  });
  let fatal: string | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  manager.onMessage((m: HostMessage) => {
    if (m.type === 'log') {
      process.stderr.write(`${m.level}: ${m.message}\n`);
      return;
    }
    void writeOut(JSON.stringify(m) + '\n');
    // Watching one named port: a port that cannot be opened or goes away is an error, not something to wait for.
    if (filter.port === undefined) return;
    if (m.type === 'link' && m.state === 'error') fatal = m.detail ?? `Cannot open ${filter.port}.`;
    else if (m.type === 'link' && m.state === 'reconnecting') fatal = `Port ${filter.port} vanished: ${m.detail ?? 'the device went away'}.`;
    else if (m.type === 'detached') fatal = `Port ${filter.port} vanished (${m.reason}).`;
    if (fatal) stop();
  });
  await manager.start();
  // Ports whose USB ids several drivers share are probed first: wait for the decision.
  await manager.settled();
  if (filter.port !== undefined && manager.devices().length === 0 && !fatal) {
    const configured = config.ports.find((p) => p.path === filter.port);
    await manager.stop();
    throw new CliError(
      configured
        ? `Port ${filter.port} does not exist: check that the device is plugged in, or the path.`
        : `No driver recognised ${filter.port}: give --driver ID, or map the port in the cabin config.`,
    );
  }
  process.stderr.write('watching; Ctrl-C to stop\n');
  await untilStopped(seconds, stopped);
  await manager.stop();
  if (fatal) throw new CliError(fatal);
  return 0;
}
