import type { SerialSettings, UsbMatch } from '../../src/shared/driver.ts';

/** Serial settings and USB identity shared by every Nonin data format (protocols.md §2.1, §0). */

export const NONIN_SERIAL: SerialSettings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 };

export const NONIN_USB: readonly UsbMatch[] = [
  {
    vendorId: '0403',
    productId: '6001',
    manufacturer: 'Nonin Medical',
    note:
      'Nonin Xpod 3012LP / USB cable: FTDI USB-serial reporting manufacturer "Nonin Medical" (product "Pulse Oximeter"); ' +
      'PID 6001 is the FTDI default and is NOT confirmed in the reference. Data formats 2, 7 and 8 share this port.',
  },
];

export const NONIN_MODELS = ['9560 Onyx II', '3150 WristOx2', 'Xpod 3012LP', 'OEM III module'] as const;
