import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import type { DeviceCategory, Driver, Frame, Simulator } from '../../shared/driver.ts';
import { DeviceError, type Transport } from './transport.ts';

/**
 * A driver's simulator behind a transport, on a clock (real timers by default): the demo and tests use it to run
 * the whole device stack with no hardware and no pseudo-terminals.
 */
/** How long the simulated patient takes to do what a command's status asks (press START), or what a step asks. */
export const PATIENT_ACTS_AFTER_MS = 1500;
/** Devices the patient starts by using them when the step asks (probe out of its well, standing on the scale). */
const USED_WHEN_ASKED: ReadonlySet<DeviceCategory> = new Set(['thermometer', 'scale']);

export class SimulatedTransport implements Transport {
  private sim: Simulator | undefined;
  private attending = false;
  private acting = false;
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
    this.patientActs();
  }

  /**
   * The simulated patient completes a measurement a moment from now (unless the device was closed meanwhile); asked
   * again before then (a step opened twice in a row), it is still one measurement.
   */
  private patientActs(): void {
    if (this.acting) return;
    const sim = this.sim;
    this.acting = true;
    this.clock.setTimeout(() => {
      this.acting = false;
      if (this.sim === sim) sim?.set({ completeMeasurement: true });
    }, PATIENT_ACTS_AFTER_MS);
  }

  /**
   * The kiosk's step of this device opened: the patient takes the thermometer's probe out or steps on the scale a
   * moment later. A cuff waits for its command (the kiosk's "measure": press START); an oximeter streams anyway.
   */
  attended(open: boolean): void {
    const opened = open && !this.attending;
    this.attending = open;
    if (opened && USED_WHEN_ASKED.has(this.driver.manifest.category)) this.patientActs();
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
    this.attending = false;
  }

  private pump(): void {
    if (!this.sim) return;
    for (const chunk of this.sim.advance(this.clock.now() - this.t0)) this.dataCb(chunk);
  }
}
