import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useConsole } from '../state/hooks.ts';
import { playChime } from './chime.ts';
import { notifyArrival } from './notify.ts';
import { badgeIcon, QueueWatch } from './queue-watch.ts';

/** The tab's icon element (index.html has one; made if a page lacks it). */
function iconLink(): HTMLLinkElement {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  return link;
}

/**
 * A patient entering the queue is noticed from another tab or window: the title and the tab's icon carry the
 * number waiting, a soft chime plays (not during a consultation: the doctor is talking), and the browser's
 * notification shows when the doctor allowed it and is looking elsewhere.
 */
export function useQueueAlerts(): void {
  const state = useConsole();
  const { t } = useTranslation();
  const watch = useRef(new QueueWatch());
  const count = state.me ? state.queue.length : 0;

  useEffect(() => {
    document.title = count > 0 ? t('alert.titleWaiting', { count }) : t('alert.title');
    document.documentElement.dataset.waiting = String(count);
    iconLink().href = badgeIcon(count);
    // Installed as an app: the operating system's badge too (absent elsewhere, and never an error).
    const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    void (count > 0 ? nav.setAppBadge?.(count) : nav.clearAppBadge?.())?.catch(() => undefined);
  }, [count, t]);

  const inCall = state.screen === 'consultation';
  useEffect(() => {
    if (!state.me) {
      watch.current.reset();
      return;
    }
    const arrived = watch.current.update(state.queue);
    const first = arrived[0];
    if (!first) return;
    if (!inCall) void playChime();
    if (document.hidden || !document.hasFocus()) {
      notifyArrival(
        t('alert.notifyTitle', { count: arrived.length }),
        t('alert.notifyBody', { cabin: first.cabinName, language: t(`patientLanguage.${first.language}`) }),
      );
    }
    // Only a new list can hold an arrival: a language switch or a change of screen is none.
  }, [state.me, state.queue]);
}
