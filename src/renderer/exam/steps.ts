import type { DeviceView } from '../../shared/bridge.ts';
import { CATEGORIES, isCategory, type Category } from '../format/measures.ts';

export interface ExamStep {
  category: Category;
  device: DeviceView;
}

/** The otoscope's step: a camera of the cabin, not a measuring device; the doctor looks, the patient holds it. */
export interface OtoscopeStep {
  category: 'otoscope';
  device?: undefined;
}
export type AnyStep = ExamStep | OtoscopeStep;
/** Every kind of step, in the order the patient does them. */
export const STEP_ORDER = [...CATEGORIES, 'otoscope'] as const;
export type StepKind = (typeof STEP_ORDER)[number];

/** The measuring steps, then the otoscope's when the cabin has one. */
export function withOtoscope(steps: readonly ExamStep[], otoscope: boolean): AnyStep[] {
  return otoscope ? [...steps, { category: 'otoscope' }] : [...steps];
}

const LINK_RANK: Record<DeviceView['link'], number> = { connected: 0, waiting: 0, connecting: 1, reconnecting: 2, error: 3, detached: 4 };

/** One step per category that has a device plugged in (the best-linked one), in exam order. */
export function examSteps(devices: Iterable<DeviceView>): ExamStep[] {
  const best = new Map<Category, DeviceView>();
  for (const d of devices) {
    if (d.link === 'detached' || !isCategory(d.category)) continue;
    const current = best.get(d.category);
    if (!current || LINK_RANK[d.link] < LINK_RANK[current.link]) best.set(d.category, d);
  }
  return CATEGORIES.flatMap((category) => {
    const device = best.get(category);
    return device ? [{ category, device }] : [];
  });
}
