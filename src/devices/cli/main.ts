import { parseArgs } from 'node:util';
import { DRIVERS } from '../../../drivers/index.ts';
import { captureCommand } from './capture.ts';
import { CliError, parseSeconds, readConfig, requireDriver, writeOut } from './common.ts';
import { consoleCommand } from './console.ts';
import { decodeCommand } from './decode.ts';
import { simulateCommand } from './simulate.ts';
import { listCommand, watchCommand } from './watch.ts';

const USAGE = `usage: cabin-devices COMMAND [options]

  console [--demo] [--seconds N]            a readable live view of the devices (the demo's simulated
                                            devices when no hardware or config is found)
  drivers                                   the driver catalogue as JSON
  list [--json] [--probe]                   ports seen now, the driver each would get and why
  watch [--port P] [--driver D] [--seconds N]
                                            live decoded events (all detected devices by default)
  capture --port P --driver D --out FILE [--seconds N]
                                            raw bytes from a serial device to a file
  decode --driver D FILE|-                  a capture decoded to one DeviceEvent JSON per line
  simulate --driver D --port P [--scenario NAME] [--seconds N]
                                            play the device's side on a serial port

  --config FILE   the cabin config file (its "devices" section maps ports to drivers)
`;

const OPTIONS = {
  port: { type: 'string' },
  driver: { type: 'string' },
  out: { type: 'string' },
  scenario: { type: 'string' },
  seconds: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  probe: { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
    case 'console':
      return consoleCommand(o.config, o.demo ?? false, parseSeconds(o.seconds));
    case 'drivers':
      await writeOut(JSON.stringify(DRIVERS.map((d) => ({ ...d.manifest, scenarios: d.scenarios, commands: Object.keys(d.link.commands) })), null, 2) + '\n');
      return 0;
    case 'list':
      return listCommand(readConfig(o.config), o.json ?? false, o.probe ?? false);
    case 'watch':
      if (o.driver !== undefined) requireDriver(o.driver);
      return watchCommand(readConfig(o.config), { port: o.port, driver: o.driver }, parseSeconds(o.seconds));
    case 'capture':
      return captureCommand(requireDriver(o.driver), need(o.port, '--port P'), need(o.out, '--out FILE'), parseSeconds(o.seconds));
    case 'decode':
      return decodeCommand(requireDriver(o.driver), need(rest[0], 'the capture FILE (or - for standard input)'));
    case 'simulate':
      return simulateCommand(requireDriver(o.driver), need(o.port, '--port P'), o.scenario, parseSeconds(o.seconds));
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
