import { describe, expect, it, vi } from 'vitest';

// node-hid stands in for the USB bus here: there are no HID devices on these machines.
vi.mock('node-hid', () => ({
  devicesAsync: async () => [
    { vendorId: 0x0590, productId: 0x0028, path: '/dev/hidraw2', manufacturer: 'OMRON', product: 'HEM-790IT', serialNumber: 'A1' },
    { vendorId: 0x046d, productId: 0xc31c, path: '/dev/hidraw0', manufacturer: 'Logitech', product: 'USB Keyboard' },
    { vendorId: 0x0590, productId: 0x0028, manufacturer: 'OMRON' },
  ],
}));

const { listHid } = await import('../../src/devices/discovery/ports.ts');

describe('listHid', () => {
  it('lists only HID devices with the ids of a driver, never keyboards or pathless entries', async () => {
    expect(await listHid(new Set(['0590:0028']))).toEqual([
      {
        path: '/dev/hidraw2',
        kind: 'hid',
        vendorId: '0590',
        productId: '0028',
        manufacturer: 'OMRON',
        product: 'HEM-790IT',
        serialNumber: 'A1',
      },
    ]);
  });

  it('does not touch the HID bus when no driver uses HID', async () => {
    expect(await listHid(new Set())).toEqual([]);
  });
});
