import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isSecureOrigin, securityHeaders } from '../../src/server/csp.ts';

describe('contentSecurityPolicy', () => {
  it("the doctor console's and browser mode's policy (inline styles, frames left to default-src)", () => {
    expect(contentSecurityPolicy({ inlineStyles: true })).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
  });

  it("the Electron shell's policy: no inline style, no frame, the hub's origins to connect to", () => {
    expect(contentSecurityPolicy({ denyFrames: true, connect: ['wss://hub.example.org', 'https://hub.example.org'] })).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self' wss://hub.example.org https://hub.example.org; object-src 'none'; frame-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
  });

  it.each([
    ['wss://hub.example.org', true],
    ['https://hub.example.org:8443', true],
    ['ws://hub.example.org', false],
    ['https://hub.example.org/', false],
    ['wss://*.example.org', false],
    ['not a url', false],
  ])('%s is a secure origin: %s', (origin, ok) => expect(isSecureOrigin(origin)).toBe(ok));
});

describe('securityHeaders', () => {
  it('lets a browser page use its camera, and leaves it to the permission handlers in Electron', () => {
    expect(securityHeaders('x', { mediaDevices: 'self' })['Permissions-Policy']).toBe(
      'camera=(self), microphone=(self), geolocation=(), usb=(), serial=(), hid=(), payment=()',
    );
    expect(securityHeaders('x', { mediaDevices: 'handlers' })['Permissions-Policy']).toBe('geolocation=(), usb=(), serial=(), hid=(), payment=()');
  });

  it('always carries the policy and the hardening headers', () => {
    const h = securityHeaders('the-policy', { mediaDevices: 'self' });
    expect(h).toMatchObject({
      'Content-Security-Policy': 'the-policy',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
  });
});

// Moved from test/main/electron/app-protocol.test.ts with the policy itself.
describe('content security policy of the Electron shell', () => {
  const directives = (policy: string): Map<string, string> =>
    new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values.join(' ')]));

  it('is strict by default', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('default-src')).toBe("'self'");
    expect(d.get('script-src')).toBe("'self'");
    expect(d.get('style-src')).toBe("'self'");
    expect(d.get('img-src')).toBe("'self' data: blob:");
    expect(d.get('media-src')).toBe("'self' blob: mediastream:");
    expect(d.get('connect-src')).toBe("'self'");
    expect(d.get('object-src')).toBe("'none'");
    expect(d.get('base-uri')).toBe("'none'");
    expect(d.get('frame-ancestors')).toBe("'none'");
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval|\*/);
  });

  it('adds the hub origin to connect-src and inline styles only when asked', () => {
    const d = directives(contentSecurityPolicy({ connect: ['wss://hub.example.org'], inlineStyles: true }));
    expect(d.get('connect-src')).toBe("'self' wss://hub.example.org");
    expect(d.get('style-src')).toBe("'self' 'unsafe-inline'");
  });

  it.each(['ws://hub.example.org', 'wss://*.example.org', 'wss://hub.example.org/path', 'http://hub', '*', "'unsafe-eval'"])(
    'refuses %s as a connect-src origin',
    (origin) => expect(() => contentSecurityPolicy({ connect: [origin] })).toThrow(/wss:\/\/ or https:\/\//),
  );
});
