import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import type { Driver, Frame, Simulator } from '../../shared/driver.ts';
import { DeviceError, type Transport } from './transport.ts';

/**
 * A driver's simulator behind a transport, on a clock (real timers by default): the demo and tests use it to run
 * the whole device stack with no hardware and no pseudo-terminals.
 */
/** How long the simulated patient takes to do what a command's status asks (press START). */
export const PATIENT_ACTS_AFTER_MS = 1500;

export class SimulatedTransport implements Transport {
  private sim: Simulator | undefined;
  private timer: TimerHandle | undefined;
  private t0 = 0;
  private dataCb: (bytes: Uint8Array) => void = () => {};
  private lostCb: (e: DeviceError) => void = () => {};

  constructor(
    readonly path: string,
    private readonly driver: Driver,
    private readonly scenario?: string,
    private readonly stepMs = 10,
    private readonly clock: Clock = systemClock,
  ) {}

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataCb = cb;
  }

  onLost(cb: (e: DeviceError) => void): void {
    this.lostCb = cb;
  }

  /** The running simulator, to change its values (tests, demo controls). */
  get simulator(): Simulator | undefined {
    return this.sim;
  }

  async open(): Promise<void> {
    this.sim = this.driver.createSimulator(this.scenario);
    this.t0 = this.clock.now();
    this.timer = this.clock.setInterval(() => this.pump(), this.stepMs);
  }

  async send(frame: Frame): Promise<void> {
    if (!this.sim) throw new DeviceError(`Simulated device ${this.path} is not open.`, 'lost');
    const replies = this.sim.receive(frame, this.clock.now() - this.t0);
    if (replies.length > 0) setImmediate(() => replies.forEach((r) => this.dataCb(r)));
  }

  /**
   * A command that sends nothing to the device (its status asks the patient to act, e.g. "press START") is
   * answered the way a patient would: the measurement completes a moment later.
   */
  commanded(name: string): void {
    const cmd = Object.hasOwn(this.driver.link.commands, name) ? this.driver.link.commands[name] : undefined;
    if (!cmd || cmd.frames.length > 0 || !cmd.status) return;
    const sim = this.sim;
    this.clock.setTimeout(() => {
      if (this.sim === sim) sim?.set({ completeMeasurement: true });
    }, PATIENT_ACTS_AFTER_MS);
  }

  /** Makes the simulated device vanish as if unplugged. */
  unplug(): void {
    void this.close();
    this.lostCb(new DeviceError(`Device on ${this.path} was disconnected.`, 'lost'));
  }

  async close(): Promise<void> {
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.sim = undefined;
  }

  private pump(): void {
    if (!this.sim) return;
    for (const chunk of this.sim.advance(this.clock.now() - this.t0)) this.dataCb(chunk);
  }
}
