import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { Call } from '../../src/doctor/call/call.ts';
import { ConnectionState } from '../../src/doctor/components/ConnectionState.tsx';
import type { HubState } from '../../src/doctor/hub/client.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { screenMachine, toConsoleState, type ScreenEvent } from '../../src/doctor/state/screen-machine.ts';
import type { Language } from '../../src/shared/language.ts';
import { view } from './fixtures/consultation-view.ts';

const call = { id: 'call' } as unknown as Call;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const render = (hub: HubState, peer: boolean | undefined, language: Language = 'fr') =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(ConnectionState, { hub, peer, rtc: 'connected' })));

function run(...events: ScreenEvent[]) {
  const actor = createActor(screenMachine).start();
  for (const e of events) actor.send(e);
  return toConsoleState(actor.getSnapshot());
}

describe("the cabin's presence while the console's own connection to the hub is lost", () => {
  const inCall: ScreenEvent[] = [{ type: 'signedIn', me: { id: 'd1', name: 'Dr Test' } }, { type: 'hub', state: 'connected' }, { type: 'consultation', consultation: view(), call }];

  it('is known from the hub’s view, unknown from the drop until the hub sends the consultation again', () => {
    expect(run(...inCall).presenceKnown).toBe(true);
    expect(run(...inCall, { type: 'hub', state: 'reconnecting' }).presenceKnown).toBe(false);
    // Connected again, but the view of the consultation is the one from before the drop: still not known.
    expect(run(...inCall, { type: 'hub', state: 'reconnecting' }, { type: 'hub', state: 'connected' }).presenceKnown).toBe(false);
    expect(run(...inCall, { type: 'hub', state: 'reconnecting' }, { type: 'hub', state: 'connected' }, { type: 'consultation', consultation: view({ peerPresent: false }), call }).presenceKnown).toBe(true);
  });

  it('is shown as unknown, never as a stale « present »', () => {
    const lost = render('reconnecting', undefined);
    expect(lost).toContain('data-peer="unknown"');
    expect(text(lost)).toContain('Cabine : inconnue, connexion au serveur perdue');
    expect(text(lost)).not.toContain('présente');
    expect(text(render('connected', undefined))).toContain('Cabine : inconnue, en attente du serveur…');
    expect(text(render('stopped', undefined, 'en'))).toContain('Cabin: unknown, connection to the hub lost');
    expect(text(render('connected', true))).toContain('Cabine : présente');
  });
});
