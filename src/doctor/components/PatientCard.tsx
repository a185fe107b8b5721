import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { IDENTITY_STATUSES, INS_KINDS, SEXES, type PatientIdentity } from '../../shared/patient-identity.ts';
import type { PatientFailure, PatientResult } from '../hub/patient.ts';
import { draftOf, emptyDraft, identityOf, insGrouped, type PatientDraft, type PatientErrors, type PatientField } from '../state/patient-form.ts';
import { useController } from '../state/hooks.ts';

/** A failure with the hub's words when it refused the identity. */
export interface PatientProblem {
  error: PatientFailure;
  message?: string;
}

export interface PatientCardViewProps {
  /** undefined while it is read; null: not identified. */
  filed: PatientIdentity | null | undefined;
  loadError?: PatientProblem | undefined;
  editing: boolean;
  draft: PatientDraft;
  errors: PatientErrors;
  saving: boolean;
  saveError?: PatientProblem | undefined;
  /** Just saved: says so until the next change. */
  saved: boolean;
  onEdit(): void;
  onCancel(): void;
  onChange(field: PatientField, value: string): void;
  onSave(): void;
  onRetry(): void;
}

/** The patient's identity in the consultation: read-only with its status, or the form to file or change it. */
export function PatientCardView(p: PatientCardViewProps) {
  const { t } = useTranslation();
  const problem = (x: PatientProblem) => t(`patient.failure.${x.error}`, { message: x.message ?? '' });
  return (
    <section className="patient-card card" aria-labelledby="patient-title" data-testid="patient-card" data-status={p.filed?.status ?? (p.filed === null ? 'none' : '')}>
      <h2 id="patient-title" className="box-title">
        {t('patient.title')}
      </h2>
      {p.loadError ? (
        <p className="banner banner-bad" role="alert" data-testid="patient-load-error">
          {problem(p.loadError)}
          <button type="button" className="btn btn-small" onClick={p.onRetry}>
            {t('patient.retry')}
          </button>
        </p>
      ) : p.filed === undefined ? (
        <p className="note">{t('patient.loading')}</p>
      ) : p.editing ? (
        <PatientForm {...p} />
      ) : (
        <>
          {p.filed === null ? <NotIdentified /> : <Filed identity={p.filed} />}
          {p.saved && (
            <p className="banner banner-ok" role="status" data-testid="patient-saved">
              {t('patient.saved')}
            </p>
          )}
          <button type="button" className="btn btn-primary" data-testid="patient-edit" onClick={p.onEdit}>
            {p.filed === null ? t('patient.identify') : t('patient.edit')}
          </button>
        </>
      )}
    </section>
  );
}

export function NotIdentified() {
  const { t } = useTranslation();
  return (
    <>
      <p className="banner banner-warn" data-testid="patient-none">
        {t('patient.none')}
      </p>
      <p className="note">{t('patient.noneHelp')}</p>
    </>
  );
}

/** A filed identity, read-only: its status in words, then each trait (the patient card and a past report). */
export function Filed({ identity: p }: { identity: PatientIdentity }) {
  const { t, i18n } = useTranslation();
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${p.birthDate}T00:00:00Z`));
  const rows: [PatientField, ReactNode][] = [
    ['birthName', p.birthName],
    ['firstNames', p.firstNames.join(' ')],
    ...(p.usedName ? [['usedName', p.usedName] as [PatientField, ReactNode]] : []),
    ...(p.usedFirstName ? [['usedFirstName', p.usedFirstName] as [PatientField, ReactNode]] : []),
    ['birthDate', <time dateTime={p.birthDate}>{date}</time>],
    ['sex', t(`patient.sex.${p.sex}`)],
    ...(p.birthplace ? [['birthplace', p.birthplace] as [PatientField, ReactNode]] : []),
    ['insKind', p.ins ? <span dir="ltr">{`${t(`patient.insKind.${p.ins.kind}`)} ${insGrouped(p.ins.value)}`}</span> : t('patient.insKind.none')],
  ];
  return (
    <>
      <p className={`patient-status patient-status-${p.status}`} data-testid="patient-status">
        <strong>{t(`patient.status.${p.status}`)}</strong> — {t(`patient.statusHelp.${p.status}`)}
      </p>
      <dl className="patient-traits" data-testid="patient-filed">
        {rows.map(([field, value]) => (
          <div key={field}>
            <dt>{t(`patient.field.${field}`)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

function PatientForm(p: PatientCardViewProps) {
  const { t } = useTranslation();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!p.saving) p.onSave();
  };
  const field = (name: PatientField, control: (a: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode, help?: string) => {
    const error = p.errors[name];
    const described = [help ? `patient-${name}-help` : '', error ? `patient-${name}-error` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className="field" key={name}>
        <label htmlFor={`patient-${name}`}>{t(`patient.field.${name}`)}</label>
        {control({ id: `patient-${name}`, 'aria-invalid': error !== undefined, 'aria-describedby': described })}
        {help && (
          <p id={`patient-${name}-help`} className="note">
            {help}
          </p>
        )}
        {error && (
          <p id={`patient-${name}-error`} className="field-error" data-testid={`patient-error-${name}`}>
            {t(`patient.error.${error}`)}
          </p>
        )}
      </div>
    );
  };
  const text = (name: PatientField, extra: { autoComplete?: string; dir?: string; help?: string; maxLength?: number } = {}) =>
    field(
      name,
      (a) => (
        <input {...a} data-testid={`patient-${name}`} type="text" value={p.draft[name]} maxLength={extra.maxLength ?? 100} dir={extra.dir} autoComplete={extra.autoComplete ?? 'off'} onChange={(e) => p.onChange(name, e.target.value)} />
      ),
      extra.help,
    );
  const select = (name: PatientField, options: readonly { value: string; label: string }[], help?: string) =>
    field(
      name,
      (a) => (
        <select {...a} data-testid={`patient-${name}`} value={p.draft[name]} onChange={(e) => p.onChange(name, e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ),
      help,
    );
  const hasErrors = Object.keys(p.errors).length > 0;
  return (
    <form className="patient-form" onSubmit={submit} noValidate data-testid="patient-form">
      {text('birthName')}
      {text('firstNames', { help: t('patient.help.firstNames'), maxLength: 300 })}
      {text('usedName')}
      {text('usedFirstName')}
      {field('birthDate', (a) => <input {...a} data-testid="patient-birthDate" type="date" value={p.draft.birthDate} max={new Date().toISOString().slice(0, 10)} onChange={(e) => p.onChange('birthDate', e.target.value)} />)}
      {select('sex', [{ value: '', label: t('patient.sex.choose') }, ...SEXES.map((s) => ({ value: s, label: t(`patient.sex.${s}`) }))])}
      {text('birthplace', { help: t('patient.help.birthplace'), maxLength: 5, dir: 'ltr' })}
      {select('insKind', [{ value: '', label: t('patient.insKind.none') }, ...INS_KINDS.map((k) => ({ value: k, label: t(`patient.insKind.${k}`) }))])}
      {text('insValue', { maxLength: 30, dir: 'ltr' })}
      {select('status', IDENTITY_STATUSES.map((s) => ({ value: s, label: t(`patient.status.${s}`) })), t(`patient.statusHelp.${p.draft.status}`))}
      {hasErrors && (
        <p className="banner banner-bad" role="alert" data-testid="patient-form-error">
          {t('patient.error.summary')}
        </p>
      )}
      {p.saveError && (
        <p className="banner banner-bad" role="alert" data-testid="patient-save-error">
          {t(`patient.failure.${p.saveError.error}`, { message: p.saveError.message ?? '' })}
        </p>
      )}
      <div className="patient-actions">
        <button type="submit" className="btn btn-primary" data-testid="patient-save" disabled={p.saving}>
          {p.saving ? t('patient.saving') : t('patient.save')}
        </button>
        <button type="button" className="btn" data-testid="patient-cancel" onClick={p.onCancel}>
          {t('patient.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The card with its state: reads the filed identity from the hub, files the form's. */
export function PatientCard({ consultationId }: { consultationId: string }) {
  const controller = useController();
  return <PatientCardWith consultationId={consultationId} load={(id) => controller.records.loadPatient(id)} save={(id, identity) => controller.records.savePatient(id, identity)} watch={controller.onPatientFiled} />;
}

/** The card's state around its view, on the given hub calls (the controller's, or a test's). */
export function PatientCardWith({
  consultationId,
  load,
  save,
  watch,
}: {
  consultationId: string;
  load: (id: string) => Promise<PatientResult>;
  save: (id: string, identity: PatientIdentity) => Promise<PatientResult>;
  /** Tells when the cabin's assistant filed this consultation's identity: read again, unless the doctor is editing. */
  watch?: (fn: (consultationId: string) => void) => () => void;
}) {
  const [filed, setFiled] = useState<PatientIdentity | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<PatientProblem | undefined>();
  const [attempt, setAttempt] = useState(0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<PatientDraft>(emptyDraft);
  const [errors, setErrors] = useState<PatientErrors>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<PatientProblem | undefined>();
  const [saved, setSaved] = useState(false);
  const editingNow = useRef(false);
  editingNow.current = editing;
  useEffect(
    () => watch?.((id) => id === consultationId && !editingNow.current && setAttempt((n) => n + 1)),
    [watch, consultationId],
  );

  useEffect(() => {
    let live = true;
    setFiled(undefined);
    setLoadError(undefined);
    void load(consultationId).then((r) => {
      if (!live) return;
      if (r.ok) setFiled(r.value.patient);
      else setLoadError({ error: r.error, ...(r.message ? { message: r.message } : {}) });
    });
    return () => {
      live = false;
    };
    // Not on `load`, a new function at each render of the parent: read again for a new consultation or a retry only.
  }, [consultationId, attempt]);

  const onSave = (): void => {
    const r = identityOf(draft);
    setSaveError(undefined);
    if (!r.ok) return setErrors(r.errors);
    setErrors({});
    setSaving(true);
    void save(consultationId, r.identity).then((answer) => {
      setSaving(false);
      if (!answer.ok) return setSaveError({ error: answer.error, ...(answer.message ? { message: answer.message } : {}) });
      setFiled(answer.value.patient);
      setEditing(false);
      setSaved(true);
    });
  };

  return (
    <PatientCardView
      filed={filed}
      loadError={loadError}
      editing={editing}
      draft={draft}
      errors={errors}
      saving={saving}
      saveError={saveError}
      saved={saved}
      onEdit={() => {
        setDraft(filed ? draftOf(filed) : emptyDraft());
        setErrors({});
        setSaveError(undefined);
        setSaved(false);
        setEditing(true);
      }}
      onCancel={() => {
        setEditing(false);
        setErrors({});
        setSaveError(undefined);
      }}
      onChange={(field, value) => {
        setDraft((d) => ({ ...d, [field]: value }));
        // The field's error goes once it is changed; the others stay until the next save.
        setErrors(({ [field]: _, ...rest }) => rest);
      }}
      onSave={onSave}
      onRetry={() => setAttempt((n) => n + 1)}
    />
  );
}
