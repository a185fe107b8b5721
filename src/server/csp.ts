/** What differs between the apps' Content-Security-Policies; everything else is the one strict policy. */
export interface CspOptions {
  /** Extra origins the page may connect to (the hub's `wss://` origin, its `https://` API). */
  connect?: readonly string[];
  /** Allow inline `<style>` (some libraries inject it); off unless the page proves it needs it. */
  inlineStyles?: boolean;
  /** `frame-src 'none'`: the page embeds no frame at all (the Electron shell); else default-src applies. */
  denyFrames?: boolean;
}

/** A connect-src source must be a bare secure origin: no paths, wildcards or plain ws/http. */
export function isSecureOrigin(source: string): boolean {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return false;
  }
  return (url.protocol === 'wss:' || url.protocol === 'https:') && url.origin === source && !source.includes('*');
}

/**
 * The strict policy of the kiosk (Electron shell and browser mode) and the doctor console: only the app's own
 * scripts, media from the cameras and microphones (mediastream:, blob:), no plugins, no framing, no base or form tricks.
 */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = options.connect ?? [];
  const bad = connect.filter((c) => !isSecureOrigin(c));
  if (bad.length > 0) throw new Error(`CSP connect-src accepts only wss:// or https:// origins, not: ${bad.join(', ')}`);
  return [
    "default-src 'self'",
    "script-src 'self'",
    options.inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    ["connect-src 'self'", ...connect].join(' '),
    "object-src 'none'",
    options.denyFrames ? "frame-src 'none'" : undefined,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ]
    .filter((d) => d !== undefined)
    .join('; ');
}

export interface HeaderOptions {
  /**
   * `self`: the page itself may use the camera and microphones (a browser decides by this header); `handlers`: only
   * denials here, the Electron session's permission handlers govern the camera and microphones.
   */
  mediaDevices: 'self' | 'handlers';
}

/** Headers of every response, errors included: the CSP and the usual hardening. */
export function securityHeaders(csp: string, o: HeaderOptions): Record<string, string> {
  // Not 'bluetooth': Chromium does not know it as a policy feature and warns on every page (Web Bluetooth is refused
  // by the Electron session's select-bluetooth-device handler instead).
  const denied = 'geolocation=(), usb=(), serial=(), hid=(), payment=()';
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': o.mediaDevices === 'self' ? `camera=(self), microphone=(self), ${denied}` : denied,
    'Cache-Control': 'no-store',
  };
}
