import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { waitNotice } from '../../src/doctor/screens/login-wait.ts';

describe('the login screen asked to wait (Retry-After)', () => {
  // French: a no-break space between the number and its unit.
  it('says seconds up to 2 minutes and whole minutes beyond, in each language', () => {
    const fr = createI18n('fr').t;
    expect(waitNotice(fr, 2)).toBe('Trop de tentatives. Attendez 2\u00a0secondes, puis réessayez.');
    expect(waitNotice(fr, 60)).toBe('Trop de tentatives. Attendez 60\u00a0secondes, puis réessayez.');
    expect(waitNotice(fr, 900)).toBe('Trop de tentatives. Attendez 15\u00a0minutes, puis réessayez.');
    expect(waitNotice(fr, 121)).toBe('Trop de tentatives. Attendez 3\u00a0minutes, puis réessayez.');
    expect(waitNotice(createI18n('en').t, 512)).toBe('Too many attempts. Wait 9 minutes, then try again.');
    expect(waitNotice(createI18n('ar').t, 900)).toContain('15 دقيقة');
  });
});
