import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSysfsSerial, systemLister } from '../../src/devices/discovery/ports.ts';

/** Builds a sysfs-like tree: /sys/class/tty/<name>/device → a USB interface below a USB device. */
function fakeSysfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'cabin-sysfs-'));
  const usbDev = join(root, 'devices/pci0000:00/0000:00:14.0/usb1/1-2');
  const iface = join(usbDev, '1-2:1.0');
  const ttyDev = join(iface, 'ttyUSB0');
  mkdirSync(ttyDev, { recursive: true });
  writeFileSync(join(usbDev, 'idVendor'), '10C4\n');
  writeFileSync(join(usbDev, 'idProduct'), 'ea60\n');
  writeFileSync(join(usbDev, 'manufacturer'), 'Silicon Labs\n');
  writeFileSync(join(usbDev, 'product'), 'CP2102 USB to UART Bridge Controller\n');
  writeFileSync(join(usbDev, 'serial'), '0001\n');
  const cls = join(root, 'class/tty');
  for (const n of ['ttyUSB0', 'ttyS0', 'tty1', 'ttyACM3']) mkdirSync(join(cls, n), { recursive: true });
  symlinkSync(ttyDev, join(cls, 'ttyUSB0/device'));
  // ttyACM3 has no device link (e.g. being removed): still listed, without identity.
  return root;
}

describe('listSysfsSerial', () => {
  it('finds USB serial ports with the ids and strings of their USB device', () => {
    const root = fakeSysfs();
    const ports = listSysfsSerial(root, '/dev');
    expect(ports).toEqual([
      { path: '/dev/ttyACM3', kind: 'serial' },
      {
        path: '/dev/ttyUSB0',
        kind: 'serial',
        vendorId: '10c4',
        productId: 'ea60',
        manufacturer: 'Silicon Labs',
        product: 'CP2102 USB to UART Bridge Controller',
        serialNumber: '0001',
      },
    ]);
  });

  it('returns nothing rather than failing when sysfs is absent', () => {
    expect(listSysfsSerial('/nonexistent-sysfs')).toEqual([]);
  });
});

describe('systemLister', () => {
  it('lists a configured stable link instead of the tty it points to, keeping its USB identity', async () => {
    const root = fakeSysfs();
    const dev = mkdtempSync(join(tmpdir(), 'cabin-dev-'));
    writeFileSync(join(dev, 'ttyUSB0'), '');
    writeFileSync(join(dev, 'ttyACM3'), '');
    const byId = join(dev, 'usb-Silicon_Labs_CP2102-if00');
    symlinkSync(join(dev, 'ttyUSB0'), byId);
    const list = systemLister({ hidIds: new Set(), configured: [byId, join(dev, 'missing')], ignore: [join(dev, 'ttyACM3')], sysfs: root, dev });
    expect(await list()).toEqual([
      {
        path: byId,
        kind: 'serial',
        vendorId: '10c4',
        productId: 'ea60',
        manufacturer: 'Silicon Labs',
        product: 'CP2102 USB to UART Bridge Controller',
        serialNumber: '0001',
      },
    ]);
  });
});
