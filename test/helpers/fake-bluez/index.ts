/**
 * A fake bluetoothd for tests: a private dbus-daemon (its own socket in a temporary folder) and python-dbusmock
 * with `bluez_gatt.py` (the bluez5 template plus GATT, agent pairing and the fixes it needs). Each test file starts
 * its own and stops it; nothing is left running. Missing python3-dbusmock fails loudly: tests never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Message, Variant, sessionBus, type MessageBus } from 'dbus-next';

const TEMPLATE = fileURLToPath(new URL('./bluez_gatt.py', import.meta.url));
/** Debian's python3 (dbus-python and dbusmock are Debian packages; a pyenv/venv python on PATH lacks them). */
const PYTHON = process.env.CABIN_FAKE_BLUEZ_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const MOCK = 'org.bluez.Mock';

export type PairingMode = 'just-works' | 'passkey' | 'confirm' | 'fail' | 'hang';

export interface FakeDeviceOptions {
  readonly name: string;
  readonly uuids?: readonly string[];
  readonly rssi?: number;
  readonly paired?: boolean;
}

/** One characteristic of a scripted device: BlueZ flags and the value a read returns. */
export interface FakeCharacteristic {
  readonly uuid: string;
  readonly flags: readonly string[];
  readonly value?: readonly number[];
}

export interface FakeLeDeviceOptions extends FakeDeviceOptions {
  readonly gatt: readonly { readonly uuid: string; readonly characteristics: readonly FakeCharacteristic[] }[];
}

/** A value the device sends by itself (notification or indication) on the characteristic at `char`. */
export interface FakeSend {
  readonly char: string;
  readonly bytes: readonly number[];
}

export interface FakeBluez {
  /** The private bus's address (give it to BluezCentral, or as DBUS_SYSTEM_BUS_ADDRESS). */
  readonly address: string;
  /** Adds adapter `hci0` (or the given name); returns its object path. */
  addAdapter(name?: string): Promise<string>;
  /** The adapter is unplugged (its devices stay behind, as bluetoothd's own order of signals may leave them). */
  removeAdapter(name?: string): Promise<void>;
  addDevice(address: string, opts: FakeDeviceOptions, adapter?: string): Promise<string>;
  addService(devicePath: string, uuid: string): Promise<string>;
  addCharacteristic(servicePath: string, uuid: string, flags: readonly string[], value?: readonly number[]): Promise<string>;
  /**
   * A device with its whole GATT table, added in one call (a central connecting at its first advertisement finds every
   * service). Returns the device's path and each characteristic's, keyed `<service uuid>/<characteristic uuid>` as given.
   */
  addLeDevice(address: string, opts: FakeLeDeviceOptions, adapter?: string): Promise<{ device: string; chars: Record<string, string> }>;
  /**
   * The device's scripted answers to writes on `charPath`: the first rule whose `request` equals the written value
   * (absent: any value) sends its values in order, after the write's reply (only on subscribed characteristics).
   */
  respondToWrite(charPath: string, rules: readonly { request?: readonly number[]; send: readonly FakeSend[] }[]): Promise<void>;
  /** What the device sends each time a central switches notifications or indications on at `charPath`. */
  respondToSubscribe(charPath: string, send: readonly FakeSend[]): Promise<void>;
  /** The device sends a value; false when no client has notifications on. */
  notify(charPath: string, bytes: readonly number[]): Promise<boolean>;
  /** Value changes without a notification (another program read it through bluetoothd). */
  setValue(charPath: string, bytes: readonly number[]): Promise<void>;
  written(charPath: string): Promise<{ bytes: number[]; type: string }[]>;
  updateDevice(devicePath: string, props: Record<string, Variant>): Promise<void>;
  setAdapterPowered(on: boolean, adapter?: string): Promise<void>;
  /** The device ends the connection (Connected → false). */
  dropConnection(address: string): Promise<void>;
  /** BlueZ forgets the device (InterfacesRemoved), as bluetoothd does for a stale unpaired device. */
  removeDevice(devicePath: string, adapter?: string): Promise<void>;
  setPairing(address: string, mode: PairingMode, passkey?: number): Promise<void>;
  setConnectError(address: string, error: string): Promise<void>;
  /** Connect succeeds but the services never resolve. */
  setStalls(address: string, stalls: boolean): Promise<void>;
  connectCount(address: string): Promise<number>;
  agents(): Promise<Record<string, string>>;
  defaultAgent(): Promise<string>;
  /** Object paths the fake holds now. */
  paths(): Promise<string[]>;
  property(path: string, iface: string, name: string): Promise<unknown>;
  /** The unique bus name that registered the default agent ('' when none). */
  agentOwner(): Promise<string>;
  /** Calls the registered default agent as bluetoothd would; resolves to the error name, or '' when it accepted. */
  callAgent(member: string, signature: string, body: unknown[]): Promise<string>;
  /** Method calls the fake logged (its log file), for assertions on what the central did. */
  log(): string;
  /** bluetoothd stops (without removing its objects, as a crash or restart does) and a fresh one starts, empty. */
  restartBluetoothd(): Promise<void>;
  stop(): Promise<void>;
}

let checked: string | undefined | null = null;

/** Why the fake cannot run (python3-dbusmock missing), checked once per test process. */
function dbusmockMissing(): string | undefined {
  if (checked !== null) return checked;
  checked = whyMissing();
  return checked;
}

function whyMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import dbusmock, dbus'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return (
    `python3-dbusmock is not installed for ${PYTHON} (${(r.stderr || String(r.error)).trim().split('\n').pop()}): ` +
    `run 'apt-get install -y python3-dbusmock dbus' (scripts/setup.sh installs them).`
  );
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function startDaemon(dir: string): Promise<{ daemon: ChildProcess; address: string }> {
  const socket = join(dir, 'bus');
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--nosyslog', `--address=unix:path=${socket}`, '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start within 5 s: ${err}`)), 5000);
    daemon.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon could not be started (${e.message}): run 'apt-get install -y dbus'.`));
    });
    daemon.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    daemon.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
  });
  return { daemon, address };
}

async function connect(address: string): Promise<MessageBus> {
  const bus = sessionBus({ busAddress: address });
  await new Promise<void>((resolve, reject) => {
    bus.once('connect', () => resolve());
    bus.once('error', reject);
  });
  bus.on('error', () => {});
  return bus;
}

/** `bluetoothd: false`: the private bus only, with nobody owning org.bluez (bluetoothd not running). */
export async function startFakeBluez(opts: { bluetoothd?: boolean } = {}): Promise<FakeBluez> {
  const missing = dbusmockMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'cabin-fake-bluez-'));
  const logFile = join(dir, 'mock.log');
  const { daemon, address } = await startDaemon(dir);
  const args = opts.bluetoothd === false ? ['-c', 'import time; time.sleep(3600)'] : ['-m', 'dbusmock', '--system', '-t', TEMPLATE, '-l', logFile];
  let mockErr = '';
  const spawnMock = (): ChildProcess => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address } });
    child.stderr!.on('data', (d: Buffer) => (mockErr += d.toString()));
    return child;
  };
  let mock = spawnMock();
  let bus: MessageBus | undefined;

  const kill = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited(child), new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const stop = async (): Promise<void> => {
    try {
      bus?.disconnect();
    } catch {
      /* already closed */
    }
    for (const child of [mock, daemon]) await kill(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const owned = async (b: MessageBus): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = await b.call(
        new Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'NameHasOwner', signature: 's', body: ['org.bluez'] }),
      );
      if (reply?.body[0] === true || opts.bluetoothd === false) return;
      if (mock.exitCode !== null || Date.now() > deadline) throw new Error(`The fake BlueZ did not start: ${mockErr.trim() || 'no name on the bus after 10 s'}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  try {
    bus = await connect(address);
    await owned(bus);
  } catch (e) {
    await stop();
    throw e;
  }
  const b = bus;

  const call = async (path: string, iface: string, member: string, signature = '', body: unknown[] = []): Promise<unknown[]> => {
    const reply = await b.call(new Message({ destination: 'org.bluez', path, interface: iface, member, signature, body }));
    return reply?.body ?? [];
  };
  const mockCall = async (member: string, signature = '', body: unknown[] = []): Promise<unknown> => (await call('/', MOCK, member, signature, body))[0];

  return {
    address,
    addAdapter: async (name = 'hci0') => String(await mockCall('AddAdapter', 'ss', [name, 'cabin'])),
    removeAdapter: async (name = 'hci0') => {
      await mockCall('RemoveAdapter', 's', [name]);
    },
    async addDevice(addr, opts, adapter = 'hci0') {
      const path = String(await mockCall('AddDevice', 'sss', [adapter, addr, opts.name]));
      const props: Record<string, Variant> = {};
      if (opts.uuids) props.UUIDs = new Variant('as', [...opts.uuids]);
      if (opts.rssi !== undefined) props.RSSI = new Variant('n', opts.rssi);
      if (opts.paired) props.Paired = new Variant('b', true);
      if (Object.keys(props).length) await call(path, 'org.freedesktop.DBus.Mock', 'UpdateProperties', 'sa{sv}', ['org.bluez.Device1', props]);
      return path;
    },
    addService: async (devicePath, uuid) => String(await mockCall('AddGattService', 'ss', [devicePath, uuid])),
    addCharacteristic: async (servicePath, uuid, flags, value = []) =>
      String(await mockCall('AddGattCharacteristic', 'ssasay', [servicePath, uuid, [...flags], Buffer.from(value)])),
    async addLeDevice(addr, opts, adapter = 'hci0') {
      const props: Record<string, Variant> = {};
      if (opts.uuids) props.UUIDs = new Variant('as', [...opts.uuids]);
      if (opts.rssi !== undefined) props.RSSI = new Variant('n', opts.rssi);
      if (opts.paired) props.Paired = new Variant('b', true);
      const services = opts.gatt.map((s) => [s.uuid, s.characteristics.map((c) => [c.uuid, [...c.flags], Buffer.from(c.value ?? [])])]);
      const { device, ...chars } = (await mockCall('AddLeDevice', 'sssa{sv}a(sa(sasay))', [adapter, addr, opts.name, props, services])) as Record<string, string>;
      return { device: device!, chars };
    },
    respondToWrite: async (charPath, rules) => {
      const body = rules.map((r) => [Buffer.from(r.request ?? []), r.send.map((x) => [x.char, Buffer.from(x.bytes)])]);
      await mockCall('SetWriteResponses', 'sa(aya(say))', [charPath, body]);
    },
    respondToSubscribe: async (charPath, send) => {
      await mockCall('SetSubscribeResponses', 'sa(say)', [charPath, send.map((x) => [x.char, Buffer.from(x.bytes)])]);
    },
    notify: async (charPath, bytes) => (await mockCall('Notify', 'say', [charPath, Buffer.from(bytes)])) === true,
    setValue: async (charPath, bytes) => {
      await call(charPath, 'org.freedesktop.DBus.Mock', 'UpdateProperties', 'sa{sv}', ['org.bluez.GattCharacteristic1', { Value: new Variant('ay', Buffer.from(bytes)) }]);
    },
    async written(charPath) {
      const list = (await mockCall('Written', 's', [charPath])) as [Buffer, string][];
      return list.map(([bytes, type]) => ({ bytes: [...bytes], type }));
    },
    updateDevice: async (devicePath, props) => {
      await call(devicePath, 'org.freedesktop.DBus.Mock', 'UpdateProperties', 'sa{sv}', ['org.bluez.Device1', props]);
    },
    setAdapterPowered: async (on, adapter = 'hci0') => {
      await call(`/org/bluez/${adapter}`, 'org.freedesktop.DBus.Mock', 'UpdateProperties', 'sa{sv}', ['org.bluez.Adapter1', { Powered: new Variant('b', on) }]);
    },
    dropConnection: async (addr) => {
      await mockCall('DropConnection', 's', [addr]);
    },
    removeDevice: async (devicePath, adapter = 'hci0') => {
      await call(`/org/bluez/${adapter}`, 'org.bluez.Adapter1', 'RemoveDevice', 'o', [devicePath]);
    },
    setPairing: async (addr, mode, passkey = 0) => {
      await mockCall('SetPairing', 'ssu', [addr, mode, passkey]);
    },
    setConnectError: async (addr, error) => {
      await mockCall('SetConnectError', 'ss', [addr, error]);
    },
    setStalls: async (addr, stalls) => {
      await mockCall('SetStalls', 'sb', [addr, stalls]);
    },
    connectCount: async (addr) => Number(await mockCall('ConnectCount', 's', [addr])),
    agents: async () => (await mockCall('Agents')) as Record<string, string>,
    defaultAgent: async () => String(await mockCall('DefaultAgent')),
    async paths() {
      const [objects] = await call('/', 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects');
      return Object.keys(objects as Record<string, unknown>).sort();
    },
    async property(path, iface, name) {
      const [v] = await call(path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [iface, name]);
      return (v as Variant).value;
    },
    agentOwner: async () => String(await mockCall('AgentOwner')),
    async callAgent(member, signature, body) {
      const owner = String(await mockCall('AgentOwner'));
      const path = String(await mockCall('DefaultAgent'));
      try {
        await b.call(new Message({ destination: owner, path, interface: 'org.bluez.Agent1', member, signature, body }));
        return '';
      } catch (e) {
        return (e as { type?: string }).type ?? String(e);
      }
    },
    async restartBluetoothd() {
      await kill(mock);
      mock = spawnMock();
      await owned(b);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop,
  };
}
