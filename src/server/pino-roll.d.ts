// pino-roll ships no types: the part of its API this project uses (a SonicBoom stream that rolls its file).
declare module 'pino-roll' {
  import type { EventEmitter } from 'node:events';
  import type { DestinationStream } from 'pino';
  interface RollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    limit?: { count: number };
    mkdir?: boolean;
  }
  type RollStream = DestinationStream & EventEmitter & { fd: number; flushSync(): void; end(): void };
  export default function roll(options: RollOptions): Promise<RollStream>;
}
