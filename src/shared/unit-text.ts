/** UCUM units as people write them (the devices' own units included: kPa, °F, lb, mmol/L); a dimensionless 1 is not written. */
const UNIT_TEXT: Readonly<Record<string, string>> = {
  '%': '%',
  '/min': '/min',
  'mm[Hg]': 'mmHg',
  kPa: 'kPa',
  Cel: '°C',
  '[degF]': '°F',
  kg: 'kg',
  '[lb_av]': 'lb',
  cm: 'cm',
  '[in_i]': 'in',
  'mg/dL': 'mg/dL',
  'mmol/L': 'mmol/L',
  'g/L': 'g/L',
  'kg/m2': 'kg/m²',
  '1': '',
};

/** How the doctor console and the report document write a unit (an unknown one as it is). */
export const unitText = (ucum: string): string => UNIT_TEXT[ucum] ?? ucum;
