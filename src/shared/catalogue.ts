import { z } from 'zod';

/**
 * The measurement catalogue: every code a driver may emit, with its numeric MDC code, LOINC, UCUM unit,
 * the range a valid value must fall in, and display names. Source: ../shared/reference/standards.md.
 */
export interface Measurement {
  /** IEEE 11073-10101 reference id. */
  readonly code: MdcCode;
  /** 32-bit MDC code (partition × 65536 + term). */
  readonly mdc: number;
  /** LOINC codes, most specific vital-sign code first; empty where none exists (waveforms). */
  readonly loinc: readonly string[];
  /** UCUM unit of `value` (or of the samples' origin for waveforms). */
  readonly unit: string;
  /** Inclusive range of a physiologically and technically valid value. */
  readonly min: number;
  readonly max: number;
  readonly names: { readonly en: string; readonly fr: string };
  readonly waveform?: true;
}

const entries = [
  { code: 'MDC_PULS_OXIM_SAT_O2', mdc: 150456, loinc: ['2708-6', '59408-5'], unit: '%', min: 0, max: 100,
    names: { en: 'Oxygen saturation (SpO2)', fr: 'Saturation en oxygène (SpO2)' } },
  { code: 'MDC_PULS_OXIM_PULS_RATE', mdc: 149530, loinc: ['8867-4', '8889-8'], unit: '/min', min: 1, max: 350,
    names: { en: 'Pulse rate', fr: 'Fréquence du pouls' } },
  { code: 'MDC_PULS_OXIM_PERF_REL', mdc: 150488, loinc: [], unit: '%', min: 0, max: 100,
    names: { en: 'Perfusion index', fr: 'Indice de perfusion' } },
  { code: 'MDC_PULS_OXIM_PLETH', mdc: 150452, loinc: [], unit: '1', min: 0, max: 65535, waveform: true,
    names: { en: 'Plethysmogram', fr: 'Pléthysmogramme' } },
  { code: 'MDC_PRESS_BLD_NONINV_SYS', mdc: 150021, loinc: ['8480-6'], unit: 'mm[Hg]', min: 20, max: 300,
    names: { en: 'Systolic blood pressure', fr: 'Pression artérielle systolique' } },
  { code: 'MDC_PRESS_BLD_NONINV_DIA', mdc: 150022, loinc: ['8462-4'], unit: 'mm[Hg]', min: 10, max: 250,
    names: { en: 'Diastolic blood pressure', fr: 'Pression artérielle diastolique' } },
  { code: 'MDC_PRESS_BLD_NONINV_MEAN', mdc: 150023, loinc: ['8478-0'], unit: 'mm[Hg]', min: 10, max: 280,
    names: { en: 'Mean arterial pressure', fr: 'Pression artérielle moyenne' } },
  { code: 'MDC_PULS_RATE_NON_INV', mdc: 149546, loinc: ['8867-4'], unit: '/min', min: 1, max: 350,
    names: { en: 'Pulse rate (cuff)', fr: 'Fréquence du pouls (brassard)' } },
  { code: 'MDC_TEMP_BODY', mdc: 150364, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature', fr: 'Température corporelle' } },
  { code: 'MDC_MASS_BODY_ACTUAL', mdc: 188736, loinc: ['29463-7'], unit: 'kg', min: 0.5, max: 500,
    names: { en: 'Body weight', fr: 'Poids' } },
  { code: 'MDC_LEN_BODY_ACTUAL', mdc: 188740, loinc: ['8302-2'], unit: 'cm', min: 30, max: 300,
    names: { en: 'Body height', fr: 'Taille' } },
  { code: 'MDC_RATIO_MASS_BODY_LEN_SQ', mdc: 188752, loinc: ['39156-5'], unit: 'kg/m2', min: 5, max: 150,
    names: { en: 'Body mass index', fr: 'Indice de masse corporelle' } },
  // Temperature by measurement site (BLE Health Thermometer's type field): 131072 + the SCADA term of IEEE 11073-10408.
  { code: 'MDC_TEMP_TYMP', mdc: 150392, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (tympanic)', fr: 'Température corporelle (tympan)' } },
  { code: 'MDC_TEMP_RECT', mdc: 188420, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (rectal)', fr: 'Température corporelle (rectale)' } },
  { code: 'MDC_TEMP_ORAL', mdc: 188424, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (oral)', fr: 'Température corporelle (buccale)' } },
  { code: 'MDC_TEMP_EAR', mdc: 188428, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (ear)', fr: 'Température corporelle (oreille)' } },
  { code: 'MDC_TEMP_FINGER', mdc: 188432, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (finger)', fr: 'Température corporelle (doigt)' } },
  { code: 'MDC_TEMP_TOE', mdc: 188448, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (toe)', fr: 'Température corporelle (orteil)' } },
  { code: 'MDC_TEMP_AXILLA', mdc: 188452, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (armpit)', fr: 'Température corporelle (aisselle)' } },
  { code: 'MDC_TEMP_GIT', mdc: 188456, loinc: ['8310-5'], unit: 'Cel', min: 25, max: 45,
    names: { en: 'Body temperature (gastro-intestinal)', fr: 'Température corporelle (gastro-intestinale)' } },
  // Blood glucose (BLE Glucose's sample type): capillary whole blood and plasma, every other sample as generic.
  // mg/dL, the unit of French glucometers' « g/L » × 100; a mmol/L device's value is converted (its own kept as `reported`).
  { code: 'MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', mdc: 160184, loinc: ['41653-7'], unit: 'mg/dL', min: 10, max: 1000,
    names: { en: 'Blood glucose (capillary)', fr: 'Glycémie capillaire' } },
  { code: 'MDC_CONC_GLU_CAPILLARY_PLASMA', mdc: 160188, loinc: ['41653-7'], unit: 'mg/dL', min: 10, max: 1000,
    names: { en: 'Blood glucose (capillary plasma)', fr: 'Glycémie capillaire (plasma)' } },
  { code: 'MDC_CONC_GLU_GEN', mdc: 160020, loinc: ['2339-0'], unit: 'mg/dL', min: 10, max: 1000,
    names: { en: 'Blood glucose', fr: 'Glycémie' } },
  // Body fat percentage: MDC partition 2 (SCADA) term 57676.
  { code: 'MDC_BODY_FAT', mdc: 188748, loinc: ['41982-0'], unit: '%', min: 1, max: 80,
    names: { en: 'Body fat', fr: 'Masse grasse' } },
] as const satisfies readonly (Omit<Measurement, 'code'> & { code: `MDC_${string}` })[];

/** The closed set of codes: an observation of any other code is refused at every hop. */
export const MDC_CODES = entries.map((m) => m.code) as unknown as readonly [(typeof entries)[number]['code'], ...(typeof entries)[number]['code'][]];
export const MdcCodeSchema = z.enum(MDC_CODES);
export type MdcCode = z.infer<typeof MdcCodeSchema>;

type Short<C> = C extends `MDC_${infer Rest}` ? Rest : never;
/** The codes by their name without the `MDC_` prefix, for drivers: `MDC.PULS_OXIM_SAT_O2`. */
export const MDC = Object.fromEntries(MDC_CODES.map((c) => [c.slice(4), c])) as { readonly [C in MdcCode as Short<C>]: C };

export const CATALOGUE: ReadonlyMap<string, Measurement> = new Map(entries.map((m) => [m.code, m]));

export function measurement(code: string): Measurement {
  const m = CATALOGUE.get(code);
  if (!m) throw new Error(`unknown measurement code ${code}`);
  return m;
}

/** True when `value` may be emitted as an observation of `code`. */
/** Every body-temperature code: unspecified site first, then each site. */
export const TEMPERATURE_CODES = ['MDC_TEMP_BODY', 'MDC_TEMP_TYMP', 'MDC_TEMP_RECT', 'MDC_TEMP_ORAL', 'MDC_TEMP_EAR', 'MDC_TEMP_FINGER', 'MDC_TEMP_TOE', 'MDC_TEMP_AXILLA', 'MDC_TEMP_GIT'] as const satisfies readonly MdcCode[];
/** Every blood-glucose code. */
export const GLUCOSE_CODES = ['MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', 'MDC_CONC_GLU_CAPILLARY_PLASMA', 'MDC_CONC_GLU_GEN'] as const satisfies readonly MdcCode[];

export function inRange(code: string, value: number): boolean {
  const m = CATALOGUE.get(code);
  return m !== undefined && Number.isFinite(value) && value >= m.min && value <= m.max;
}
