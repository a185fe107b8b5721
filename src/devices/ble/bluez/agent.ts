/**
 * This process's org.bluez.Agent1: BlueZ asks it for a passkey or a yes during pairing. It says yes only for the
 * device the cabin is pairing right now (the assistant pressed "pair"); every other request is Rejected, so a
 * stranger's device cannot bond with the kiosk through it.
 */
import { IFACE, Message, safely, type Warn } from './bus.ts';

export const AGENT_PATH = '/org/cabin/bluez/agent';
export const AGENT_CAPABILITY = 'KeyboardDisplay';

/** The pairing under way: the device's object path and the passkey the assistant typed, if any. */
export interface PairingRequest {
  readonly devicePath: string;
  readonly passkey?: number;
  /** Set when BlueZ asked for a passkey (so a refusal without one reads as "passkey needed"). */
  passkeyAsked: boolean;
}

type Reply = { ok: true; signature?: string; body?: unknown[] } | { ok: false; error: string; text: string };

const REJECTED: Reply = { ok: false, error: 'org.bluez.Error.Rejected', text: 'Rejected by the cabin: no pairing of this device is under way' };

export class PairingAgent {
  current: PairingRequest | undefined;

  /** The dbus-next method handler: answers calls on AGENT_PATH, leaves every other call to the library. */
  // dbus-next's typings give newError a string first argument; it takes the call being answered.
  readonly handler = (msg: Message): boolean => {
    if (msg.path !== AGENT_PATH || msg.interface !== IFACE.agent) return false;
    let reply: Reply;
    try {
      reply = this.answer(msg.member, Array.isArray(msg.body) ? msg.body : []);
    } catch {
      reply = REJECTED;
    }
    safely(() => this.send(reply.ok ? Message.newMethodReturn(msg, reply.signature ?? '', reply.body ?? []) : Message.newError(msg as unknown as string, reply.error, reply.text)), this.warn);
    return true;
  };

  constructor(
    private readonly send: (msg: Message) => void,
    private readonly warn: Warn,
  ) {}

  private forCurrent(device: unknown): PairingRequest | undefined {
    return typeof device === 'string' && this.current?.devicePath === device ? this.current : undefined;
  }

  answer(member: string, body: readonly unknown[]): Reply {
    const pairing = this.forCurrent(body[0]);
    switch (member) {
      case 'Release':
      case 'Cancel':
        return { ok: true };
      case 'RequestPasskey':
        if (!pairing) return REJECTED;
        pairing.passkeyAsked = true;
        if (pairing.passkey === undefined) return { ok: false, error: 'org.bluez.Error.Rejected', text: 'The device asks for a passkey and none was typed' };
        return { ok: true, signature: 'u', body: [pairing.passkey] };
      case 'RequestPinCode':
        if (!pairing) return REJECTED;
        pairing.passkeyAsked = true;
        if (pairing.passkey === undefined) return { ok: false, error: 'org.bluez.Error.Rejected', text: 'The device asks for a PIN code and none was typed' };
        return { ok: true, signature: 's', body: [String(pairing.passkey).padStart(6, '0')] };
      case 'DisplayPasskey':
      case 'DisplayPinCode':
      case 'RequestConfirmation':
      case 'RequestAuthorization':
      case 'AuthorizeService':
        return pairing ? { ok: true } : REJECTED;
      default:
        return { ok: false, error: 'org.freedesktop.DBus.Error.UnknownMethod', text: `Unknown method ${member}` };
    }
  }
}
