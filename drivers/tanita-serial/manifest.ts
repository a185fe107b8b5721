import { MDC } from '../../src/shared/catalogue.ts';
import type { DriverManifest } from '../../src/shared/driver.ts';

/** Tanita body-composition scales with the RS-232/USB "tag,value" CSV output (protocols.md §5.1). */
export const manifest: DriverManifest = {
  id: 'tanita-serial',
  name: 'Tanita scale (tag,value CSV output)',
  manufacturer: 'Tanita',
  models: ['SC-240', 'SC-330', 'BC-420MA', 'MC-780MA', 'MC-980MA', 'DC-320', 'DC-360', 'WB-3000', 'BD-815U'],
  category: 'scale',
  transport: 'serial',
  // 9600 8N1 for BD-815U/HD-351BT/MC-780MA and the SC series; the 2400 7E1 models (WB-110S, TBF-310) send another format.
  serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  usb: [
    {
      vendorId: '0403',
      productId: '6001',
      manufacturer: 'FTDI',
      note: 'FTDI FT232R default id (MC-780MA USB port, unverified): shared by many devices, confirm with the cabin config',
    },
  ],
  codes: [MDC.MASS_BODY_ACTUAL, MDC.LEN_BODY_ACTUAL, MDC.RATIO_MASS_BODY_LEN_SQ, MDC.BODY_FAT],
  // The scale is silent until someone is weighed: a probe only succeeds if two measurements happen meanwhile.
  probeMs: 3000,
  // Sends one line per weighing: silence is normal.
  lineDelimiter: '\r\n',
};
