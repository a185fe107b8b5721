import type { BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { SimDeviceBasics, StoreAndSendSimulator, SIM_UTC, type SimOptions } from '../_ble/sim-device.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { featureBytes, measurementBytes } from './measurement.ts';

/**
 * default: a scale in kg (0.05 kg resolution) with timestamp, user 1, BMI and the profile's height (1 mm), CTS 20 s fast;
 * imperial: pounds (0.1 lb) and inches (0.1 in); weight-only: just the weight, no feature, no clock (the §B4 form).
 * It sends the weighings it has not sent yet once measurements are subscribed, then disconnects.
 */
export const scenarios = ['default', 'imperial', 'weight-only'] as const;
type Scenario = (typeof scenarios)[number];

const KG_PER_LB = 0.45359237;

interface Weighing {
  readonly kg: number;
  readonly cm: number;
}

class ScaleSimulator extends StoreAndSendSimulator<Weighing> {
  readonly name = 'A&D_UC-352_9A21';
  readonly address = 'C4:7C:8D:9A:21:07';
  readonly advertisedServices = [UUID.weightScale];
  readonly gatt: GattServiceSpec[];
  private kg = 72.4;
  private cm = 175;

  constructor(
    private readonly scenario: Scenario,
    options: SimOptions,
  ) {
    const full = scenario !== 'weight-only';
    const basics = new SimDeviceBasics({ manufacturer: 'A&D Medical', model: 'UC-352BLE' }, { utcOffsetMin: options.utcOffsetMin ?? SIM_UTC, offsetMs: 20_000, ...(full ? { cts: ['read', 'write'] as const } : {}) });
    super(basics, { service: UUID.weightScale, characteristic: UUID.weightMeasurement });
    this.gatt = [
      ...basics.services,
      {
        uuid: UUID.weightScale,
        characteristics: [{ uuid: UUID.weightMeasurement, properties: ['indicate'] as const }, ...(full ? [{ uuid: UUID.weightScaleFeature, properties: ['read'] as const }] : [])],
      },
    ];
  }

  set(values: SimulatorValues): void {
    if (values.weight !== undefined) this.kg = values.weight;
    if (values.height !== undefined) this.cm = values.height;
    if (values.completeMeasurement) this.measureSoon();
  }

  protected override readOwn(ref: GattRef): Uint8Array | undefined {
    if (normaliseUuid(ref.characteristic) !== UUID.weightScaleFeature || this.scenario === 'weight-only') return undefined;
    return featureBytes({ timestamp: true, users: true, bmi: true, weightIndex: 4, heightIndex: 3 });
  }

  protected current(): Weighing {
    return { kg: this.kg, cm: this.cm };
  }

  protected encode(r: Weighing, deviceMs: number): Uint8Array {
    const time = this.basics.dateTime(deviceMs);
    const bmi = Math.round((r.kg / (r.cm / 100) ** 2) * 10);
    if (this.scenario === 'weight-only') return measurementBytes({ weight: Math.round(r.kg / 0.005) });
    if (this.scenario === 'imperial') {
      // 0.1 lb steps in 0.01 lb units; height in 0.1 in.
      const lbTenths = Math.round(r.kg / KG_PER_LB / 0.1);
      return measurementBytes({ weight: lbTenths * 10, imperial: true, time, user: 1, bmi, height: Math.round(r.cm / 2.54 / 0.1) });
    }
    // 0.05 kg steps in 0.005 kg units; height in mm.
    const steps = Math.round(r.kg / 0.05);
    return measurementBytes({ weight: steps * 10, time, user: 1, bmi, height: Math.round(r.cm * 10) });
  }
}

export function createSimulator(scenario?: string, options: SimOptions = {}): BleSimulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new ScaleSimulator(name, options);
}
