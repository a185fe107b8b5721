import { NetCheckSchema, type NetCheck } from '../../shared/netcheck.ts';

/**
 * The kiosk page's latest pre-call network check (issue 11): written by the check when it finishes, read by the
 * call when it starts (src/renderer/call/session.ts picks its starting bitrate from it).
 */
let latest: NetCheck | undefined;

/** Keeps `check` as the latest; an invalid one is refused (false) and the previous one kept. */
export function setLatestNetCheck(check: NetCheck): boolean {
  const parsed = NetCheckSchema.safeParse(check);
  if (!parsed.success) return false;
  latest = parsed.data;
  return true;
}

/** The latest check of this page, if one finished. */
export function latestNetCheck(): NetCheck | undefined {
  return latest;
}
