import { describe, expect, it } from 'vitest';
import { hostLevel, hostLogger, hostLogMessage } from '../../src/devices/host-log.ts';
import { HostMessageSchema, type HostMessage } from '../../src/shared/device-host.ts';

describe('the device host logger', () => {
  it('maps every pino level to the protocol', () => {
    expect([10, 20, 30, 40, 50, 60].map(hostLevel)).toEqual(['debug', 'debug', 'info', 'warn', 'error', 'error']);
  });

  it('turns a pino line into a valid log message: message, level, plain fields, objects as JSON', () => {
    const m = hostLogMessage(JSON.stringify({ level: 40, time: 1, pid: 2, hostname: 'h', name: 'device-host', msg: 'odd', port: '/dev/ttyUSB0', n: 3, ok: true, err: { message: 'x' } }));
    expect(HostMessageSchema.parse(m)).toEqual({ type: 'log', level: 'warn', message: 'odd', fields: { port: '/dev/ttyUSB0', n: 3, ok: true, err: '{"message":"x"}' } });
    expect(hostLogMessage(JSON.stringify({ level: 30, msg: 'plain' }))).toEqual({ type: 'log', level: 'info', message: 'plain' });
  });

  it('sends each line to the parent, honours the level, and says when all are sent', async () => {
    const sent: HostMessage[] = [];
    const { log, flushed } = hostLogger(async (m) => {
      await new Promise((r) => setTimeout(r, 5));
      sent.push(m);
    }, 'info');
    log.debug('not sent');
    log.info({ ports: 1 }, 'started');
    log.error('failed');
    await flushed();
    expect(sent).toEqual([
      { type: 'log', level: 'info', message: 'started', fields: { ports: 1 } },
      { type: 'log', level: 'error', message: 'failed' },
    ]);
  });
});
