import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FLOOR_DB, formatDb, levelClass, levelOf, meterFill, type LevelClass } from '../call/audio-level.ts';
import { onFrames } from '../../browser/frames.ts';
import { MediaView } from './MediaView.tsx';

/** The spectrum shows 0 … this many Hz (heart and lung sounds, webrtc.md §1.1). */
const SPECTRUM_HZ = 2000;
const SPECTRUM_DB: [number, number] = [-110, -20];
/** The clipping light stays on this long after the last clipped block (ms). */
const CLIP_HOLD_MS = 1500;
/** The number and its words fall back this fast (dB per second) after a beat: readable, not flickering between beats. */
const HOLD_FALL_DB_PER_S = 12;

/**
 * The stethoscope: played in its own <audio> element (which WebAudio also needs to get samples, webrtc.md §5),
 * with an RMS level meter in dBFS, a clipping light and a live spectrum from an AnalyserNode.
 */
export function Stethoscope({ stream }: { stream: MediaStream | undefined }) {
  const { t } = useTranslation();
  const meterRef = useRef<HTMLDivElement>(null);
  const barRef = useRef<HTMLDivElement>(null);
  const dbRef = useRef<HTMLSpanElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [clipping, setClipping] = useState(false);
  const [heard, setHeard] = useState<LevelClass>('silent');
  const tRef = useRef(t);
  tRef.current = t;

  useEffect(() => {
    if (!stream) return;
    let ctx: AudioContext;
    try {
      ctx = new AudioContext();
    } catch (err) {
      console.error(`No audio analysis: ${String(err)}`);
      return;
    }
    const resume = (): void => void ctx.resume().catch(() => undefined);
    resume();
    window.addEventListener('pointerdown', resume);
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0.5;
    source.connect(analyser);
    const time = new Float32Array(analyser.fftSize);
    const freq = new Float32Array(analyser.frequencyBinCount);
    let lastClip = -Infinity;
    let clipShown = false;
    let held = FLOOR_DB;
    let heldAt = 0;
    let heardShown: LevelClass = 'silent';
    let wordsShown = '';
    let tShown: typeof t | undefined;
    const stop = onFrames((now) => {
      analyser.getFloatTimeDomainData(time);
      const level = levelOf(time);
      held = Math.max(level.db, held - (HOLD_FALL_DB_PER_S * (now - heldAt)) / 1000);
      heldAt = now;
      const rounded = String(Math.round(level.db));
      const meter = meterRef.current;
      if (meter && meter.dataset.db !== rounded) meter.dataset.db = rounded;
      if (barRef.current) barRef.current.style.transform = `scaleX(${meterFill(level.db)})`;
      if (level.clipped) lastClip = now;
      const clip = now - lastClip < CLIP_HOLD_MS;
      const cls = levelClass(held, clip);
      // The words change only when the shown number, the level or the language do (translating is not free at 30 Hz).
      const db = formatDb(held);
      const words = `${db}|${cls}`;
      if (dbRef.current && (words !== wordsShown || tRef.current !== tShown)) {
        wordsShown = words;
        tShown = tRef.current;
        dbRef.current.textContent = tRef.current('steth.dbfs', { db });
        meter?.setAttribute('aria-valuenow', String(Math.round(Math.max(-60, held))));
        meter?.setAttribute('aria-valuetext', tRef.current('meter.valuetext', { db, level: tRef.current(`meter.${cls}`) }));
      }
      if (clip !== clipShown) {
        clipShown = clip;
        setClipping(clip);
      }
      if (cls !== heardShown) {
        heardShown = cls;
        setHeard(cls);
      }
      const canvas = canvasRef.current;
      const g = canvas?.getContext('2d');
      if (!canvas || !g) return;
      if (canvas.width !== canvas.clientWidth) canvas.width = Math.max(1, canvas.clientWidth);
      if (canvas.height !== canvas.clientHeight) canvas.height = Math.max(1, canvas.clientHeight);
      analyser.getFloatFrequencyData(freq);
      const bins = Math.min(freq.length, Math.ceil((SPECTRUM_HZ / (ctx.sampleRate / 2)) * freq.length));
      const w = canvas.width / bins;
      g.fillStyle = '#0a0a0a';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = '#ffd166';
      for (let i = 0; i < bins; i++) {
        const v = freq[i]!;
        const k = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - SPECTRUM_DB[0]) / (SPECTRUM_DB[1] - SPECTRUM_DB[0]))) : 0;
        const h = k * canvas.height;
        g.fillRect(i * w, canvas.height - h, Math.max(1, w - 0.5), h);
      }
      canvas.dataset.frames = String(Number(canvas.dataset.frames ?? '0') + 1);
    });
    return () => {
      stop();
      window.removeEventListener('pointerdown', resume);
      source.disconnect();
      void ctx.close().catch(() => undefined);
    };
  }, [stream]);

  return (
    <section className="steth card" aria-labelledby="steth-title">
      <h2 id="steth-title" className="box-title">
        {t('steth.title')}
      </h2>
      <MediaView kind="audio" stream={stream} testId="audio-stethoscope" label={t('steth.title')} />
      {!stream && <p className="note">{t('steth.none')}</p>}
      <div className="meter-row">
        <span className="meter-label">{t('steth.level')}</span>
        <div
          ref={meterRef}
          className="meter"
          data-testid="steth-level"
          data-db={String(FLOOR_DB)}
          role="meter"
          aria-label={t('steth.level')}
          aria-valuemin={-60}
          aria-valuemax={0}
          aria-valuenow={-60}
          aria-valuetext={t('meter.valuetext', { db: formatDb(FLOOR_DB), level: t('meter.silent') })}
        >
          <div ref={barRef} className="meter-bar" />
        </div>
        <span ref={dbRef} className="meter-db" data-testid="steth-db">
          {t('steth.dbfs', { db: formatDb(FLOOR_DB) })}
        </span>
        <span className={`clip clip-${heard} ${clipping ? 'clip-on' : ''}`} data-testid="steth-clipping" data-clipping={clipping ? 'true' : 'false'} data-class={heard}>
          {clipping ? t('steth.clipping') : t(`meter.${heard}`)}
        </span>
      </div>
      <canvas ref={canvasRef} className="spectrum" data-testid="steth-spectrum" role="img" aria-label={t('steth.spectrum')} />
    </section>
  );
}
