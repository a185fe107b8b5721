import type { Driver } from '../../src/shared/driver.ts';
import { createDecoder } from './decoder.ts';
import { link } from './link.ts';
import { manifest } from './manifest.ts';
import { createSimulator, scenarios } from './simulator.ts';

export const driver: Driver = { manifest, link, createDecoder, scenarios, createSimulator };
