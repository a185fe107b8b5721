import type { DeviceEvent, StatusEvent } from '../shared/device-event.ts';
import type { Decoder, Driver, Frame, Periodic } from '../shared/driver.ts';

export interface LinkSessionIo {
  /** Write one frame to the device (the transport frames it for serial or HID). */
  send(frame: Frame): void;
  /** Decoded events, in order. */
  emit(events: DeviceEvent[]): void;
}

/**
 * Carries out a driver's `link` data against one open device: the open sequence, keep-alive, polling,
 * restart after silence, request/response traffic from the decoder, named commands and the close
 * sequence. It owns no timers: the caller calls `tick(now)` (a real interval in the device manager, a
 * simulated clock in tests), so the same code runs in both.
 */
export class LinkSession {
  readonly decoder: Decoder;
  private lastKeepAlive = 0;
  private lastPoll = 0;
  private lastDataAt = 0;
  private streamStopped = false;
  private lastRestart = 0;
  private started = false;
  /** The decoder's own last status, to restore once a command's status (e.g. "press START") is over. */
  private decoderStatus: StatusEvent | undefined;
  private commandStatusShown = false;

  constructor(
    readonly driver: Driver,
    private readonly io: LinkSessionIo,
  ) {
    this.decoder = driver.createDecoder();
  }

  start(now: number): void {
    this.started = true;
    this.lastKeepAlive = now;
    this.lastPoll = now - (this.driver.link.poll?.everyMs ?? 0);
    this.lastDataAt = now;
    this.lastRestart = now;
    this.sendAll(this.driver.link.open, now);
    this.tick(now);
  }

  /** Bytes (serial chunk or one HID input report) from the device. */
  onData(bytes: Uint8Array, now: number): void {
    if (bytes.length > 0) this.lastDataAt = now;
    const events = this.decoder.push(bytes, now);
    if (events.length > 0) {
      this.restoreStatusAfterCommand(events, now);
      this.io.emit(events);
    }
    this.flushOutgoing(now);
  }

  tick(now: number): void {
    if (!this.started) return;
    const { keepAlive, poll, restartAfterSilence } = this.driver.link;
    if (keepAlive && this.due(keepAlive, this.lastKeepAlive, now)) {
      this.lastKeepAlive = now;
      this.sendAll(keepAlive.frames, now);
    }
    if (poll && this.due(poll, this.lastPoll, now)) {
      this.lastPoll = now;
      this.sendAll(poll.frames, now);
    }
    if (
      restartAfterSilence &&
      !this.streamStopped &&
      now - this.lastDataAt >= restartAfterSilence.afterMs &&
      now - this.lastRestart >= restartAfterSilence.afterMs
    ) {
      this.lastRestart = now;
      this.sendAll(restartAfterSilence.frames, now);
    }
    this.flushOutgoing(now);
  }

  /** Runs a named link command; returns false when the driver has no such command. */
  command(name: string, now: number): boolean {
    const cmd = Object.hasOwn(this.driver.link.commands, name) ? this.driver.link.commands[name] : undefined;
    if (!cmd) return false;
    if (cmd.stream !== undefined) {
      this.streamStopped = cmd.stream === 'stop';
      this.lastRestart = now;
    }
    if (cmd.status) {
      const event: DeviceEvent = { kind: 'status', status: cmd.status.status, detail: cmd.status.detail, t: now };
      this.io.emit([event]);
      this.commandStatusShown = true;
    }
    this.sendAll(cmd.frames, now);
    return true;
  }

  stop(now: number): void {
    if (!this.started) return;
    this.sendAll(this.driver.link.close, now);
    this.started = false;
  }

  /**
   * A command's status stands until the decoder reports a status of its own or a reading arrives; then the
   * decoder's last status, which it will not repeat unchanged, is shown again.
   */
  private restoreStatusAfterCommand(events: DeviceEvent[], now: number): void {
    let sawStatus = false;
    for (const e of events) {
      if (e.kind === 'status') {
        this.decoderStatus = e;
        sawStatus = true;
      }
    }
    if (!this.commandStatusShown) return;
    if (sawStatus) {
      this.commandStatusShown = false;
    } else if (events.some((e) => e.kind === 'observation')) {
      this.commandStatusShown = false;
      events.push({ ...(this.decoderStatus ?? { kind: 'status', status: 'ok' }), t: now });
    }
  }

  private due(p: Periodic, last: number, now: number): boolean {
    return now - last >= p.everyMs;
  }

  private flushOutgoing(now: number): void {
    const out = this.decoder.takeOutgoing?.();
    if (out && out.length > 0) this.sendAll(out, now);
  }

  private sendAll(frames: readonly Frame[], now: number): void {
    for (const f of frames) {
      this.io.send(f);
      this.decoder.sent?.(f, now);
    }
  }
}
