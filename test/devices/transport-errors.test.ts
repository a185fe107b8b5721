import { describe, expect, it } from 'vitest';
import { explain } from '../../src/devices/transports/transport.ts';

describe('explain', () => {
  it.each([
    [Object.assign(new Error('Error: No such file or directory, cannot open /dev/ttyUSB0'), { code: 'ENOENT' }), 'not-found', /does not exist/],
    [new Error('Error Resource temporarily unavailable Cannot lock port'), 'busy', /busy: close the other program/],
    [new Error('Error: Permission denied, cannot open /dev/ttyUSB0'), 'permission', /udev rules or add this user to the 'dialout' group/],
    [new Error('Error: bad file descriptor'), 'lost', /disconnected/],
    [new Error('something odd'), 'io', /failed: something odd/],
  ])('turns %s into a message a person can act on', (err, code, message) => {
    const e = explain('/dev/ttyUSB0', err);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message).toContain('/dev/ttyUSB0');
  });
});
