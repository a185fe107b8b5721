import { z } from 'zod';
import { resolve } from 'node:path';
import { DevicesConfigSchema, readConfigFile } from '../devices/config.ts';
import { LANGUAGES, LanguageSchema } from '../shared/language.ts';
import { VOICE_DIR } from '../shared/voice-pack.ts';

// Arabic optional: config files written before Arabic stay valid (the checklist shows French in their place).
const Label = z.object({ fr: z.string().min(1), en: z.string().min(1), ar: z.string().min(1).optional() }).strict();

/** The cabin config file (JSON), validated; every field has a default so the demo needs no file. */
export const KioskConfigSchema = z
  .object({
    cabinId: z.string().min(1).default('demo-cabin'),
    /** Where the SQLite store lives. */
    dataDir: z.string().min(1).default('.cabin'),
    languages: z.array(LanguageSchema).min(1).default([...LANGUAGES]),
    /** Assistant PIN as `scrypt$<salt b64>$<hash b64>`; absent in the demo, where the PIN is 1234. */
    assistantPinHash: z.string().regex(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/).optional(),
    idle: z
      .object({
        /** Seconds without a touch before "are you still there?". */
        warnAfterS: z.number().int().min(10).max(3600).default(90),
        /** Seconds the prompt stays before the session ends. */
        endAfterS: z.number().int().min(5).max(600).default(30),
        /** Seconds a visit stays held after the doctor's link drops or the call ends (the doctor may come back). */
        callGraceS: z.number().int().min(0).max(3600).default(120),
        /** Seconds without a touch before the prompt while waiting for a doctor (a waiting patient sits still). */
        waitingWarnAfterS: z.number().int().min(10).max(3600).default(600),
      })
      .strict()
      .default({ warnAfterS: 90, endAfterS: 30, callGraceS: 120, waitingWarnAfterS: 600 }),
    /** Days data is kept after its visit before it is purged; undelivered data as long (at least a day), then is dropped with an audit entry. */
    retentionDays: z.number().min(0).max(365).default(7),
    checklist: z
      .array(z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/), label: Label }).strict())
      .min(1)
      .default([
        { id: 'wipe-devices', label: { fr: 'Désinfecter le capteur, le brassard et la sonde', en: 'Disinfect the sensor, the cuff and the probe', ar: 'تطهير المستشعر والكُمّ والمسبار' } },
        { id: 'probe-covers', label: { fr: 'Remettre des protège-sondes neufs', en: 'Put out new probe covers', ar: 'وضع أغطية مسبار جديدة' } },
        { id: 'wipe-screen', label: { fr: 'Nettoyer l’écran et les surfaces', en: 'Clean the screen and surfaces', ar: 'تنظيف الشاشة والأسطح' } },
        { id: 'bin', label: { fr: 'Vider la poubelle', en: 'Empty the bin', ar: 'إفراغ سلة المهملات' } },
      ]),
    /** getUserMedia devices picked by label (substring match). */
    media: z
      .object({ camera: z.string().optional(), stethoscope: z.string().optional(), otoscope: z.string().optional() })
      .strict()
      .default({}),
    devices: DevicesConfigSchema.default(DevicesConfigSchema.parse({})),
    /** Simulated devices and a known PIN, for a machine with no hardware. */
    demo: z.boolean().default(false),
    /**
     * The hub this cabin calls doctors through. The cabin's key is a secret: give it in a file readable only
     * by the kiosk's account (`cabinKeyFile`), or inline. Without a hub the kiosk runs the exam alone.
     */
    hub: z
      .object({
        // The cabin's key, tokens and TURN credentials travel on this link: in the clear only on this machine.
        url: z
          .string()
          .url()
          .refine((u) => /^https:/.test(u) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), 'an https:// URL (http:// only for a hub on this machine)'),
        cabinKey: z.string().min(16).optional(),
        cabinKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .refine((h) => (h.cabinKey === undefined) !== (h.cabinKeyFile === undefined), {
        message: 'give exactly one of cabinKey and cabinKeyFile (make a key with `npm run hub -- add-cabin`)',
      })
      .optional(),
    /**
     * The printer of the patient's copy of the report (CUPS: `lp -d name`), off without it, in the demo too (a
     * developer's own printer is not printed on by surprise). `auto`: print when the visit ends, without the patient's
     * press; `server`: a CUPS server other than the machine's (`host:port`, lp's -h).
     */
    printer: z
      .object({
        name: z.string().regex(/^[^\s/#\\-][^\s/#\\]{0,126}$/, 'a CUPS queue name, as `lpstat -p` lists it'),
        auto: z.boolean().default(false),
        server: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'host or host:port of a CUPS server').optional(),
      })
      .strict()
      .optional(),
    /** Cabin main's log: JSON lines to this file, rotated (browser mode; CABIN_LOG_FILE also sets it). Readable lines on stdout without it. */
    logFile: z.string().min(1).optional(),
    /**
     * A deployer's own voice pack (e.g. recorded voices): a folder laid out as the built one (manifest.json,
     * <lang>/<key>.ogg; see src/shared/voice-pack.ts), served at the kiosk's voice/ in place of the default pack.
     */
    voiceDir: z.string().min(1).optional(),
    web: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8420) })
      .strict()
      .default({ host: '127.0.0.1', port: 8420 }),
  })
  .strict()
  // Without a PIN nobody could complete the cleaning checklist: the cabin would stay locked after one visit.
  .refine((c) => c.demo || c.assistantPinHash !== undefined, {
    message: 'a cabin that is not a demo needs assistantPinHash (make one with `npm run pin -- DIGITS`)',
    path: ['assistantPinHash'],
  });
export type KioskConfig = z.infer<typeof KioskConfigSchema>;

/** Reads and validates a cabin config file; every problem is one sentence a person can act on. */
export function loadKioskConfig(file: string): KioskConfig {
  return readConfigFile(file, KioskConfigSchema);
}

/**
 * The demo's media labels are those of Chromium's fake devices (`--use-fake-device-for-media-stream=device-count=3`;
 * `fake_device_1` is a depth camera WebRTC never encodes): patient camera, otoscope, and three audio inputs (the
 * default one is the patient's voice).
 */
export const DEMO_MEDIA = { camera: 'fake_device_0', otoscope: 'fake_device_2', stethoscope: 'Fake Audio Input 2' } as const;

/**
 * The demo's devices: Bluetooth LE ones, as most devices sold for health houses now are (a BerryMed oximeter with its
 * pleth, and a cuff, a thermometer and a scale of the standard health profiles), played by their drivers' simulators
 * on a simulated central (no BlueZ needed). The cuff, thermometer and scale measure when the patient does their step
 * (exam:step), then connect to send it, as the real ones do.
 */
export const DEMO_BLE_DEVICES = [
  { driver: 'berrymed-bci' },
  { driver: 'ble-blood-pressure' },
  { driver: 'ble-thermometer' },
  { driver: 'ble-weight-scale' },
] as const;

/** The serial and USB devices of the demo before Bluetooth (tests of those paths, and `CABIN_DEMO_DEVICES=serial`). */
export const DEMO_SERIAL_DEVICES = [
  { driver: 'contec-cms50-v7' },
  { driver: 'omron-hem790it', scenario: 'on-demand' },
  { driver: 'welchallyn-suretemp', scenario: 'on-demand' },
  { driver: 'tanita-serial', scenario: 'on-demand' },
] as const;

export function demoConfig(overrides: Partial<z.input<typeof KioskConfigSchema>> = {}): KioskConfig {
  return KioskConfigSchema.parse({
    demo: true,
    media: DEMO_MEDIA,
    devices: { simulate: [...DEMO_BLE_DEVICES] },
    ...overrides,
  });
}

/** The deployer's voice pack, if the config names one, served at the kiosk's voice/ (web host and app://). */
export const voiceMounts = (config: Pick<KioskConfig, 'voiceDir'>): { prefix: string; dir: string }[] =>
  config.voiceDir ? [{ prefix: VOICE_DIR, dir: resolve(config.voiceDir) }] : [];
