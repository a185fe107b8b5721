import { parseArgs } from 'node:util';
import { BLE_DRIVERS, DRIVERS } from '../../../drivers/index.ts';
import { CliError, isBle, parseAddress, parseSeconds, readConfig, requireDriver, writeOut } from './common.ts';

/** Seconds `list` scans for Bluetooth LE devices by default. */
const LIST_SCAN_SECONDS = 4;

// Each command's module is loaded when it runs: a decode does not load D-Bus, serial and the device manager.

const USAGE = `usage: cabin-devices COMMAND [options]

  console [--demo] [--seconds N]            a readable live view of the devices (the demo's simulated
                                            devices when no hardware or config is found)
  drivers                                   the driver catalogue as JSON (serial, USB HID, Bluetooth LE)
  list [--json] [--probe] [--seconds N]     ports seen now, the driver each would get and why; then the
                                            Bluetooth LE devices heard in a scan of N s (default ${LIST_SCAN_SECONDS}),
                                            with their signal, pairing, driver and why
  watch [--port P] [--driver D] [--address A] [--seconds N]
                                            live decoded events (all detected devices by default; Bluetooth
                                            LE devices are connected as they advertise)
  capture --port P --driver D --out FILE [--seconds N]
                                            raw bytes from a serial device to a file
  capture --driver BLE-D --out FILE [--address A] [--seconds N]
                                            every value of a Bluetooth LE device, one JSON per line:
                                            {"t": ms since the epoch, "service": uuid, "characteristic": uuid,
                                             "value": hex, "via": notify|indicate|read, "address": A}
  decode --driver D [--utc-offset MIN] FILE|-
                                            a capture decoded to one DeviceEvent JSON per line (a BLE capture:
                                            "via" and "address" may be left out; MIN: the cabin's offset from
                                            UTC when captured, default this machine's; west of UTC
                                            write it --utc-offset=-300)
  simulate --driver D --port P [--scenario NAME] [--seconds N]
                                            play the device's side on a serial port
  simulate --driver BLE-D [--scenario NAME] [--seconds N]
                                            play a Bluetooth LE device on the fake BlueZ (python3-dbusmock,
                                            test/helpers/fake-bluez/bluez_gatt.py) at DBUS_SYSTEM_BUS_ADDRESS;
                                            a cuff, thermometer or scale measures at the start and every 30 s

  --config FILE   the cabin config file (its "devices" section maps ports to drivers)
`;

const OPTIONS = {
  port: { type: 'string' },
  driver: { type: 'string' },
  out: { type: 'string' },
  scenario: { type: 'string' },
  seconds: { type: 'string' },
  address: { type: 'string' },
  'utc-offset': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  probe: { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function addressOption(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const a = parseAddress(v);
  if (!a) throw new CliError(`--address must be a Bluetooth address like AA:BB:CC:DD:EE:FF, not '${v}'.`, 2);
  return a;
}

function parseUtcOffset(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < -720 || n > 840) {
    throw new CliError(`--utc-offset must be whole minutes from UTC between -720 and 840 (e.g. 60 for UTC+1), not '${v}'.`, 2);
  }
  return n;
}

function need(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`Missing ${flag}.\n${USAGE}`, 2);
  return value;
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, 2);
  }
  const { values: o, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (o.help || command === undefined || command === 'help') {
    await writeOut(USAGE);
    return command === undefined && !o.help ? 2 : 0;
  }
  switch (command) {
    case 'console': {
      const { consoleCommand } = await import('./console.ts');
      return consoleCommand(o.config, o.demo ?? false, parseSeconds(o.seconds));
    }
    case 'drivers':
      await writeOut(
        JSON.stringify(
          [...DRIVERS, ...BLE_DRIVERS].map((d) => ({ ...d.manifest, scenarios: d.scenarios, commands: Object.keys(d.link.commands) })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    case 'list': {
      const { listCommand } = await import('./watch.ts');
      return listCommand(readConfig(o.config), o.json ?? false, o.probe ?? false, parseSeconds(o.seconds) ?? LIST_SCAN_SECONDS);
    }
    case 'watch': {
      if (o.driver !== undefined) requireDriver(o.driver);
      const { watchCommand } = await import('./watch.ts');
      const address = addressOption(o.address);
      return watchCommand(readConfig(o.config), { port: o.port, driver: o.driver, ...(address ? { address } : {}) }, parseSeconds(o.seconds));
    }
    case 'capture': {
      const driver = requireDriver(o.driver);
      const { captureBleCommand, captureCommand } = await import('./capture.ts');
      if (isBle(driver)) {
        if (o.port !== undefined) throw new CliError(`${driver.manifest.id} is a Bluetooth LE device: it has no port (use --address AA:BB:CC:DD:EE:FF).`, 2);
        return captureBleCommand(driver, readConfig(o.config), need(o.out, '--out FILE'), parseSeconds(o.seconds), addressOption(o.address));
      }
      if (o.address !== undefined) throw new CliError('--address is for Bluetooth LE drivers.', 2);
      return captureCommand(driver, need(o.port, '--port P'), need(o.out, '--out FILE'), parseSeconds(o.seconds));
    }
    case 'decode': {
      const driver = requireDriver(o.driver);
      const file = need(rest[0], 'the capture FILE (or - for standard input)');
      const utc = o['utc-offset'] !== undefined ? { utcOffsetMin: parseUtcOffset(o['utc-offset']) } : {};
      const { decodeCommand } = await import('./decode.ts');
      return decodeCommand(driver, file, utc);
    }
    case 'simulate': {
      const driver = requireDriver(o.driver);
      const { simulateBleCommand, simulateCommand } = await import('./simulate.ts');
      if (isBle(driver)) return simulateBleCommand(driver, o.scenario, parseSeconds(o.seconds));
      return simulateCommand(driver, need(o.port, '--port P'), o.scenario, parseSeconds(o.seconds));
    }
    default:
      throw new CliError(`Unknown command '${command}'.\n${USAGE}`, 2);
  }
}

/** Runs the CLI; every failure becomes one message on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`cabin-devices: ${err.message.trimEnd()}\n`);
      return err.exitCode;
    }
    process.stderr.write(`cabin-devices: unexpected error: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
