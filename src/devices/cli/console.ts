import { existsSync } from 'node:fs';
import { DRIVERS } from '../../../drivers/index.ts';
import { CATALOGUE } from '../../shared/catalogue.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import type { HostMessage } from '../../shared/device-host.ts';
import type { DevicesConfig } from '../config.ts';
import { matchPort } from '../discovery/match.ts';
import { createDeviceManager, machineLister } from '../host.ts';
import { readConfig, untilStopped, writeOut } from './common.ts';

/** One simulated device per category: what the demo shows when no hardware or config is present. */
export const DEMO_DEVICES = [
  { driver: 'contec-cms50-v7' },
  { driver: 'omron-hem790it' },
  { driver: 'welchallyn-suretemp' },
  { driver: 'tanita-serial' },
];

const BARS = '▁▂▃▄▅▆▇█';

function sparkline(samples: number[], width = 40): string {
  if (samples.length === 0) return '';
  const step = Math.max(1, Math.floor(samples.length / width));
  const picked = samples.filter((_, i) => i % step === 0).slice(-width);
  const lo = Math.min(...picked);
  const hi = Math.max(...picked);
  return picked.map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('');
}

/** One line of the live view for a device event; undefined for those it does not show (waveforms go to the sparkline). */
export function describe(e: DeviceEvent): string | undefined {
  const time = new Date().toLocaleTimeString('en-GB');
  if (e.kind === 'observation') {
    const name = CATALOGUE.get(e.code)?.names.en ?? e.code;
    // A special value (NaN, NRes…) is no number: said as the device gave it, never « undefined ».
    const value = e.value !== undefined ? `${e.value} ${e.unit}` : `no value (the device answered ${e.absent ?? 'nothing'})`;
    return `${time}  ${name}: ${value}${e.measurementId ? `  (measurement ${e.measurementId})` : ''}`;
  }
  if (e.kind === 'status') return `${time}  status: ${e.status}${e.detail ? ` (${e.detail})` : ''}`;
  return undefined;
}

/** `console`: a readable live view of the devices; the demo's simulated devices when there is nothing else. */
export async function consoleCommand(configFile: string | undefined, demo: boolean, seconds?: number): Promise<number> {
  const file = configFile ?? process.env.CABIN_CONFIG ?? (existsSync('cabin.json') ? 'cabin.json' : undefined);
  let config: DevicesConfig = readConfig(file);
  if (!demo && config.ports.length === 0 && config.simulate.length === 0) {
    const ports = await machineLister(DRIVERS, config)().catch(() => []);
    demo = !ports.some((p) => matchPort(p, DRIVERS, config).candidates.length > 0);
    if (demo) process.stderr.write('No medical device or cabin config found: starting the demo with simulated devices.\n');
  }
  if (demo) config = { ...config, simulate: DEMO_DEVICES };
  const manager = createDeviceManager(DRIVERS, config, { onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
  const names = new Map<string, string>();
  const pleth = new Map<string, number[]>();
  manager.onMessage((m: HostMessage) => {
    if (m.type === 'attached') {
      names.set(m.device.id, `${m.device.category} ${m.device.path}`.padEnd(34));
      void writeOut(`+ ${m.device.name} on ${m.device.path} (${m.device.reason})\n`);
    } else if (m.type === 'detached') {
      void writeOut(`- ${names.get(m.deviceId) ?? m.deviceId} ${m.reason}\n`);
    } else if (m.type === 'link' && m.state !== 'connected') {
      void writeOut(`  ${names.get(m.deviceId) ?? m.deviceId}: ${m.state}${m.detail ? ` — ${m.detail}` : ''}\n`);
    } else if (m.type === 'event') {
      if (m.event.kind === 'waveform') {
        pleth.set(m.deviceId, [...(pleth.get(m.deviceId) ?? []), ...m.event.samples].slice(-240));
        return;
      }
      const line = describe(m.event);
      if (line) void writeOut(`  ${names.get(m.deviceId) ?? m.deviceId}  ${line}\n`);
    } else if (m.type === 'log') {
      process.stderr.write(`${m.level}: ${m.message}\n`);
    }
  });
  const waves = setInterval(() => {
    for (const [id, s] of pleth) void writeOut(`  ${names.get(id) ?? id}  pleth ${sparkline(s)}\n`);
  }, 2000);
  await manager.start();
  process.stderr.write('Ctrl-C to stop\n');
  await untilStopped(seconds, new Promise(() => {}));
  clearInterval(waves);
  await manager.stop();
  return 0;
}
