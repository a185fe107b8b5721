import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { silentLogger, type Logger } from '../../server/log.ts';
import { CALLS, type CallName, type Result } from '../../shared/bridge.ts';
import { dispatch, type BridgeHandlers, type EventSink } from '../bridge/dispatch.ts';
import { isAppUrl } from './app-origin.ts';

/** Channel of a call (`bridge:session:get`), and the one channel of every main → renderer event. */
export const callChannel = (name: CallName): string => `bridge:${name}`;
export const EVENT_CHANNEL = 'bridge:event';

type Sender = Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>;

/**
 * Why a sender may not use the bridge, or undefined when it may: only the main frame of the kiosk page,
 * on the app origin (VS Code's validated IPC). A frame that navigated away or closed has no senderFrame.
 */
export function senderProblem(event: Sender, kiosk?: Pick<WebContents, 'id'>): string | undefined {
  const frame = event.senderFrame;
  if (!frame) return 'the sending page has navigated away or closed';
  if (frame.parent !== null) return 'it came from a subframe, not from the kiosk page itself';
  if (!isAppUrl(frame.url)) return `it came from ${frame.url.slice(0, 100) || 'an empty page'}, not from the kiosk app`;
  if (kiosk && event.sender.id !== kiosk.id) return 'it came from a window other than the kiosk';
  return undefined;
}

/**
 * Serves the bridge contract over Electron IPC: one `ipcMain.handle` per call of the contract, each
 * validating the sender before `dispatch` (which validates the input and never throws).
 */
export class IpcBridge {
  private readonly channels: string[] = [];

  constructor(
    private readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
    private readonly handlers: BridgeHandlers,
    private readonly kiosk: () => Pick<WebContents, 'id'> | undefined,
    /** Where a call's unexpected failure is logged under its incident number. */
    private readonly log: Logger = silentLogger(),
  ) {}

  register(): void {
    for (const name of Object.keys(CALLS) as CallName[]) {
      const channel = callChannel(name);
      this.ipcMain.handle(channel, (event, input: unknown) => this.handle(name, event, input));
      this.channels.push(channel);
    }
  }

  async handle(name: CallName, event: Sender, input: unknown): Promise<Result<unknown>> {
    const kiosk = this.kiosk();
    const problem = kiosk ? senderProblem(event, kiosk) : 'the kiosk window is closed';
    if (problem) {
      return { ok: false, error: { code: 'forbidden', message: `The call ${name} was refused: ${problem}.` } };
    }
    return dispatch(this.handlers, name, input, { log: this.log });
  }

  dispose(): void {
    for (const channel of this.channels.splice(0)) this.ipcMain.removeHandler(channel);
  }
}

/**
 * Delivers main → renderer events to the kiosk window only, and only while it shows the app (not the
 * error page, not a page that somehow navigated away).
 */
export function kioskEventSink(contents: () => Pick<WebContents, 'isDestroyed' | 'send' | 'getURL'> | undefined): EventSink {
  return (event, payload) => {
    const target = contents();
    if (!target || target.isDestroyed() || !isAppUrl(target.getURL())) return;
    target.send(EVENT_CHANNEL, event, payload);
  };
}
