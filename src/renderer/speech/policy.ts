import type { CallView } from '../../shared/bridge.ts';

/**
 * Whether a screen says its prompts by itself: not while a doctor is in the call. The doctor's voice guides the
 * patient then, and a synthetic voice over it would confuse the patient and reach the doctor through the cabin's
 * microphone; ducking the doctor would cut what the doctor says. "Écouter" still plays: the patient asked.
 */
export const autoSpeaks = (call: Pick<CallView, 'state'> | null): boolean => call?.state !== 'active';
