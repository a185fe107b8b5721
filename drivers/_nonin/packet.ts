import type { Emitter } from '../_lib/emitter.ts';
import {
  FRAMES_PER_PACKET,
  hr9,
  ST_ARTF,
  ST_OOT,
  ST_SNSA,
  ST_SNSD,
  ST_SYNC,
  STAT2_LOW_BAT,
} from './protocol.ts';
import {
  F_ARTIFACT,
  F_LOW_BATTERY,
  F_LOW_PERFUSION,
  F_OUT_OF_TRACK,
  F_SENSOR_ALARM,
  F_SENSOR_FAULT,
  reportReading,
} from './status.ts';

/** Perfusion colour ranks (worst wins): bits 2–1 of STATUS are RPRF, GPRF. */
const NONE = 0;
const GREEN = 1;
const YELLOW = 2;
const RED = 3;
const COLOUR_RANK = [NONE, GREEN, RED, YELLOW] as const; // index = (status >> 1) & 3

/** Perfusion and artifact bits are only set around a pulse: hold them this many packets (2 s ≥ 1 beat at 30 bpm). */
const HOLD_PACKETS = 6;

/** The FLOAT bytes of one aligned DF2/DF7 packet, by 1-based frame number (protocols.md §2.3). */
export class PacketValues {
  readonly floats = new Uint8Array(FRAMES_PER_PACKET);
  private f(frame: number): number {
    return this.floats[frame - 1] ?? 0;
  }
  /** "Recording" values: 4-beat averages updated every 1/3 s, missing at once when the finger is out. */
  get hr(): number { return hr9(this.f(1), this.f(2)); }
  get spo2(): number { return this.f(3) & 0x7f; }
  get firmwareRevision(): number { return this.f(4); }
  get timer(): number { return ((this.f(6) & 0x7f) << 7) | (this.f(7) & 0x7f); }
  get stat2(): number { return this.f(8); }
  /** "Display" values: updated every 1.5 s, held 10 s with SNSA before going missing. */
  get spo2Display(): number { return this.f(9) & 0x7f; }
  get spo2Fast(): number { return this.f(10) & 0x7f; }
  get spo2BeatToBeat(): number { return this.f(11) & 0x7f; }
  get extendedHr(): number { return hr9(this.f(14), this.f(15)); }
  get extendedSpo2(): number { return this.f(16) & 0x7f; }
  get extendedSpo2Display(): number { return this.f(17) & 0x7f; }
  get hrDisplay(): number { return hr9(this.f(20), this.f(21)); }
  get extendedHrDisplay(): number { return hr9(this.f(22), this.f(23)); }
}

/**
 * Assembles DF2/DF7 frames (already validated by the format's framing) into 25-frame packets aligned on
 * the SYNC bit, and reports each complete packet. Frames before the first SYNC, and the rest of a packet
 * broken by a bad frame, are ignored so that no FLOAT byte is ever read at the wrong frame number.
 */
export class PacketAssembler {
  readonly values = new PacketValues();
  /** Complete packets followed by a SYNC frame: proof the stream has the 25-frame cycle. */
  cycles = 0;
  /** Complete packets reported. */
  packets = 0;
  private idx = 0; // frames of the current aligned packet; 0 = waiting for SYNC
  private justCompleted = false;
  private statusOr = 0;
  private worst = NONE;
  private heldColour = NONE;
  private heldArtifact = false;
  private age = 0;

  constructor(private readonly em: Emitter) {}

  /** One valid frame, in stream order. */
  frame(status: number, float: number, t: number): void {
    const completed = this.justCompleted;
    this.justCompleted = false;
    if ((status & ST_SYNC) !== 0) {
      if (completed) this.cycles++;
      this.idx = 0;
      this.statusOr = 0;
      this.worst = NONE;
    } else if (this.idx === 0 || this.idx >= FRAMES_PER_PACKET) {
      this.idx = 0;
      return;
    }
    this.values.floats[this.idx++] = float;
    this.statusOr |= status;
    const colour = COLOUR_RANK[(status >> 1) & 3] ?? NONE;
    if (colour > this.worst) this.worst = colour;
    if (this.idx === FRAMES_PER_PACKET) {
      this.justCompleted = true;
      this.packets++;
      this.report(t);
    }
  }

  /** A bad frame (checksum, lost bytes): the packet in progress can no longer be trusted. */
  broken(): void {
    this.idx = 0;
    this.justCompleted = false;
  }

  private report(t: number): void {
    const s = this.statusOr;
    if (this.worst !== NONE) {
      this.heldColour = this.worst;
      this.heldArtifact = (s & ST_ARTF) !== 0;
      this.age = 0;
    } else {
      if ((s & ST_ARTF) !== 0) this.heldArtifact = true;
      if (++this.age > HOLD_PACKETS) {
        this.heldColour = NONE;
        this.heldArtifact = false;
      }
    }
    let flags = 0;
    if ((s & ST_SNSA) !== 0) flags |= F_SENSOR_ALARM;
    if ((s & ST_SNSD) !== 0) flags |= F_SENSOR_FAULT;
    if ((s & ST_OOT) !== 0) flags |= F_OUT_OF_TRACK;
    if (this.heldArtifact) flags |= F_ARTIFACT;
    if (this.heldColour === RED) flags |= F_LOW_PERFUSION;
    if ((this.values.stat2 & STAT2_LOW_BAT) !== 0) flags |= F_LOW_BATTERY;
    reportReading(this.em, this.values.hr, this.values.spo2, flags, t);
  }
}
