import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Notice } from '../state/screen-machine.ts';
import { useController } from '../state/hooks.ts';
import { useFocusOnMount } from '../components/use-focus-on-mount.ts';
import { waitNotice } from './login-wait.ts';

/** Username and password; the token stays in memory (a reload restores the session from the hub's cookie). */
export function Login({ notice }: { notice: Notice | undefined }) {
  const { t } = useTranslation();
  const controller = useController();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError(t('login.error.missing'));
      return;
    }
    setBusy(true);
    setError(undefined);
    const r = await controller.login(username.trim(), password);
    setBusy(false);
    if (!r.ok) {
      setPassword('');
      setError(r.error === 'too-many' && r.retryAfterS ? waitNotice(t, r.retryAfterS) : t(`login.error.${r.error}`));
    }
  };

  return (
    <section className="login card">
      <h2 ref={heading} tabIndex={-1} data-testid="login-title">
        {t('login.title')}
      </h2>
      {notice && (
        <p className="banner banner-warn" role="status" data-testid="notice" data-notice={notice}>
          {t(`notice.${notice}`)}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span>{t('login.username')}</span>
          <input data-testid="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} maxLength={100} />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input data-testid="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} maxLength={200} />
        </label>
        {error && (
          <p className="banner banner-bad" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-main" data-testid="login-submit" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </section>
  );
}
