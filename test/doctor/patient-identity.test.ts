import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatientCardView, type PatientCardViewProps } from '../../src/doctor/components/PatientCard.tsx';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import { fetchPatient, savePatient } from '../../src/doctor/hub/patient.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { draftOf, emptyDraft, identityOf, insGrouped, type PatientDraft } from '../../src/doctor/state/patient-form.ts';
import type { Language } from '../../src/shared/language.ts';
import { activeConsultation, doctorToken, startHub, type TestHub } from '../hub/helpers.ts';
import { CHLOE } from '../helpers/patients.ts';

/** Key 78 computed by the rule (97 − 2920375116042 mod 97). */
const TYPED: PatientDraft = {
  ...emptyDraft(),
  birthName: ' Martin ',
  firstNames: 'Chloé, Marie',
  birthDate: '12/03/1992',
  sex: 'female',
  birthplace: '75056',
  insKind: 'nir',
  insValue: '2 92 03 75 116 042 78',
  status: 'qualified',
};

describe('the patient form', () => {
  it('turns what the doctor typed into the identity: names split, a French date, the INS number as printed on the card', () => {
    expect(identityOf(TYPED)).toEqual({ ok: true, identity: CHLOE });
    // Corsica typed in lower case; a provisional identity without number nor birthplace.
    const corsica = identityOf({ ...TYPED, birthplace: '2a004', insValue: '1 65 07 2a 004 012 15', sex: 'male' });
    expect(corsica).toMatchObject({ ok: true, identity: { birthplace: '2A004', ins: { kind: 'nir', value: '165072A00401215' } } });
    expect(identityOf({ ...emptyDraft(), birthName: 'بن علي', firstNames: 'محمد', birthDate: '1970-01-01', sex: 'male' })).toMatchObject({
      ok: true,
      identity: { birthName: 'بن علي', firstNames: ['محمد'], status: 'provisional' },
    });
    // A filed identity shown in the form and saved again is the same identity.
    expect(identityOf(draftOf({ ...CHLOE, usedName: 'Dupont', usedFirstName: 'Marie' }))).toEqual({ ok: true, identity: { ...CHLOE, usedName: 'Dupont', usedFirstName: 'Marie' } });
    expect(insGrouped('292037511604278')).toBe('2 92 03 75 116 042 78');
  });

  it('says what is wrong field by field', () => {
    const errors = (d: Partial<PatientDraft>) => {
      const r = identityOf({ ...TYPED, ...d });
      return r.ok ? {} : r.errors;
    };
    expect(errors({ birthName: '', firstNames: ' ', birthDate: '', sex: '' })).toEqual({ birthName: 'required', firstNames: 'required', birthDate: 'required', sex: 'required' });
    expect(errors({ insValue: '2 92 03 75 116 042 79' })).toEqual({ insValue: 'insKey' });
    expect(errors({ insValue: '2 92 03 75 116 042' })).toEqual({ insValue: 'insShape' });
    expect(errors({ insValue: '5 92 03 75 116 042 78' })).toEqual({ insValue: 'insShape' });
    expect(errors({ insKind: '', insValue: '' })).toEqual({ insValue: 'insNeeded' });
    expect(errors({ insKind: '', insValue: '' , status: 'recovered' })).toEqual({ insValue: 'insNeeded' });
    expect(errors({ insKind: '', status: 'validated' })).toEqual({ insKind: 'required' });
    expect(errors({ insValue: '', status: 'validated' })).toEqual({ insValue: 'required' });
    expect(errors({ birthDate: '29/02/2023' })).toEqual({ birthDate: 'date' });
    expect(errors({ birthDate: '2999-01-01' })).toEqual({ birthDate: 'dateFuture' });
    expect(errors({ birthplace: '7505' })).toEqual({ birthplace: 'birthplace' });
    expect(errors({ birthName: 'Mart1n', usedFirstName: 'Ma--rie' })).toEqual({ birthName: 'name', usedFirstName: 'name' });
  });
});

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0\u202f]+/g, ' ').trim();
const noop = () => {};
const view = (props: Partial<PatientCardViewProps>, language: Language = 'fr') =>
  renderToStaticMarkup(
    createElement(
      I18nextProvider,
      { i18n: createI18n(language) },
      createElement(PatientCardView, {
        filed: null, editing: false, draft: emptyDraft(), errors: {}, saving: false, saved: false,
        onEdit: noop, onCancel: noop, onChange: noop, onSave: noop, onRetry: noop, ...props,
      }),
    ),
  );

describe('the patient card', () => {
  it('without identity: « Patient non identifié », the export will say so, and a button to identify', () => {
    const fr = text(view({ filed: null }));
    expect(fr).toContain('Patient non identifié');
    expect(fr).toContain('Sans identité enregistrée, l’export signalera un patient non identifié.');
    expect(fr).toContain('Identifier le patient');
    expect(text(view({ filed: null }, 'en'))).toContain('Patient not identified');
    expect(text(view({ filed: null }, 'ar'))).toContain('مريض غير محدد الهوية');
    expect(view({ filed: undefined })).toContain('Lecture de l’identité…');
  });

  it('a filed identity read-only, its status in plain words first', () => {
    const html = view({ filed: CHLOE, saved: true });
    expect(html).toContain('data-status="qualified"');
    const fr = text(html);
    expect(fr).toMatch(/^Identité du patient Identité qualifiée — Vérifiée sur une pièce d’identité et obtenue du téléservice INSi : seule/);
    expect(fr).toContain('Nom de naissance Martin');
    expect(fr).toContain('Prénoms de naissance, dans l’ordre Chloé Marie');
    expect(fr).toContain('Date de naissance 12 mars 1992');
    expect(fr).toContain('Sexe Féminin');
    expect(fr).toContain('Matricule INS NIR (numéro de sécurité sociale) 2 92 03 75 116 042 78');
    expect(fr).toContain('Identité enregistrée.');
    expect(fr).toContain('Modifier l’identité');
    expect(fr).not.toContain('<form');
    expect(text(view({ filed: { ...CHLOE, status: 'provisional', ins: undefined } }))).toMatch(/Identité provisoire — Déclarée par le patient.*Matricule INS Pas de matricule INS/);
    expect(text(view({ filed: CHLOE }, 'en'))).toContain('Qualified identity');
    expect(text(view({ filed: CHLOE }, 'en'))).toContain('Date of birth March 12, 1992');
    expect(text(view({ filed: CHLOE }, 'ar'))).toContain('هوية مؤهلة');
  });

  it('the form: the four statuses as plain words, and each error in French beside its field', () => {
    const draft = { ...TYPED, insValue: '2 92 03 75 116 042 79', birthDate: '2999-01-01' };
    const r = identityOf(draft);
    expect(r.ok).toBe(false);
    const html = view({ filed: null, editing: true, draft, errors: r.ok ? {} : r.errors });
    const options = [...html.matchAll(/<option value="(provisional|recovered|validated|qualified)"[^>]*>([^<]+)</g)].map((m) => [m[1], m[2]]);
    expect(options).toEqual([
      ['provisional', 'Identité provisoire'],
      ['recovered', 'Identité récupérée'],
      ['validated', 'Identité validée'],
      ['qualified', 'Identité qualifiée'],
    ]);
    expect(html).toMatch(/<option value="qualified" selected="">/);
    expect(html).toMatch(/<input id="patient-insValue" aria-invalid="true" aria-describedby="patient-insValue-error"/);
    expect(html).toMatch(/<input id="patient-birthName" aria-invalid="false"/);
    expect(html).toContain('<p id="patient-insValue-error" class="field-error" data-testid="patient-error-insValue">La clé ne correspond pas au numéro\u00a0: vérifiez chaque chiffre.</p>');
    expect(html).toContain('data-testid="patient-error-birthDate">Cette date est dans le futur.</p>');
    expect(text(html)).toContain('L’identité n’a pas été enregistrée : corrigez les champs signalés.');
    expect(text(view({ editing: true, draft, errors: { insValue: 'insKey' } }, 'en'))).toContain('The key does not match the number: check each digit.');
    expect(text(view({ editing: true, draft, errors: { insValue: 'insKey' } }, 'ar'))).toContain('المفتاح لا يطابق الرقم: تحقق من كل رقم.');
  });

  it('says why the hub could not read or file it', () => {
    expect(text(view({ loadError: { error: 'network' } }))).toContain('Le serveur ne répond pas : vérifiez la connexion et réessayez. Réessayer');
    expect(text(view({ editing: true, saveError: { error: 'forbidden' } }))).toContain('Cette consultation ne vous est pas attribuée.');
    expect(text(view({ editing: true, saving: true }))).toContain('Enregistrement…');
  });
});

describe("the console's calls to the hub", () => {
  let t: TestHub;
  let c: Awaited<ReturnType<typeof activeConsultation>>;
  const on = (): FetchLike => (url, init) => fetch(`${t.hub.url}${url}`, init);
  beforeAll(async () => {
    t = await startHub();
    c = await activeConsultation(t, 'cab-1', 'dr.a');
  });
  afterAll(async () => {
    await Promise.all([c.cabin.close(), c.doc.close()]);
    await t.close();
  });

  it('reads "not identified", files the form’s identity, reads it back; the report has it', async () => {
    const token = await doctorToken(t, 'dr.a');
    expect(await fetchPatient(c.id, token, on())).toEqual({ ok: true, value: { patient: null, updatedAt: null } });
    const typed = identityOf(TYPED);
    if (!typed.ok) throw new Error('the typed form is valid');
    expect(await savePatient(c.id, typed.identity, token, on())).toMatchObject({ ok: true, value: { patient: CHLOE, changed: true } });
    expect(await fetchPatient(c.id, token, on())).toMatchObject({ ok: true, value: { patient: CHLOE } });
    expect((await t.hub.store.report(c.id))?.patient).toEqual(CHLOE);
  });

  it('another doctor, no session, a refused identity, no network: each a reason the card can say', async () => {
    expect(await fetchPatient(c.id, await doctorToken(t, 'dr.b'), on())).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await fetchPatient(c.id, undefined, on())).toEqual({ ok: false, error: 'expired' });
    expect(await fetchPatient(c.id, 'x.y.z', on())).toMatchObject({ ok: false, error: 'expired' });
    expect(await fetchPatient('no-such', await doctorToken(t, 'dr.a'), on())).toMatchObject({ ok: false, error: 'not-found' });
    // What the form would never send: the hub still refuses it, naming the field.
    const bad = await savePatient(c.id, { ...CHLOE, birthDate: '1992-02-30' }, await doctorToken(t, 'dr.a'), on());
    expect(bad).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('birthDate') });
    const down: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
    expect(await savePatient(c.id, CHLOE, await doctorToken(t, 'dr.a'), down)).toEqual({ ok: false, error: 'network' });
    expect((await t.hub.store.report(c.id))?.patient).toEqual(CHLOE);
  });
});
