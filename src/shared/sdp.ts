import { parse, write } from 'sdp-transform';

/**
 * The stethoscope's Opus settings (webrtc.md §1.4–1.5): without `stereo=1` WebRTC runs Opus in VOIP mode,
 * whose high-pass filter removes the low frequencies of heart sounds; DTX would treat a quiet diastole as
 * silence. Opus fmtp parameters configure the encoder of the peer that *receives* them, so the cabin applies
 * this to the descriptions it sends and to those it receives, on the stethoscope's m-section only.
 */
export const STETHOSCOPE_OPUS = { stereo: 1, 'sprop-stereo': 1, maxaveragebitrate: 48000, useinbandfec: 1, usedtx: 0 } as const;

/** Returns `sdp` with the Opus fmtp of the m-sections `mids` set to `params` (other parameters kept). */
export function setOpusParams(sdp: string, mids: readonly string[], params: Record<string, string | number> = STETHOSCOPE_OPUS): string {
  if (mids.length === 0) return sdp;
  const session = parse(sdp);
  let changed = false;
  for (const m of session.media) {
    if (m.type !== 'audio' || m.mid === undefined || !mids.includes(String(m.mid))) continue;
    const opus = m.rtp.filter((r) => r.codec.toLowerCase() === 'opus').map((r) => r.payload);
    for (const pt of opus) {
      m.fmtp ??= [];
      let f = m.fmtp.find((x) => x.payload === pt);
      if (!f) {
        f = { payload: pt, config: '' };
        m.fmtp.push(f);
      }
      const kv = new Map<string, string>();
      for (const part of f.config.split(';')) {
        const [k, v] = part.split('=');
        if (k && k.trim()) kv.set(k.trim(), (v ?? '').trim());
      }
      for (const [k, v] of Object.entries(params)) kv.set(k, String(v));
      f.config = [...kv].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';');
      changed = true;
    }
  }
  return changed ? write(session) : sdp;
}

/**
 * Opus frames of `ms` milliseconds on every audio m-section of `sdp` (the Opus fmtp's `ptime`, which libwebrtc's
 * encoder reads from the description it receives, like `maxaveragebitrate`: measured in Chromium, 55 packets/s at
 * the default 20 ms, 17 at 60 ms, RED included). On a narrow link the packets' headers (IP, UDP, TURN, RTP and SRTP:
 * about 64 bytes, some 26 kbit/s per audio stream at 50 packets/s) cost as much as the voice itself; 60 ms frames
 * cut that to a third, for 40 ms more delay.
 */
export function setOpusPtime(sdp: string, ms: number): string {
  const mids = parse(sdp)
    .media.filter((m) => m.type === 'audio' && m.mid !== undefined)
    .map((m) => String(m.mid));
  return setOpusParams(sdp, mids, { ptime: ms });
}

/** The Opus fmtp parameters of the m-section `mid`, or undefined (for tests and diagnostics). */
export function opusParams(sdp: string, mid: string): Record<string, string> | undefined {
  const m = parse(sdp).media.find((x) => String(x.mid) === mid && x.type === 'audio');
  const pt = m?.rtp.find((r) => r.codec.toLowerCase() === 'opus')?.payload;
  const f = m?.fmtp?.find((x) => x.payload === pt);
  if (!f) return undefined;
  return Object.fromEntries(f.config.split(';').filter(Boolean).map((p) => {
    const [k, v] = p.split('=');
    return [k!.trim(), (v ?? '').trim()];
  }));
}
