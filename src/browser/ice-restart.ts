/** 'disconnected' for this long → ICE restart (webrtc.md §3). */
export const DISCONNECTED_RESTART_MS = 4000;
/** While 'failed', try an ICE restart again this often. */
export const FAILED_RETRY_MS = 10_000;

/** The part of RTCPeerConnection the ICE policy uses (a fake in tests). */
export interface IcePc {
  readonly connectionState: RTCPeerConnectionState;
  restartIce(): void;
  getConfiguration(): RTCConfiguration;
  setConfiguration(c: RTCConfiguration): void;
}

export interface IceRestartOptions {
  /** The current connection (checked again when a timer fires: it may have been replaced). */
  pc: () => Pick<IcePc, 'connectionState' | 'restartIce'>;
  /** For the consultation report. */
  incident: (detail: string) => void;
  log: (message: string) => void;
  disconnectedMs?: number;
  failedRetryMs?: number;
  /** False: one restart per 'failed' reported, no retries (the kiosk's way; the console retries). */
  retryWhileFailed?: boolean;
}

/**
 * When to restart ICE, for the kiosk and the console: at once on 'failed' and again every FAILED_RETRY_MS while
 * it stays failed (unless `retryWhileFailed` is false); after
 * DISCONNECTED_RESTART_MS of 'disconnected' (a short blip recovers by itself); never once connected again.
 */
export class IceRestartPolicy {
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  private failedTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: IceRestartOptions) {}

  changed(s: RTCPeerConnectionState): void {
    if (s === 'connected' || s === 'closed') {
      this.clear();
    } else if (s === 'disconnected') {
      this.disconnectedTimer ??= setTimeout(() => {
        this.disconnectedTimer = undefined;
        if (this.o.pc().connectionState === 'disconnected') this.restart('disconnected for more than 4 s');
      }, this.o.disconnectedMs ?? DISCONNECTED_RESTART_MS);
    } else if (s === 'failed') {
      this.restart('failed');
      if (this.o.retryWhileFailed === false) return;
      this.failedTimer ??= setInterval(() => {
        if (this.o.pc().connectionState === 'failed') this.restart('still failed');
      }, this.o.failedRetryMs ?? FAILED_RETRY_MS);
    }
  }

  clear(): void {
    if (this.disconnectedTimer) clearTimeout(this.disconnectedTimer);
    if (this.failedTimer) clearInterval(this.failedTimer);
    this.disconnectedTimer = undefined;
    this.failedTimer = undefined;
  }

  private restart(why: string): void {
    this.o.incident(`WebRTC connection ${why}: ICE restart.`);
    try {
      this.o.pc().restartIce();
    } catch (err) {
      this.o.log(`ICE restart failed: ${String(err)}`);
    }
  }
}

export interface IceConfig {
  iceServers: readonly { urls: string | string[]; username?: string | undefined; credential?: string | undefined }[];
  iceTransportPolicy?: 'all' | 'relay' | undefined;
}

/** The same STUN/TURN servers (URLs and credentials, in order) and the same transport policy. */
export function sameIceConfig(a: IceConfig, b: IceConfig): boolean {
  const norm = (c: IceConfig): string =>
    JSON.stringify([c.iceTransportPolicy ?? 'all', c.iceServers.map((s) => [Array.isArray(s.urls) ? s.urls : [s.urls], s.username ?? null, s.credential ?? null])]);
  return norm(a) === norm(b);
}

/**
 * New servers (fresh TURN credentials) on the live connection, used by its next ICE restart: never a rebuild.
 * False (nothing done) when they are the same as `current`.
 */
export function applyIceConfig(pc: Pick<IcePc, 'getConfiguration' | 'setConfiguration'>, current: IceConfig, next: IceConfig, log: (m: string) => void): boolean {
  if (sameIceConfig(current, next)) return false;
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: next.iceServers as RTCIceServer[], ...(next.iceTransportPolicy ? { iceTransportPolicy: next.iceTransportPolicy } : {}) });
  } catch (err) {
    log(`Could not apply the new ICE servers: ${String(err)}`);
  }
  return true;
}
