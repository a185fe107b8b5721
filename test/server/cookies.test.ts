import { describe, expect, it } from 'vitest';
import { readCookie, setCookie } from '../../src/server/cookies.ts';

describe('readCookie', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['a=1', undefined],
    ['s=abc', 'abc'],
    ['a=1; s=abc; b=2', 'abc'],
    ['a=1;s=abc', 'abc'],
    ['xs=abc', undefined],
    ['s =abc', 'abc'],
    ['s=', undefined],
    ['s=a b', undefined],
    ['s="abc"', undefined],
    ['s=bad.value; s=good', 'good'],
    ['=abc', undefined],
  ])('%s → %s', (header, value) => expect(readCookie(header, 's')).toBe(value));

  it('checks the value against the given pattern', () => {
    expect(readCookie('s=short', 's', /^[a-z]{10,}$/)).toBeUndefined();
    expect(readCookie('s=short; s=longenough', 's', /^[a-z]{10,}$/)).toBe('longenough');
  });
});

describe('setCookie', () => {
  it('writes the attributes asked for, in a fixed order', () => {
    expect(setCookie('s', 'v', { httpOnly: true, secure: true, sameSite: 'Strict', path: '/api', maxAgeS: 60 })).toBe(
      's=v; HttpOnly; Secure; SameSite=Strict; Path=/api; Max-Age=60',
    );
    expect(setCookie('cabin-token', 'abc', { httpOnly: true, sameSite: 'Strict', path: '/' })).toBe('cabin-token=abc; HttpOnly; SameSite=Strict; Path=/');
    expect(setCookie('s', '', { maxAgeS: 0 })).toBe('s=; Max-Age=0');
  });

  it('refuses a value that would need quoting (or inject attributes)', () => {
    expect(() => setCookie('s', 'a; Domain=evil')).toThrow(/base64url/);
    expect(() => setCookie('s;', 'a')).toThrow(/base64url/);
  });

  it('writes a JWS (base64url parts joined by dots), read back with a pattern that allows it', () => {
    const jws = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkci5hIn0.c2ln';
    expect(setCookie('cabin_device', jws, { path: '/api' })).toBe(`cabin_device=${jws}; Path=/api`);
    expect(readCookie(`cabin_device=${jws}`, 'cabin_device', /^[\w-]+\.[\w-]+\.[\w-]+$/)).toBe(jws);
  });

  it('reads back what it wrote', () => {
    expect(readCookie(setCookie('s', 'abc_-1', { httpOnly: true }).split(';')[0], 's')).toBe('abc_-1');
  });
});
