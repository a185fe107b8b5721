import type { PowerSaveBlocker } from 'electron';

/** Keeps the kiosk's display on (Signal's PreventDisplaySleepService): a cabin never goes dark. */
export class DisplayAwake {
  private id: number | undefined;

  constructor(private readonly blocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>) {}

  start(): void {
    if (this.id !== undefined && this.blocker.isStarted(this.id)) return;
    this.id = this.blocker.start('prevent-display-sleep');
  }

  stop(): void {
    if (this.id === undefined) return;
    this.blocker.stop(this.id);
    this.id = undefined;
  }

  get active(): boolean {
    return this.id !== undefined && this.blocker.isStarted(this.id);
  }
}
