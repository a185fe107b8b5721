import type { BleDriver } from '../../src/shared/driver.ts';
import { createDecoder } from './decoder.ts';
import { link } from './link.ts';
import { manifest } from './manifest.ts';
import { createSimulator, scenarios } from './simulator.ts';

export const driver: BleDriver = { manifest, link, createDecoder, scenarios, createSimulator };
