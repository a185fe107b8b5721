/** The browser's notifications: asked for on a click only (never on load), shown when the doctor looks elsewhere. */
export type NotifyPermission = 'unsupported' | NotificationPermission;

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Call from a click handler: browsers refuse (or penalise) a request without a user gesture. */
export async function askNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** One notification per arrival, replacing the previous one (same tag); a click brings the console forward. */
export function notifyArrival(title: string, body: string): boolean {
  if (notifyPermission() !== 'granted') return false;
  try {
    const n = new Notification(title, { body, tag: 'cabin-queue', lang: document.documentElement.lang });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    return true;
  } catch {
    // Some browsers allow notifications from a service worker only: the sound and the title still tell.
    return false;
  }
}
