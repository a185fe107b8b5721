import type { TFunction } from 'i18next';
import { hubErrorText } from '../hub/hub-error.ts';

/** Claim refusals said in the queue's own words; others through hubErrorText. */
const CLAIM_ERRORS = new Set(['already-claimed', 'offline', 'not-waiting', 'cabin-offline']);

/** Why Accept did not work, in the doctor's language (`cabin-offline`: the patient's cabin is not connected). */
export function claimErrorText(t: TFunction, err: { code: string; message: string }): string {
  return CLAIM_ERRORS.has(err.code) ? t(`queue.error.${err.code}`) : t('queue.error.other', { message: hubErrorText(t, err.code, err.message) });
}
