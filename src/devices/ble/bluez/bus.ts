/**
 * The D-Bus side of the BlueZ central, low level over dbus-next: calls with a deadline, match rules, signals and
 * safe readers for BlueZ's property dictionaries. Proxy objects are not used: they introspect every object (slow,
 * and they drop signals a service forgets to declare), while BlueZ's API is small enough to call by name.
 */
import { DBusError, Message, MessageType, Variant, sessionBus, systemBus, type MessageBus } from 'dbus-next';

export const BLUEZ = 'org.bluez';
export const IFACE = {
  adapter: 'org.bluez.Adapter1',
  device: 'org.bluez.Device1',
  service: 'org.bluez.GattService1',
  characteristic: 'org.bluez.GattCharacteristic1',
  agent: 'org.bluez.Agent1',
  agentManager: 'org.bluez.AgentManager1',
  properties: 'org.freedesktop.DBus.Properties',
  objectManager: 'org.freedesktop.DBus.ObjectManager',
} as const;

/** Properties of one interface, as BlueZ sends them (values still wrapped in variants). */
export type Props = Record<string, unknown>;
/** GetManagedObjects / InterfacesAdded: path → interface → properties. */
export type Objects = Record<string, Record<string, Props>>;

export interface Signal {
  readonly sender: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly body: readonly unknown[];
}

/** A D-Bus error by name (e.g. org.bluez.Error.NotPermitted), or our own deadline. */
export class CallError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

export const TIMEOUT = 'cabin.Timeout';
export const CLOSED = 'cabin.BusClosed';

export class Bus {
  private readonly matches: string[] = [];
  private readonly signalCbs: ((s: Signal) => void)[] = [];
  private readonly closeCbs: ((reason: string) => void)[] = [];
  private closed = false;
  private readonly pending = new Set<(e: CallError) => void>();

  private constructor(
    readonly raw: MessageBus,
    private readonly warn: Warn,
  ) {}

  /** Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set), or to `address`. */
  static async open(address: string | undefined, timeoutMs: number, warn: Warn): Promise<Bus> {
    const where = address ?? process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/var/run/dbus/system_bus_socket';
    let raw: MessageBus;
    try {
      raw = address ? sessionBus({ busAddress: address }) : systemBus();
    } catch (e) {
      throw new CallError(CLOSED, `cannot reach the system D-Bus at ${where} (${(e as Error).message})`);
    }
    const bus = new Bus(raw, warn);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CallError(TIMEOUT, `the system D-Bus at ${where} did not answer within ${timeoutMs} ms`)), timeoutMs);
      raw.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      raw.on('error', (e: unknown) => {
        clearTimeout(timer);
        const text = e instanceof Error ? e.message : String(e);
        reject(new CallError(CLOSED, `cannot reach the system D-Bus at ${where} (${text})`));
        bus.close(text);
      });
    }).catch((e: unknown) => {
      bus.disconnect();
      throw e;
    });
    raw.on('message', (msg: Message) => bus.dispatch(msg));
    // dbus-next does not forward its socket's end (bus daemon gone); its connection object does.
    const conn = (raw as unknown as { _connection?: { on?: (e: string, cb: () => void) => void } })._connection;
    conn?.on?.('end', () => bus.close('the bus daemon closed the connection'));
    return bus;
  }

  get uniqueName(): string {
    return (this.raw as unknown as { name?: string }).name ?? '';
  }

  onSignal(cb: (s: Signal) => void): void {
    this.signalCbs.push(cb);
  }

  /** The connection to the bus ended (bus daemon gone, or a socket error). */
  onClose(cb: (reason: string) => void): void {
    this.closeCbs.push(cb);
  }

  async call(destination: string, path: string, iface: string, member: string, signature = '', body: unknown[] = [], timeoutMs = 25_000): Promise<unknown[]> {
    if (this.closed) throw new CallError(CLOSED, 'the D-Bus connection is closed');
    const msg = new Message({ destination, path, interface: iface, member, signature, body });
    let fail: (e: CallError) => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      fail = reject;
      timer = setTimeout(() => reject(new CallError(TIMEOUT, `${member} did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.pending.add(fail);
    });
    try {
      const reply = await Promise.race([this.raw.call(msg), guard]);
      return reply?.body ?? [];
    } catch (e) {
      if (e instanceof CallError) throw e;
      if (e instanceof DBusError) throw new CallError(e.type, e.text ?? e.message);
      throw new CallError('cabin.Error', e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
      this.pending.delete(fail);
    }
  }

  /** Asks the bus daemon to route these signals here; removed again by `removeMatches()`. */
  async addMatch(rule: string): Promise<void> {
    await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [rule], 5000);
    this.matches.push(rule);
  }

  async removeMatches(): Promise<void> {
    for (const rule of this.matches.splice(0)) {
      await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RemoveMatch', 's', [rule], 2000).catch(() => {});
    }
  }

  async nameOwner(name: string): Promise<string | undefined> {
    try {
      const [owner] = await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetNameOwner', 's', [name], 5000);
      return typeof owner === 'string' ? owner : undefined;
    } catch {
      return undefined;
    }
  }

  /** Serves method calls (the pairing agent); the handler returns false for calls that are not its own. */
  addMethodHandler(fn: (msg: Message) => boolean): void {
    this.raw.addMethodHandler(fn);
  }

  removeMethodHandler(fn: (msg: Message) => boolean): void {
    this.raw.removeMethodHandler(fn);
  }

  send(msg: Message): void {
    if (!this.closed) this.raw.send(msg);
  }

  disconnect(): void {
    this.close('disconnected');
    try {
      this.raw.disconnect();
    } catch {
      /* the socket may already be gone */
    }
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const fail of this.pending) fail(new CallError(CLOSED, `the D-Bus connection closed (${reason})`));
    this.pending.clear();
    for (const cb of this.closeCbs) safely(() => cb(reason), this.warn);
  }

  private dispatch(msg: Message): void {
    if (msg.type !== MessageType.SIGNAL) return;
    const s: Signal = { sender: msg.sender, path: msg.path, interface: msg.interface, member: msg.member, body: Array.isArray(msg.body) ? msg.body : [] };
    for (const cb of this.signalCbs) safely(() => cb(s), this.warn);
  }
}

export type Warn = (message: string) => void;

/** Runs a callback so that nothing it throws escapes into dbus-next's socket handler; reports it instead. */
export function safely(fn: () => void, warn: Warn): void {
  try {
    fn();
  } catch (e) {
    warn(`BlueZ central: a callback failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ——— Readers that never throw, whatever BlueZ (or a fake) sends ———

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The value inside a variant (dbus-next hands a{sv} values as Variant). */
export function unwrap(v: unknown): unknown {
  return v instanceof Variant ? v.value : isRecord(v) && 'signature' in v && 'value' in v ? v.value : v;
}

export function str(props: Props | undefined, key: string): string | undefined {
  const v = unwrap(props?.[key]);
  return typeof v === 'string' ? v : undefined;
}

export function bool(props: Props | undefined, key: string): boolean | undefined {
  const v = unwrap(props?.[key]);
  return typeof v === 'boolean' ? v : undefined;
}

export function num(props: Props | undefined, key: string): number | undefined {
  const v = unwrap(props?.[key]);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strings(props: Props | undefined, key: string): string[] | undefined {
  const v = unwrap(props?.[key]);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

export function bytes(v: unknown): Uint8Array | undefined {
  const u = unwrap(v);
  if (u instanceof Uint8Array) return new Uint8Array(u);
  if (Array.isArray(u) && u.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(u as number[]);
  return undefined;
}

/** `{ interface: props }` from InterfacesAdded / GetManagedObjects, with anything malformed dropped. */
export function interfaces(v: unknown): Record<string, Props> {
  const out: Record<string, Props> = {};
  if (!isRecord(v)) return out;
  for (const [iface, props] of Object.entries(v)) if (isRecord(props)) out[iface] = props;
  return out;
}

export function objects(v: unknown): Objects {
  const out: Objects = {};
  if (!isRecord(v)) return out;
  for (const [path, ifaces] of Object.entries(v)) out[path] = interfaces(ifaces);
  return out;
}

export { Message, Variant };
