import type { BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { SimDeviceBasics, StoreAndSendSimulator, SIM_UTC, type SimOptions } from '../_ble/sim-device.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { measurementBytes } from './measurement.ts';

/**
 * default: an ear thermometer (°C, 2 decimals, timestamp and site in each measurement, CTS 45 s slow);
 * fahrenheit: °F with 1 decimal, its site (mouth) only in Temperature Type 0x2A1D;
 * no-site: no site, no timestamp, no clock at all (the cabin's clock, MDC_TEMP_BODY);
 * nres: as default, but the thermometer cannot give the temperature (FLOAT NRes, 0x00800000: "not at this resolution").
 * It sends the readings it has not sent yet once measurements are subscribed, then disconnects.
 */
export const scenarios = ['default', 'fahrenheit', 'no-site', 'nres'] as const;
type Scenario = (typeof scenarios)[number];

const OFFSET_MS = -45_000;

class ThermometerSimulator extends StoreAndSendSimulator<number> {
  readonly name = 'FT95';
  readonly address = 'D0:5F:B8:12:34:56';
  readonly advertisedServices = [UUID.healthThermometer];
  readonly gatt: GattServiceSpec[];
  private celsius = 36.8;

  constructor(
    private readonly scenario: Scenario,
    options: SimOptions,
  ) {
    const clock = scenario !== 'no-site';
    const basics = new SimDeviceBasics(
      { manufacturer: 'Beurer', model: 'FT95', serial: 'FT95-0001234' },
      { utcOffsetMin: options.utcOffsetMin ?? SIM_UTC, offsetMs: OFFSET_MS, ...(clock ? { cts: ['read', 'write'] as const } : {}) },
    );
    super(basics, { service: UUID.healthThermometer, characteristic: UUID.temperatureMeasurement });
    this.gatt = [
      ...basics.services,
      {
        uuid: UUID.healthThermometer,
        characteristics: [
          { uuid: UUID.temperatureMeasurement, properties: ['indicate'] as const },
          ...(scenario === 'fahrenheit' ? [{ uuid: UUID.temperatureType, properties: ['read'] as const }] : []),
        ],
      },
    ];
  }

  set(values: SimulatorValues): void {
    if (values.temperature !== undefined) this.celsius = values.temperature;
    if (values.completeMeasurement) this.measureSoon();
  }

  protected override readOwn(ref: GattRef): Uint8Array | undefined {
    return normaliseUuid(ref.characteristic) === UUID.temperatureType && this.scenario === 'fahrenheit' ? Uint8Array.from([6]) : undefined;
  }

  protected current(): number {
    return this.celsius;
  }

  protected encode(celsius: number, deviceMs: number): Uint8Array {
    const s = this.scenario;
    if (s === 'nres') return measurementBytes({ value: celsius, decimals: 2, time: this.basics.dateTime(deviceMs), type: 3, special: 'nres' });
    if (s === 'default') return measurementBytes({ value: celsius, decimals: 2, time: this.basics.dateTime(deviceMs), type: 3 });
    if (s === 'fahrenheit') return measurementBytes({ value: (celsius * 9) / 5 + 32, decimals: 1, fahrenheit: true, time: this.basics.dateTime(deviceMs) });
    return measurementBytes({ value: celsius, decimals: 1 });
  }
}

export function createSimulator(scenario?: string, options: SimOptions = {}): BleSimulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new ThermometerSimulator(name, options);
}
