import { describe, expect, it } from 'vitest';
import { createI18n, TRANSLATIONS } from '../../src/doctor/i18n/index.ts';
import { flattenKeys } from '../../src/browser/i18n.ts';
import { itChecksTranslations } from '../helpers/translations.ts';
import { DEVICE_STATUSES } from '../../src/shared/device-event.ts';
import { PhaseSchema } from '../../src/shared/bridge.ts';
import { LinkStateSchema } from '../../src/shared/device-host.ts';
import { LeaveReasonSchema } from '../../src/shared/hub-protocol.ts';

const fr = flattenKeys(TRANSLATIONS.fr);
const en = flattenKeys(TRANSLATIONS.en);
const ar = flattenKeys(TRANSLATIONS.ar);

describe('doctor console translations', () => {
  itChecksTranslations({ fr, en, ar });

  it('has a word for every state the console can show', () => {
    const needed = [
      ...DEVICE_STATUSES.map((s) => `status.${s}`),
      'status.none',
      ...PhaseSchema.options.map((p) => `phase.${p}`),
      ...['connecting', 'connected', 'reconnecting', 'stopped'].map((s) => `hub.${s}`),
      ...['connecting', 'connected', 'reconnecting', 'failed', 'closed'].map((s) => `rtc.${s}`),
      ...['bad-credentials', 'too-many', 'network', 'server', 'expired'].map((s) => `login.error.${s}`),
      ...['report-saved', 'cancelled', 'consultation-ended', 'session-expired', 'replaced', 'forbidden'].map((s) => `notice.${s}`),
      ...['spo2', 'pulse', 'bp', 'temp', 'weight'].map((s) => `vital.${s}`),
      ...['pending', 'ok', 'error'].map((s) => `devices.result.${s}`),
      ...[...LinkStateSchema.options, 'detached'].map((s) => `link.${s}`),
      // Why the cabin left (PatientNotices), 'gone' included: the hub's verdict on a cabin that never came back.
      ...[...LeaveReasonSchema.options, 'unknown'].map((r) => `visitEnd.${r}`),
      'queue.error.already-claimed',
      // A request swept by the hub (its cabin gone) and claimed from a stale queue.
      'queue.error.not-waiting',
      'command.measure',
      'snapshot.error.invalid',
      'snapshot.error.not-connected',
    ];
    for (const key of needed) expect(fr.has(key), key).toBe(true);
  });

  it('switches language at run time', () => {
    const i18n = createI18n('fr');
    expect(i18n.t('queue.accept')).toBe('Accepter');
    void i18n.changeLanguage('en');
    expect(i18n.t('queue.accept')).toBe('Accept');
    expect(i18n.t('consultation.observations', { count: 3 })).toBe('3 readings received');
  });
});
