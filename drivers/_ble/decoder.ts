import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, BleSettings, BleWrite, CharacteristicValue } from '../../src/shared/driver.ts';
import { BleCommon } from './session.ts';

/**
 * The frame of every BLE health decoder: BleCommon answers Device Information and Current Time and writes the clock;
 * the profile decoder answers its own values (`own`), may queue writes of its own (`send`: record requests, after
 * BleCommon's clock write) and says when its values were recognised (`known`).
 */
export abstract class BleDecoderBase implements BleDecoder {
  protected readonly common: BleCommon;
  protected ctx: BleConnectionContext | undefined;
  /** True once a valid value of the profile was decoded. */
  protected known = false;
  private outgoing: BleWrite[] = [];

  constructor(settings: BleSettings) {
    this.common = new BleCommon(settings);
  }

  get recognised(): boolean {
    return this.known;
  }

  connected(ctx: BleConnectionContext): DeviceEvent[] {
    this.ctx = ctx;
    this.outgoing = [];
    this.opened(ctx);
    return this.common.connected(ctx);
  }

  value(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    return this.common.value(v, nowMs) ?? this.own(v, nowMs);
  }

  takeOutgoing(): BleWrite[] {
    const out = [...this.common.takeOutgoing(), ...this.outgoing];
    this.outgoing = [];
    return out;
  }

  disconnected(_nowMs: number): DeviceEvent[] {
    this.closed();
    return [];
  }

  /** A new connection (before BleCommon's): the decoder resets what belongs to one connection. */
  protected opened(_ctx: BleConnectionContext): void {}

  /** The connection ended. */
  protected closed(): void {}

  /** A write of the profile's own, taken with BleCommon's. */
  protected send(w: BleWrite): void {
    this.outgoing.push(w);
  }

  /** A value that is not Device Information or Current Time. */
  protected abstract own(v: CharacteristicValue, nowMs: number): DeviceEvent[];
}
