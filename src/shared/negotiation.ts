/** Perfect-negotiation helpers both peers use (the kiosk and the doctor console): plain functions, no browser API. */

/** The m-sections' mids in order: an answer made for another offer of ours has other ones (or fewer). */
export function midsOf(sdp: string | undefined): string {
  if (!sdp) return '';
  const out: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) out.push('?');
    else if (line.startsWith('a=mid:') && out.length > 0) out[out.length - 1] = line.slice(6).trim();
  }
  return out.join(' ');
}

/** A resent copy of an offer we answered is answered again only after this long without a connection. */
export const RESEND_ANSWER_AFTER_MS = 5000;
