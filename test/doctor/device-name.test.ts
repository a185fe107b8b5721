import { describe, expect, it } from 'vitest';
import { modelOf } from '../../src/doctor/call/device-name.ts';

describe('device model names', () => {
  it('keeps the brand and model, drops the English description', () => {
    expect(modelOf('Omron HEM-790IT / HEM-7080IT blood-pressure monitor (USB HID)')).toBe('Omron HEM-790IT / HEM-7080IT');
    expect(modelOf('Contec CMS50D+/E/F, CMS60C pulse oximeter (protocol V7.0)')).toBe('Contec CMS50D+/E/F, CMS60C');
    expect(modelOf('Tanita scale (tag,value CSV output)')).toBe('Tanita');
    expect(modelOf('Welch Allyn SureTemp Plus thermometer module')).toBe('Welch Allyn SureTemp Plus');
    expect(modelOf('Nonin pulse oximeter, data format 2 (8-bit pleth, 75 Hz)')).toBe('Nonin');
    expect(modelOf('oximeter')).toBe('');
  });
});
