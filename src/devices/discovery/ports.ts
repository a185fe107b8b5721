import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A port the system shows now, with what identifies the device behind it. */
export interface PortInfo {
  path: string;
  kind: 'serial' | 'hid' | 'simulated';
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

export type PortLister = () => Promise<PortInfo[]>;

/** Serial devices that can carry a medical peripheral (built-in ttyS* only when configured). */
const SERIAL_NAMES = /^(ttyUSB|ttyACM|ttyAMA|rfcomm)\d+$/;

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * Linux serial ports from sysfs: walks from each tty up to its USB device for ids and strings. Reads files
 * only (serialport's own lister spawns `udevadm`, which may be absent and then crashes the process).
 */
export function listSysfsSerial(sysfs = '/sys', dev = '/dev'): PortInfo[] {
  const classDir = join(sysfs, 'class/tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const ports: PortInfo[] = [];
  for (const name of names.filter((n) => SERIAL_NAMES.test(n)).sort()) {
    const port: PortInfo = { path: join(dev, name), kind: 'serial' };
    let dir: string;
    try {
      dir = realpathSync(join(classDir, name, 'device'));
    } catch {
      ports.push(port);
      continue;
    }
    for (let i = 0; i < 8 && dir.startsWith(sysfs) && dir !== sysfs; i++, dir = dirname(dir)) {
      const vid = readAttr(dir, 'idVendor');
      if (vid) {
        port.vendorId = vid.toLowerCase();
        port.productId = readAttr(dir, 'idProduct')?.toLowerCase();
        port.manufacturer = readAttr(dir, 'manufacturer');
        port.product = readAttr(dir, 'product');
        port.serialNumber = readAttr(dir, 'serial');
        break;
      }
    }
    ports.push(port);
  }
  return ports;
}

/** Other systems: serialport's lister. */
async function listSerialPortPackage(): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  const list = await SerialPort.list();
  return list.map((p) => ({
    path: p.path,
    kind: 'serial' as const,
    vendorId: p.vendorId?.toLowerCase(),
    productId: p.productId?.toLowerCase(),
    manufacturer: p.manufacturer,
    serialNumber: p.serialNumber,
  }));
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** HID devices with the given `vid:pid` ids (keyboards and the like are never listed or opened). */
export async function listHid(ids: ReadonlySet<string>): Promise<PortInfo[]> {
  if (ids.size === 0) return [];
  const hid = await import('node-hid');
  const devices = await hid.devicesAsync();
  const out: PortInfo[] = [];
  for (const d of devices) {
    const vendorId = hex4(d.vendorId);
    const productId = hex4(d.productId);
    if (!d.path || !ids.has(`${vendorId}:${productId}`)) continue;
    out.push({
      path: d.path,
      kind: 'hid',
      vendorId,
      productId,
      manufacturer: d.manufacturer,
      product: d.product,
      serialNumber: d.serialNumber,
    });
  }
  return out;
}

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export interface SystemListerOptions {
  /** `vid:pid` of the HID drivers' devices. */
  hidIds: ReadonlySet<string>;
  /** Configured port paths (RS-232 adapters, ttyS*, links made by socat): listed while they exist. */
  configured: readonly string[];
  ignore: readonly string[];
  onWarning?: (message: string) => void;
  /** Where sysfs and device nodes live (tests). */
  sysfs?: string;
  dev?: string;
}

/** The ports of this machine: USB serial, known HID devices and configured paths. */
export function systemLister(opts: SystemListerOptions): PortLister {
  let hidWarned = false;
  return async () => {
    const serial = process.platform === 'linux' ? listSysfsSerial(opts.sysfs, opts.dev) : await listSerialPortPackage().catch(() => []);
    let hid: PortInfo[] = [];
    try {
      hid = await listHid(opts.hidIds);
    } catch (err) {
      if (!hidWarned) opts.onWarning?.(`USB HID devices cannot be listed (${(err as Error).message}): install libusb-1.0-0.`);
      hidWarned = true;
    }
    // A configured path (often a stable /dev/serial/by-id link) wins over the tty it points to.
    const configured = opts.configured.filter((p) => existsSync(p));
    const taken = new Set(configured.map(realPath));
    const listed = serial.filter((p) => !taken.has(p.path) && !configured.includes(p.path));
    const mapped = configured.map((path) => {
      const usb = serial.find((p) => p.path === realPath(path));
      return { ...usb, path, kind: 'serial' as const };
    });
    return [...listed, ...mapped, ...hid].filter((p) => !opts.ignore.includes(p.path));
  };
}
