import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError, PatientFiling } from '../../shared/bridge.ts';
import { IDENTITY_STATUSES, SEXES, type PatientIdentity } from '../../shared/patient-identity.ts';
import { useBridge } from '../bridge/context.tsx';
import { emptyIdentityDraft, identityDraftOf, identityFromDraft, type IdentityDraft, type IdentityErrors, type IdentityField } from './identity-form.ts';
import './identity.css';

/** How often the panel asks main where the identity stands while it is on its way to the doctor. */
const POLL_MS = 1500;

/** The identity main holds for this visit (patient:get), read again while it is on its way; null while read. */
export function usePatientFiling(sessionId: string | null): [PatientFiling | null, (f: PatientFiling) => void] {
  const bridge = useBridge();
  const [filing, setFiling] = useState<PatientFiling | null>(null);
  const moving = filing?.delivery === 'waiting' || filing?.delivery === 'sending';
  useEffect(() => {
    if (sessionId === null) return setFiling(null);
    let live = true;
    const read = (): void =>
      void bridge.call('patient:get', {}).then((r) => {
        if (live && r.ok) setFiling(r.value);
      });
    read();
    const timer = moving ? setInterval(read, POLL_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [bridge, sessionId, moving]);
  return [filing, setFiling];
}

/** The identity's line on the assistant panel: who, how reliable, where it stands, and the button to the form. */
export function IdentitySection({ sessionId, filing, onOpen }: { sessionId: string | null; filing: PatientFiling | null; onOpen(): void }) {
  const { t } = useTranslation();
  if (sessionId === null) return <p className="note">{t('identity.noVisit')}</p>;
  const identity = filing?.identity ?? null;
  return (
    <div className="identity-section" data-testid="identity-section">
      {identity ? <IdentitySummary identity={identity} /> : <p className="note">{t('identity.none')}</p>}
      {filing?.delivery && <Delivery filing={filing} />}
      <button type="button" className="btn btn-secondary" onClick={onOpen} data-testid="identity-open">
        {identity ? t('identity.change') : t('identity.open')}
      </button>
    </div>
  );
}

function IdentitySummary({ identity }: { identity: PatientIdentity }) {
  const { t, i18n } = useTranslation();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${identity.birthDate}T00:00:00Z`));
  const names = `${identity.birthName.toLocaleUpperCase(i18n.language)} ${identity.firstNames.join(' ')}`;
  return (
    <p className="identity-summary" data-testid="identity-summary" data-status={identity.status}>
      <strong>{t('identity.summary', { names, date })}</strong>
      <br />
      {t(`identity.status.${identity.status}`)}
    </p>
  );
}

function Delivery({ filing }: { filing: PatientFiling }) {
  const { t } = useTranslation();
  const bad = filing.delivery === 'doctor-kept' || filing.delivery === 'refused';
  return (
    <p className={`identity-delivery${bad ? ' is-warn' : ''}`} role="status" data-testid="identity-delivery" data-delivery={filing.delivery}>
      {t(`identity.delivery.${filing.delivery}`)}
    </p>
  );
}

/** The form: the INS traits, the INS number, the reliability in plain words; checked field by field on save. */
export function IdentityPanel({ filing, onSaved, onClose }: { filing: PatientFiling | null; onSaved(f: PatientFiling): void; onClose(): void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [draft, setDraft] = useState<IdentityDraft>(() => (filing?.identity ? identityDraftOf(filing.identity) : emptyIdentityDraft()));
  const [errors, setErrors] = useState<IdentityErrors>({});
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<BridgeError | null>(null);
  const set = useCallback((field: IdentityField, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    // A field's reason goes once it is changed (the date's three boxes share one).
    setErrors((e) => {
      const next = { ...e };
      delete next[field];
      if (field === 'day' || field === 'month') delete next.year;
      return next;
    });
  }, []);
  const save = (): void => {
    const r = identityFromDraft(draft);
    setFailure(null);
    if (!r.ok) return setErrors(r.errors);
    setErrors({});
    setSaving(true);
    void bridge.call('patient:set', { identity: r.identity }).then((answer) => {
      setSaving(false);
      if (!answer.ok) return setFailure(answer.error);
      onSaved(answer.value);
      onClose();
    });
  };
  const count = Object.keys(errors).length;
  const text = (field: IdentityField, label: string, opts: { optional?: boolean; hint?: string; inputMode?: 'numeric' | 'text'; width?: string } = {}) => (
    <Field field={field} label={label} error={errors[field]} optional={opts.optional} hint={opts.hint}>
      <input
        id={`identity-${field}`}
        className={`identity-input${opts.width ? ` ${opts.width}` : ''}`}
        value={draft[field]}
        onChange={(e) => set(field, e.target.value)}
        inputMode={opts.inputMode ?? 'text'}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={errors[field] !== undefined}
        aria-describedby={errors[field] ? `identity-${field}-error` : undefined}
        data-testid={`identity-${field}`}
      />
    </Field>
  );
  return (
    <section className="identity-panel" data-testid="identity-panel" aria-labelledby="identity-title">
      <div className="identity-top">
        <h3 id="identity-title">{t('identity.title')}</h3>
        <button type="button" className="btn btn-primary" onClick={save} disabled={saving} data-testid="identity-save">
          {saving ? t('identity.saving') : t('identity.save')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="identity-close">
          {t('identity.close')}
        </button>
      </div>
      <p className="note">{t('identity.intro')}</p>
      {count > 0 && (
        <p className="identity-fix" role="alert" data-testid="identity-fix">
          {t('identity.fix', { count })}
        </p>
      )}
      {failure && (
        <p className="identity-fix" role="alert" data-testid="identity-failure">
          {t(`bridgeError.${failure.code}`)}
        </p>
      )}
      <div className="identity-grid">
        {text('birthName', t('identity.field.birthName'))}
        {text('firstNames', t('identity.field.firstNames'), { hint: t('identity.field.firstNamesHint') })}
        {text('usedName', t('identity.field.usedName'), { optional: true })}
        {text('usedFirstName', t('identity.field.usedFirstName'), { optional: true })}
        <Field field="year" label={t('identity.field.birthDate')} error={errors.year} group>
          <div className="identity-date">
            {(['day', 'month', 'year'] as const).map((f) => (
              <label key={f} className="identity-date-part">
                <span>{t(`identity.field.${f}`)}</span>
                <input
                  className={`identity-input ${f === 'year' ? 'is-year' : 'is-short'}`}
                  value={draft[f]}
                  onChange={(e) => set(f, e.target.value.replace(/\D/g, ''))}
                  inputMode="numeric"
                  maxLength={f === 'year' ? 4 : 2}
                  autoComplete="off"
                  aria-invalid={errors.year !== undefined}
                  data-testid={`identity-${f}`}
                />
              </label>
            ))}
          </div>
        </Field>
        <Field field="sex" label={t('identity.field.sex')} error={errors.sex} group>
          <Choices value={draft.sex} options={SEXES.map((s) => [s, t(`identity.sex.${s}`)])} onChoose={(v) => set('sex', v)} testId="identity-sex" />
        </Field>
        {text('birthplace', t('identity.field.birthplace'), { optional: true, hint: t('identity.field.birthplaceHint'), width: 'is-code' })}
        <Field field="insKind" label={t('identity.field.ins')} error={errors.insKind} optional group>
          <Choices
            value={draft.insKind === '' ? 'none' : draft.insKind}
            options={(['none', 'nir', 'nia'] as const).map((k) => [k, t(`identity.insKind.${k}`)])}
            onChoose={(v) => {
              set('insKind', v === 'none' ? '' : v);
              if (v === 'none') set('insValue', '');
            }}
            testId="identity-ins-kind"
          />
        </Field>
        {draft.insKind !== '' && text('insValue', t('identity.field.insValue'), { width: 'is-ins' })}
        <Field field="status" label={t('identity.field.status')} group wide>
          <div className="identity-statuses" role="radiogroup" aria-label={t('identity.field.status')}>
            {IDENTITY_STATUSES.map((s) => (
              <button
                key={s}
                type="button"
                role="radio"
                aria-checked={draft.status === s}
                className={`btn identity-status${draft.status === s ? ' is-chosen' : ''}`}
                onClick={() => set('status', s)}
                data-testid={`identity-status-${s}`}
              >
                <strong>{t(`identity.status.${s}`)}</strong>
                <span>{t(`identity.statusHelp.${s}`)}</span>
              </button>
            ))}
          </div>
        </Field>
      </div>
    </section>
  );
}

/** A labelled field with its hint and, when refused, the reason beside it. */
function Field(p: { field: IdentityField; label: string; error?: string | undefined; optional?: boolean | undefined; hint?: string | undefined; group?: boolean; wide?: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  const label = (
    <>
      {p.label}
      {p.optional && <span className="identity-optional"> ({t('identity.optional')})</span>}
    </>
  );
  return (
    <div className={`identity-field${p.error ? ' is-invalid' : ''}${p.wide ? ' is-wide' : ''}`} data-field={p.field}>
      {p.group ? <p className="identity-label">{label}</p> : <label htmlFor={`identity-${p.field}`} className="identity-label">{label}</label>}
      {p.hint && <p className="identity-hint">{p.hint}</p>}
      {p.children}
      {p.error && (
        <p className="identity-error" id={`identity-${p.field}-error`} data-testid={`identity-error-${p.field}`}>
          {t(`identity.error.${p.error}`)}
        </p>
      )}
    </div>
  );
}

/** Big buttons for one choice among a few (a radio group a finger can hit). */
function Choices<V extends string>({ value, options, onChoose, testId }: { value: string; options: [V, string][]; onChoose(v: V): void; testId: string }) {
  return (
    <div className="identity-choices" role="radiogroup" data-testid={testId}>
      {options.map(([v, label]) => (
        <button key={v} type="button" role="radio" aria-checked={value === v} className={`btn identity-choice${value === v ? ' is-chosen' : ''}`} onClick={() => onChoose(v)} data-testid={`${testId}-${v}`}>
          {label}
        </button>
      ))}
    </div>
  );
}
