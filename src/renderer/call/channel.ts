/** The part of an RTCDataChannel the call uses, so the logic is tested with fakes. */
export interface ChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: string): void;
  send(data: ArrayBuffer): void;
  addEventListener(type: 'open' | 'close' | 'bufferedamountlow', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: 'open' | 'close' | 'bufferedamountlow', listener: () => void): void;
  removeEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** Above this many queued bytes on `events`, a big sender (snapshot) waits for the queue to drain. */
export const EVENTS_HIGH_WATER = 1024 * 1024;
export const EVENTS_LOW_WATER = 256 * 1024;

const encoder = new TextEncoder();
export const utf8Length = (s: string): number => encoder.encode(s).length;

/** Resolves when the channel's queue is back under the high-water mark; false if the channel closed. */
export function drained(channel: ChannelLike, high = EVENTS_HIGH_WATER): Promise<boolean> {
  if (channel.readyState !== 'open') return Promise.resolve(false);
  if (channel.bufferedAmount <= high) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      channel.removeEventListener('bufferedamountlow', low);
      channel.removeEventListener('close', closed);
      resolve(ok);
    };
    const low = (): void => done(true);
    const closed = (): void => done(false);
    channel.addEventListener('bufferedamountlow', low);
    channel.addEventListener('close', closed);
  });
}
