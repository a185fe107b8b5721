import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The `devices` section of the cabin config file. */
export const DevicesConfigSchema = z
  .object({
  /** Ports that cannot be identified by USB ids (RS-232 behind generic adapters): path → driver. */
  ports: z
    .array(z.object({ path: z.string().min(1), driver: z.string().min(1), name: z.string().optional() }))
    .default([]),
  /** Port paths never to touch (e.g. a modem on a shared CP210x id). */
  ignore: z.array(z.string()).default([]),
  /** Simulated devices (demo mode and tests): each runs a driver's simulator. */
  simulate: z.array(z.object({ driver: z.string().min(1), scenario: z.string().optional() })).default([]),
  /** How often the system's ports are listed for hotplug, in ms. */
  pollMs: z.number().int().min(100).max(60_000).default(1000),
  /** Bluetooth LE devices through BlueZ (the assistant pairs and assigns them); off: no Bluetooth at all. */
  bluetooth: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
  })
  .strict();
export type DevicesConfig = z.infer<typeof DevicesConfigSchema>;

/** A cabin config file: its other sections belong to cabin main. */
export const CabinDevicesFileSchema = z.object({ devices: DevicesConfigSchema.default(DevicesConfigSchema.parse({})) });

export function defaultDevicesConfig(): DevicesConfig {
  return DevicesConfigSchema.parse({});
}

/** Reads a JSON config file and validates it; every problem is one sentence a person can act on. */
export function readConfigFile<T>(file: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Error(code === 'ENOENT' ? `Config file ${file} does not exist.` : `Cannot read config file ${file}: ${String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Config file ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Reads a cabin config file's `devices` section. */
export function loadDevicesConfig(file: string, knownDrivers: readonly string[]): DevicesConfig {
  return checkDrivers(readConfigFile(file, CabinDevicesFileSchema).devices, knownDrivers, `Config file ${file}: `);
}

/** Every driver a config names must exist (a typo must not silently leave a device unread). */
export function checkDrivers(cfg: DevicesConfig, knownDrivers: readonly string[], where = ''): DevicesConfig {
  for (const p of [...cfg.ports, ...cfg.simulate]) {
    if (!knownDrivers.includes(p.driver)) {
      throw new Error(`${where}unknown driver '${p.driver}' (run 'cabin-devices drivers' for the list).`);
    }
  }
  return cfg;
}
