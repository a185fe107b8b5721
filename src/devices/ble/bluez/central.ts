/**
 * The BLE central over BlueZ's D-Bus API (bluetoothd keeps bonds and the GATT cache; this process never touches
 * /var/lib/bluetooth). Advertisements come from the devices BlueZ knows (known-devices.ts), connections wait for
 * ServicesResolved, and pairing goes through this process's own Agent1.
 */
import { DeviceError } from '../../transports/transport.ts';
import type { Advertisement, BleCentral, BleConnection, PairResult } from '../central.ts';
import { AGENT_CAPABILITY, AGENT_PATH, PairingAgent } from './agent.ts';
import { BLUEZ, Bus, CallError, CLOSED, IFACE, TIMEOUT, Variant, bool, interfaces, isRecord, objects, str, type Props, type Signal, type Warn } from './bus.ts';
import { BluezConnection, gattOf } from './connection.ts';
import { bluezError } from './errors.ts';
import { KnownDevices } from './known-devices.ts';

export interface BluezCentralOptions {
  /** A D-Bus address instead of the system bus (tests); DBUS_SYSTEM_BUS_ADDRESS is honoured too. */
  readonly busAddress?: string;
  /** The adapter to use ('hci0'); default: the first one BlueZ lists. */
  readonly adapter?: string;
  /** How long Device1.Pair may take (the person types the passkey on the device, or presses its button). */
  readonly pairTimeoutMs?: number;
  /** Problems that are not an operation's answer (a consumer callback threw, bluetoothd came back unreadable). */
  readonly onWarning?: (message: string) => void;
}

export class BluezCentral implements BleCentral {
  private bus: Bus | undefined;
  private adapterPath = '';
  private bluezOwner = '';
  private scanning = false;
  private agentError: string | undefined;
  private readonly connections = new Map<string, BluezConnection>();
  private readonly connecting = new Map<string, Promise<BluezConnection>>();
  private readonly warn: Warn;
  private readonly agent: PairingAgent;
  private readonly known: KnownDevices;

  constructor(private readonly options: BluezCentralOptions = {}) {
    this.warn = options.onWarning ?? ((m) => process.emitWarning(m));
    this.agent = new PairingAgent((m) => this.bus?.send(m), this.warn);
    this.known = new KnownDevices((address, reason) => this.connections.get(address)?.lost(reason), this.warn);
  }

  onAdvertisement(cb: (a: Advertisement) => void): void {
    this.known.onAdvertisement(cb);
  }

  onGone(cb: (address: string) => void): void {
    this.known.onGone(cb);
  }

  async start(): Promise<void> {
    if (this.bus) return;
    let bus: Bus;
    try {
      bus = await Bus.open(this.options.busAddress, 5000, this.warn);
    } catch (e) {
      throw new DeviceError(`No Bluetooth: ${(e as Error).message}. Is the D-Bus system bus running?`, 'not-found');
    }
    this.bus = bus;
    try {
      await this.attach(bus);
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.known.replay();
  }

  private async attach(bus: Bus): Promise<void> {
    bus.onSignal((s) => this.signal(s));
    bus.onClose((reason) => this.bluetoothdGone(`the connection to bluetoothd closed (${reason})`));
    await bus.addMatch(`type='signal',sender='${BLUEZ}',interface='${IFACE.objectManager}'`);
    await bus.addMatch(`type='signal',sender='${BLUEZ}',interface='${IFACE.properties}',member='PropertiesChanged',path_namespace='/org/bluez'`);
    await bus.addMatch(`type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${BLUEZ}'`);
    bus.addMethodHandler(this.agent.handler);
    this.bluezOwner = (await bus.nameOwner(BLUEZ)) ?? '';
    if (!this.bluezOwner) {
      throw new DeviceError("No Bluetooth adapter: bluetoothd is not running. Start it with 'systemctl start bluetooth' (package bluez).", 'not-found');
    }
    await this.load(bus, true);
  }

  /** Reads BlueZ's objects: the adapter (switched on), the devices it knows; registers the agent. */
  private async load(bus: Bus, strict: boolean): Promise<void> {
    const tree = objects((await bus.call(BLUEZ, '/', IFACE.objectManager, 'GetManagedObjects').catch((e: unknown) => {
      throw bluezError('(none)', 'listing adapters', e);
    }))[0]);
    const adapter = Object.keys(tree)
      .filter((p) => tree[p]?.[IFACE.adapter] && this.wanted(p))
      .sort()[0];
    if (adapter) await this.adopt(bus, adapter, tree[adapter]?.[IFACE.adapter] ?? {}, strict);
    else if (strict) {
      throw new DeviceError(
        `No Bluetooth adapter${this.options.adapter ? ` ${this.options.adapter}` : ''}: is bluetoothd running and an adapter plugged in? ('bluetoothctl list' shows the adapters.)`,
        'not-found',
      );
    }
    for (const [path, ifaces] of Object.entries(tree)) {
      const props = ifaces[IFACE.device];
      if (props && this.onAdapter(path)) this.known.upsert(path, props);
    }
    this.agentError = undefined;
    try {
      await bus.call(BLUEZ, '/org/bluez', IFACE.agentManager, 'RegisterAgent', 'os', [AGENT_PATH, AGENT_CAPABILITY], 5000);
      // Default agent: bluetoothd also sends the requests of pairings a device starts itself here.
      await bus.call(BLUEZ, '/org/bluez', IFACE.agentManager, 'RequestDefaultAgent', 'o', [AGENT_PATH], 5000).catch(() => {});
    } catch (e) {
      this.agentError = (e as Error).message;
    }
  }

  private wanted(path: string): boolean {
    return this.options.adapter ? path === `/org/bluez/${this.options.adapter}` : true;
  }

  /** A device of the adapter in use (BlueZ lists every adapter's devices). */
  private onAdapter(path: string): boolean {
    return !!this.adapterPath && path.startsWith(`${this.adapterPath}/`);
  }

  private async adopt(bus: Bus, adapter: string, props: Props, strict: boolean): Promise<void> {
    this.adapterPath = adapter;
    if (bool(props, 'Powered') !== false) return;
    try {
      await bus.call(BLUEZ, adapter, IFACE.properties, 'Set', 'ssv', [IFACE.adapter, 'Powered', new Variant('b', true)]);
    } catch (e) {
      const err = new DeviceError(
        `The Bluetooth adapter ${adapter.split('/').pop()} is switched off and could not be switched on (${(e as Error).message}): check 'rfkill list' and the adapter's switch.`,
        'io',
      );
      if (strict) throw err;
      this.warn(err.message);
    }
  }

  async stop(): Promise<void> {
    const bus = this.bus;
    if (!bus) return;
    for (const conn of [...this.connections.values()]) await conn.disconnect();
    if (this.scanning) await bus.call(BLUEZ, this.adapterPath, IFACE.adapter, 'StopDiscovery', '', [], 2000).catch(() => {});
    this.scanning = false;
    if (this.agentError === undefined) await bus.call(BLUEZ, '/org/bluez', IFACE.agentManager, 'UnregisterAgent', 'o', [AGENT_PATH], 2000).catch(() => {});
    bus.removeMethodHandler(this.agent.handler);
    await bus.removeMatches();
    this.bus = undefined;
    bus.disconnect();
    this.connections.clear();
    this.known.clear();
    this.agentError = undefined;
    this.adapterPath = '';
    this.bluezOwner = '';
  }

  async scan(on: boolean): Promise<void> {
    const bus = this.started('scanning');
    if (on) {
      // LE only; DuplicateData: a device BlueZ already knows still signals each advertisement (episodic cuffs).
      await bus.call(BLUEZ, this.adapterPath, IFACE.adapter, 'SetDiscoveryFilter', 'a{sv}', [{ Transport: new Variant('s', 'le'), DuplicateData: new Variant('b', true) }]).catch(() => {});
      try {
        await bus.call(BLUEZ, this.adapterPath, IFACE.adapter, 'StartDiscovery');
      } catch (e) {
        if (!(e instanceof CallError && e.errorName === 'org.bluez.Error.InProgress')) throw bluezError(this.adapterName(), 'starting a scan', e);
      }
      this.scanning = true;
      this.known.replay();
    } else {
      this.scanning = false;
      try {
        await bus.call(BLUEZ, this.adapterPath, IFACE.adapter, 'StopDiscovery');
      } catch (e) {
        // Failed "No discovery started" / NotReady: it is off, which is what was asked.
        if (!(e instanceof CallError && /org\.bluez\.Error\.(Failed|NotReady|NotAuthorized)/.test(e.errorName))) throw bluezError(this.adapterName(), 'stopping the scan', e);
      }
    }
  }

  async connect(address: string, timeoutMs: number): Promise<BleConnection> {
    const addr = address.trim().toUpperCase();
    const existing = this.connections.get(addr);
    if (existing?.open) return existing;
    // Two callers connecting the same device share one attempt (a second Connect would answer InProgress).
    const pending = this.connecting.get(addr);
    if (pending) return pending;
    const attempt = this.open(addr, timeoutMs).finally(() => this.connecting.delete(addr));
    this.connecting.set(addr, attempt);
    return attempt;
  }

  private async open(addr: string, timeoutMs: number): Promise<BluezConnection> {
    const bus = this.started(`connecting to ${addr}`);
    const path = this.known.pathOf(addr, 'connecting');
    const deadline = Date.now() + timeoutMs;
    try {
      await bus.call(BLUEZ, path, IFACE.device, 'Connect', '', [], timeoutMs);
    } catch (e) {
      if (!(e instanceof CallError && e.errorName === 'org.bluez.Error.AlreadyConnected')) {
        // A timed-out Connect keeps bluetoothd trying: cancel it, so the next attempt starts clean.
        if (e instanceof CallError && e.errorName === TIMEOUT) await bus.call(BLUEZ, path, IFACE.device, 'Disconnect', '', [], 2000).catch(() => {});
        throw bluezError(addr, 'connecting', e);
      }
    }
    try {
      await this.known.until(path, (p) => bool(p, 'ServicesResolved') === true, (p) => bool(p, 'Connected') === false, deadline - Date.now());
      const tree = objects((await bus.call(BLUEZ, '/', IFACE.objectManager, 'GetManagedObjects', '', [], Math.max(1000, deadline - Date.now())))[0]);
      if (bool(this.known.props(path), 'Connected') !== true) {
        throw new DeviceError(`Bluetooth device ${addr} disconnected before its services were read: try again, and pair it if it keeps happening.`, 'lost');
      }
      const conn: BluezConnection = new BluezConnection(addr, path, gattOf(path, tree), bus, () => {
        if (this.connections.get(addr) === conn) this.connections.delete(addr);
      }, this.warn);
      this.connections.set(addr, conn);
      return conn;
    } catch (e) {
      if (e instanceof CallError && e.errorName === TIMEOUT) await bus.call(BLUEZ, path, IFACE.device, 'Disconnect', '', [], 2000).catch(() => {});
      throw e instanceof DeviceError ? e : bluezError(addr, 'reading its services', e);
    }
  }

  async pair(address: string, passkey?: string): Promise<PairResult> {
    const addr = address.trim().toUpperCase();
    const bus = this.started(`pairing ${addr}`);
    const path = this.known.path(addr);
    if (!path) return { ok: false, reason: 'not-found', detail: `Bluetooth device ${addr} is not known: put it in pairing mode and scan again.` };
    let code: number | undefined;
    if (passkey !== undefined && passkey.trim() !== '') {
      if (!/^\d{1,6}$/.test(passkey.trim())) return { ok: false, reason: 'passkey-needed', detail: 'A passkey is the 6 digits the device shows: type them again.' };
      code = Number(passkey.trim());
    }
    if (this.agentError !== undefined) return { ok: false, reason: 'failed', detail: `The cabin's pairing agent could not be registered with bluetoothd (${this.agentError}): restart the device host.` };
    if (this.agent.current) return { ok: false, reason: 'failed', detail: 'Another device is being paired: wait for it to finish.' };
    if (bool(this.known.props(path), 'Paired') === true) return this.trust(bus, path);
    const request = { devicePath: path, passkey: code, passkeyAsked: false };
    this.agent.current = request;
    try {
      await bus.call(BLUEZ, path, IFACE.device, 'Pair', '', [], this.options.pairTimeoutMs ?? 60_000);
    } catch (e) {
      const name = e instanceof CallError ? e.errorName : '';
      if (name === 'org.bluez.Error.AlreadyExists') return this.trust(bus, path);
      if (name === TIMEOUT) await bus.call(BLUEZ, path, IFACE.device, 'CancelPairing', '', [], 2000).catch(() => {});
      return pairFailure(name, (e as Error).message, request.passkeyAsked, code !== undefined);
    } finally {
      if (this.agent.current === request) this.agent.current = undefined;
    }
    return this.trust(bus, path);
  }

  /** Trusted: bluetoothd lets the bonded device reconnect and use its services without asking the agent again. */
  private async trust(bus: Bus, path: string): Promise<PairResult> {
    await bus.call(BLUEZ, path, IFACE.properties, 'Set', 'ssv', [IFACE.device, 'Trusted', new Variant('b', true)], 5000).catch(() => {});
    return { ok: true };
  }

  async forget(address: string): Promise<void> {
    const addr = address.trim().toUpperCase();
    const bus = this.started(`forgetting ${addr}`);
    const path = this.known.path(addr);
    if (!path) return;
    await this.connections.get(addr)?.disconnect();
    const adapter = str(this.known.props(path), 'Adapter') ?? this.adapterPath;
    try {
      await bus.call(BLUEZ, adapter, IFACE.adapter, 'RemoveDevice', 'o', [path]);
    } catch (e) {
      if (!(e instanceof CallError && /DoesNotExist|UnknownObject/.test(e.errorName))) throw bluezError(addr, 'forgetting it', e);
    }
  }

  // ——— signals ———

  private signal(s: Signal): void {
    if (s.member === 'NameOwnerChanged') return this.ownerChanged(s.body);
    if (this.bluezOwner && s.sender !== this.bluezOwner) return;
    if (s.interface === IFACE.objectManager && s.member === 'InterfacesAdded') {
      const [path, added] = s.body;
      if (typeof path !== 'string') return;
      const ifaces = interfaces(added);
      const adapter = ifaces[IFACE.adapter];
      if (adapter && !this.adapterPath && this.wanted(path) && this.bus) void this.adopt(this.bus, path, adapter, false);
      const props = ifaces[IFACE.device];
      if (props && this.onAdapter(path)) this.known.upsert(path, props, true);
    } else if (s.interface === IFACE.objectManager && s.member === 'InterfacesRemoved') {
      const [path, removed] = s.body;
      if (typeof path !== 'string' || !Array.isArray(removed)) return;
      if (removed.includes(IFACE.device)) this.known.removed(path);
      if (removed.includes(IFACE.adapter) && path === this.adapterPath) this.adapterGone('the Bluetooth adapter was removed');
    } else if (s.interface === IFACE.properties && s.member === 'PropertiesChanged') {
      const [iface, changed] = s.body;
      if (!isRecord(changed)) return;
      if (iface === IFACE.device) this.known.changed(s.path, changed);
      else if (iface === IFACE.characteristic) {
        for (const conn of this.connections.values()) if (s.path.startsWith(`${conn.devicePath}/`)) conn.valueChanged(s.path, changed);
      }
    }
  }

  private ownerChanged(body: readonly unknown[]): void {
    const [name, , owner] = body;
    if (name !== BLUEZ || typeof owner !== 'string') return;
    const before = this.bluezOwner;
    this.bluezOwner = owner;
    if (before) this.bluetoothdGone('bluetoothd stopped');
    // bluetoothd (re)started: its adapter, cached devices and agents are new; read them again.
    const bus = this.bus;
    if (owner && bus) {
      this.load(bus, false).then(
        () => this.known.replay(),
        (e: unknown) => this.warn(`BlueZ central: bluetoothd came back but could not be read: ${(e as Error).message}`),
      );
    }
  }

  /** bluetoothd went away (it does not remove its objects first): every connection ends, every device goes. */
  private bluetoothdGone(reason: string): void {
    this.adapterGone(reason);
    this.agentError = 'bluetoothd stopped';
  }

  private adapterGone(reason: string): void {
    this.loseAll(reason);
    this.scanning = false;
    this.adapterPath = '';
    this.known.removeAll();
  }

  private loseAll(reason: string): void {
    for (const conn of [...this.connections.values()]) conn.lost(reason);
  }

  // ——— helpers ———

  private started(what: string): Bus {
    if (!this.bus) throw new DeviceError(`Bluetooth is not started (${what}): the device host starts it first.`, 'io');
    if (!this.adapterPath) throw new DeviceError(`No Bluetooth adapter (${what}): is bluetoothd running and an adapter plugged in?`, 'not-found');
    return this.bus;
  }

  private adapterName(): string {
    return `adapter ${this.adapterPath.split('/').pop() ?? ''}`;
  }
}

function pairFailure(name: string, text: string, passkeyAsked: boolean, passkeyGiven: boolean): PairResult {
  if (/Authentication(Rejected|Canceled|Failed)|\.Rejected$|\.Canceled$/.test(name)) {
    if (passkeyAsked && !passkeyGiven) return { ok: false, reason: 'passkey-needed', detail: 'The device asks for the passkey it shows: type it and pair again.' };
    if (passkeyAsked) return { ok: false, reason: 'rejected', detail: 'The device refused the passkey: check the digits on its screen, put it back in pairing mode and try again.' };
    return { ok: false, reason: 'rejected', detail: 'The device refused pairing: put it in pairing mode and try again.' };
  }
  if (/AuthenticationTimeout|ConnectionAttemptFailed|NoReply/.test(name) || name === TIMEOUT) {
    return { ok: false, reason: 'timeout', detail: 'The device did not answer: put it in pairing mode, bring it closer and try again.' };
  }
  if (/DoesNotExist|UnknownObject/.test(name)) return { ok: false, reason: 'not-found', detail: 'BlueZ no longer knows this device: scan for it again.' };
  if (name === CLOSED) return { ok: false, reason: 'failed', detail: 'The connection to bluetoothd closed during pairing: restart the device host.' };
  return { ok: false, reason: 'failed', detail: `Pairing failed: ${text}` };
}
