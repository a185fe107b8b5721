import { describe, expect, it } from 'vitest';
import { fetchReport, login, logout, refresh, renewDelayMs } from '../../src/doctor/hub/auth.ts';
import { reportOf } from './fixtures/report.ts';

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: { method: string; headers: Record<string, string>; body?: string; credentials?: string } }[] = [];
  const fetcher = async (url: string, init: { method: string; headers: Record<string, string>; body?: string; credentials?: string }) => {
    calls.push({ url, init });
    return { status, ok: status >= 200 && status < 300, headers: { get: (n: string) => headers[n.toLowerCase()] ?? null }, json: async () => body };
  };
  return { fetcher, calls };
}

const answer = { token: 't', expiresIn: 900, role: 'doctor', id: 'd1', name: 'Dr Demo' };

describe('login and token renewal', () => {
  it('posts the credentials and returns the token', async () => {
    const { fetcher, calls } = fakeFetch(200, answer);
    const r = await login('demo', 'secret', fetcher);
    expect(r).toEqual({ ok: true, value: answer });
    expect(calls[0]!.url).toBe('/api/login');
    expect(JSON.parse(calls[0]!.init.body!)).toEqual({ username: 'demo', password: 'secret' });
  });

  it('a bad password, too many attempts, a network failure and a strange answer are told apart', async () => {
    expect(await login('a', 'b', fakeFetch(401, { error: { code: 'bad-credentials', message: 'x' } }).fetcher)).toEqual({ ok: false, error: 'bad-credentials' });
    expect(await login('a', 'b', fakeFetch(429, {}, { 'retry-after': '30' }).fetcher)).toEqual({ ok: false, error: 'too-many', retryAfterS: 30 });
    expect(await login('a', 'b', fakeFetch(429, {}).fetcher)).toEqual({ ok: false, error: 'too-many' });
    expect(await login('a', 'b', async () => Promise.reject(new Error('offline')))).toEqual({ ok: false, error: 'network' });
    expect(await login('a', 'b', fakeFetch(500, {}).fetcher)).toEqual({ ok: false, error: 'server' });
    expect(await login('a', 'b', fakeFetch(200, { token: 1 }).fetcher)).toEqual({ ok: false, error: 'server' });
    expect(await login('a', 'b', fakeFetch(200, { ...answer, role: 'cabin' }).fetcher)).toEqual({ ok: false, error: 'server' });
  });

  it('renews with the bearer token; a refused token is "expired"', async () => {
    const ok = fakeFetch(200, answer);
    expect((await refresh('old', ok.fetcher)).ok).toBe(true);
    expect(ok.calls[0]!.url).toBe('/api/refresh');
    expect(ok.calls[0]!.init.headers.authorization).toBe('Bearer old');
    expect(await refresh('old', fakeFetch(401, {}).fetcher)).toEqual({ ok: false, error: 'expired' });
  });

  it('renews at two thirds of the token life', () => {
    expect(renewDelayMs(900)).toBe(600_000);
    expect(renewDelayMs(1)).toBe(5_000);
  });

  it('restores a session from the cookie alone: same-origin credentials, no Authorization; no session is "expired"', async () => {
    const ok = fakeFetch(200, answer);
    expect(await refresh(undefined, ok.fetcher)).toEqual({ ok: true, value: answer });
    expect(ok.calls[0]!.url).toBe('/api/refresh');
    expect(ok.calls[0]!.init.method).toBe('POST');
    expect(ok.calls[0]!.init.credentials).toBe('same-origin');
    expect(ok.calls[0]!.init.headers.authorization).toBeUndefined();
    expect(await refresh(undefined, fakeFetch(401, { error: { code: 'no-session', message: 'x' } }).fetcher)).toEqual({ ok: false, error: 'expired' });
    expect(await refresh(undefined, async () => Promise.reject(new Error('offline')))).toEqual({ ok: false, error: 'network' });
  });

  it('logout posts same-origin with the bearer when there is one, and never throws', async () => {
    const ok = fakeFetch(204, undefined);
    expect(await logout('tok', ok.fetcher)).toBe(true);
    expect(ok.calls[0]!.url).toBe('/api/logout');
    expect(ok.calls[0]!.init).toMatchObject({ method: 'POST', credentials: 'same-origin', headers: { authorization: 'Bearer tok' } });
    const cookieOnly = fakeFetch(204, undefined);
    await logout(undefined, cookieOnly.fetcher);
    expect(cookieOnly.calls[0]!.init.headers.authorization).toBeUndefined();
    expect(await logout('tok', async () => Promise.reject(new Error('offline')))).toBe(false);
  });

  it('reads the report so far with the bearer; any failure is undefined', async () => {
    const report = reportOf({ consultationId: 'c 1' });
    const ok = fakeFetch(200, report);
    expect(await fetchReport('c 1', 'tok', ok.fetcher)).toEqual(report);
    expect(ok.calls[0]!.url).toBe('/api/consultations/c%201/report');
    expect(ok.calls[0]!.init).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer tok' } });
    expect(await fetchReport('c1', 'tok', fakeFetch(403, {}).fetcher)).toBeUndefined();
    expect(await fetchReport('c1', 'tok', fakeFetch(200, { readings: 'nope' }).fetcher)).toBeUndefined();
    expect(await fetchReport('c1', 'tok', async () => Promise.reject(new Error('offline')))).toBeUndefined();
  });
});
