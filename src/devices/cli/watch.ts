import { BLE_DRIVERS, DRIVERS } from '../../../drivers/index.ts';
import type { HostMessage } from '../../shared/device-host.ts';
import type { DevicesConfig } from '../config.ts';
import { matchPort } from '../discovery/match.ts';
import { probe } from '../discovery/probe.ts';
import { createDeviceManager, machineLister, simulatedPorts, transportFactory } from '../host.ts';
import { scanBle, systemCentral, type BleScan } from './ble.ts';
import { CliError, isBle, requireDriver, untilStopped, writeOut } from './common.ts';

/**
 * `list`: the ports seen now, with the driver each would get and why (`--probe` settles shared ids), then the Bluetooth
 * LE devices heard during a scan of `bleSeconds` (or one line saying why Bluetooth cannot be used).
 */
export async function listCommand(config: DevicesConfig, json: boolean, doProbe: boolean, bleSeconds: number): Promise<number> {
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
  const ble: BleScan = config.bluetooth.enabled
    ? await scanBle(bleSeconds)
    : { available: false, detail: 'switched off in the cabin config (devices.bluetooth.enabled)' };
  if (json) {
    await writeOut(JSON.stringify({ ports: rows, bluetooth: ble }, null, 2) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    await writeOut('No serial or known HID ports seen. Plug a device in, or map a port in the cabin config.\n');
  } else {
    for (const r of rows) {
      const ids = r.vendorId ? `${r.vendorId}:${r.productId ?? '????'}` : '         ';
      await writeOut(`${r.path}\t${r.kind}\t${ids}\t${r.driver ?? (r.candidates.length ? 'probe needed' : '-')}\t${r.reason}\n`);
    }
  }
  if (!ble.available) {
    await writeOut(`Bluetooth LE not available: ${ble.detail}\n`);
  } else if (ble.devices.length === 0) {
    await writeOut(`No Bluetooth LE device heard in ${ble.seconds} s.\n`);
  } else {
    for (const d of ble.devices) {
      const signal = d.rssi === null ? 'not heard' : `${d.rssi} dBm`;
      const state = [d.paired ? 'paired' : 'not paired', ...(d.connected ? ['connected'] : [])].join(', ');
      await writeOut(`ble:${d.address}\t${d.name ?? '(no name)'}\t${signal}\t${state}\t${d.driver ?? '-'}\t${d.reason}\n`);
    }
  }
  return 0;
}

/**
 * `watch`: live decoded events, one JSON message per line, from all detected devices or a chosen one. Bluetooth LE
 * devices are connected as they advertise, every one a BLE driver recognises (the CLI is for technicians: nothing
 * needs assigning first); `--driver` narrows to one driver, `--address` to one device.
 */
export async function watchCommand(
  config: DevicesConfig,
  filter: { port?: string; driver?: string; address?: string },
  seconds?: number,
): Promise<number> {
  const chosen = filter.driver !== undefined ? requireDriver(filter.driver) : undefined;
  const bleOnly = chosen !== undefined && isBle(chosen);
  if (filter.port !== undefined && bleOnly) throw new CliError(`${chosen.manifest.id} is a Bluetooth LE device: it has no port (use --address AA:BB:CC:DD:EE:FF).`, 2);
  if (filter.address !== undefined && !bleOnly && chosen !== undefined) throw new CliError('--address is for Bluetooth LE drivers.', 2);
  if (filter.port !== undefined && filter.driver !== undefined && !config.ports.some((p) => p.path === filter.port)) {
    // A port named on the command line with its driver needs no USB identity.
    config = { ...config, ports: [...config.ports, { path: filter.port, driver: filter.driver }] };
  }
  const warn = (w: string): void => void process.stderr.write(`warning: ${w}\n`);
  // Bluetooth too unless a port was named; BlueZ, or the config's simulated BLE devices (the demo's, tests').
  const useBle = filter.port === undefined && (bleOnly || chosen === undefined) && config.bluetooth.enabled;
  const simulatesBle = config.simulate.some((s) => BLE_DRIVERS.some((d) => d.manifest.id === s.driver));
  const central = useBle && !simulatesBle ? systemCentral(warn, filter.address) : undefined;
  const manager = createDeviceManager(DRIVERS, config, {
    filter: { ...(filter.port !== undefined ? { port: filter.port } : {}), ...(filter.driver !== undefined ? { driver: filter.driver } : {}) },
    onWarning: warn,
    ...(bleOnly ? { lister: async () => [] } : {}),
    ...(useBle ? { bleDrivers: BLE_DRIVERS, bleAssignAll: true, ...(central ? { bleCentral: central } : {}) } : {}),
  });
  let fatal: string | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  manager.onMessage((m: HostMessage) => {
    if (m.type === 'log') {
      process.stderr.write(`${m.level}: ${m.message}\n`);
      return;
    }
    if (m.type === 'ble-nearby' || m.type === 'ble-pairing') return;
    void writeOut(JSON.stringify(m) + '\n');
    // Watching one named port: a port that cannot be opened or goes away is an error, not something to wait for.
    if (filter.port === undefined) return;
    if (m.type === 'link' && m.state === 'error') fatal = m.detail ?? `Cannot open ${filter.port}.`;
    else if (m.type === 'link' && m.state === 'reconnecting') fatal = `Port ${filter.port} vanished: ${m.detail ?? 'the device went away'}.`;
    else if (m.type === 'detached') fatal = `Port ${filter.port} vanished (${m.reason}).`;
    if (fatal) stop();
  });
  await manager.start();
  await manager.bluetoothTried();
  if (bleOnly && central?.startError !== undefined) {
    await manager.stop();
    throw new CliError(`Bluetooth is not available: ${central.startError}`);
  }
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
  process.stderr.write(bleOnly ? `watching for ${chosen.manifest.id} devices as they advertise; Ctrl-C to stop\n` : 'watching; Ctrl-C to stop\n');
  await untilStopped(seconds, stopped);
  await manager.stop();
  if (fatal) throw new CliError(fatal);
  return 0;
}
