import type { Driver, Simulator } from '../shared/driver.ts';
import { SerialTransport } from './transports/serial.ts';
import type { DeviceError } from './transports/transport.ts';

/**
 * Plays a driver's simulator on a real serial port (e.g. one end of a socat pair): streams what the device
 * sends and answers the host's bytes as the device would.
 */
export class SerialSimulator {
  readonly simulator: Simulator;
  private readonly transport: SerialTransport;
  private timer: ReturnType<typeof setInterval> | undefined;
  private t0 = 0;

  constructor(
    readonly driver: Driver,
    readonly path: string,
    scenario?: string,
  ) {
    const settings = driver.manifest.serial;
    if (driver.manifest.transport !== 'serial' || !settings) throw new Error(`${driver.manifest.id} is not a serial device.`);
    this.simulator = driver.createSimulator(scenario);
    this.transport = new SerialTransport(path, settings);
    this.transport.onData((bytes) => this.write(this.simulator.receive({ kind: 'data', bytes: Array.from(bytes) }, this.elapsed())));
  }

  onLost(cb: (e: DeviceError) => void): void {
    this.transport.onLost(cb);
  }

  async start(): Promise<void> {
    await this.transport.open();
    this.t0 = Date.now();
    this.timer = setInterval(() => this.write(this.simulator.advance(this.elapsed())), 10);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.transport.close();
  }

  private elapsed(): number {
    return Date.now() - this.t0;
  }

  private write(chunks: Uint8Array[]): void {
    for (const c of chunks) void this.transport.send({ kind: 'data', bytes: Array.from(c) }).catch(() => undefined);
  }
}
