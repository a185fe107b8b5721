import type { Frame } from '../../shared/driver.ts';

/** An open connection to one device. Callbacks are set before `open()`. */
export interface Transport {
  readonly path: string;
  open(): Promise<void>;
  send(frame: Frame): Promise<void>;
  close(): Promise<void>;
  /** Bytes from the device (serial: a chunk; HID: one input report). */
  onData(cb: (bytes: Uint8Array) => void): void;
  /** The device went away or the link failed while open (not called for `close()`). */
  onLost(cb: (error: DeviceError) => void): void;
  /**
   * The host ran the named link command. Real transports ignore it; a simulated device plays the person's
   * part (e.g. the patient pressing START on a cuff that cannot be started over USB).
   */
  commanded?(name: string): void;
  /** The kiosk's exam step of this device opened (true) or closed. Real transports ignore it; a simulated patient uses the device. */
  attended?(open: boolean): void;
}

/** A device problem with a message for a person: what happened and what to do. */
export class DeviceError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'busy' | 'permission' | 'lost' | 'io' | 'unsupported',
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** Turns an OS/library error into a DeviceError a person can act on. */
export function explain(path: string, err: unknown): DeviceError {
  if (err instanceof DeviceError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ENOENT' || /ENOENT|No such file/i.test(text)) {
    return new DeviceError(`Port ${path} does not exist: check that the device is plugged in, or the path.`, 'not-found');
  }
  if (code === 'EBUSY' || /EBUSY|Cannot lock port|Resource temporarily unavailable/i.test(text)) {
    return new DeviceError(`Port ${path} is busy: close the other program using it.`, 'busy');
  }
  if (code === 'EACCES' || /EACCES|Permission denied/i.test(text)) {
    return new DeviceError(
      `Permission denied on ${path}: install the cabin's udev rules or add this user to the 'dialout' group.`,
      'permission',
    );
  }
  if (code === 'ENOTTY' || /ENOTTY|Inappropriate ioctl/i.test(text)) {
    return new DeviceError(`${path} is not a serial port: check the path.`, 'unsupported');
  }
  if (/ENXIO|EIO|EBADF|bad file descriptor|disconnected|device not configured/i.test(text)) {
    return new DeviceError(`Device on ${path} was disconnected.`, 'lost');
  }
  return new DeviceError(`Device on ${path} failed: ${text}`, 'io');
}
