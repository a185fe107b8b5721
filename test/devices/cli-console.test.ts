import { describe as group, expect, it } from 'vitest';
import { describe } from '../../src/devices/cli/console.ts';

group('the devices console’s live view', () => {
  it('a reading is its value and unit; a special value (issue 13) is said as the device gave it, never « undefined »', () => {
    expect(describe({ kind: 'observation', code: 'MDC_TEMP_BODY', value: 37.2, unit: 'Cel', t: 1, measurementId: 'm1' })).toMatch(/Body temperature: 37\.2 Cel {2}\(measurement m1\)$/);
    const line = describe({ kind: 'observation', code: 'MDC_TEMP_BODY', absent: 'nres', unit: 'Cel', t: 1, measurementId: 'm2' });
    expect(line).toMatch(/: no value \(the device answered nres\) {2}\(measurement m2\)$/);
    expect(line).not.toContain('undefined');
  });
});
