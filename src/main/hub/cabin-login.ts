import { TokenAnswerSchema } from '../../shared/hub-protocol.ts';
import { postJson } from './post-json.ts';

/** A login the hub answered with a refusal (401/403): the key is wrong or revoked, or the cabin is disabled. */
export class LoginRefused extends Error {}

/** Logs the cabin in with its key: a short-lived token, or an error that says what happened. */
export async function cabinLogin(url: string, cabinId: string, cabinKey: string): Promise<{ token: string; expiresIn: number }> {
  let res: { status: number; body: unknown };
  try {
    res = await postJson(new URL('/api/cabin/token', url), { cabinId, key: cabinKey });
  } catch (err) {
    throw new Error(`The hub at ${url} cannot be reached (${(err as Error).message}).`);
  }
  const body = res.body as { error?: { message?: string } } | undefined;
  if (res.status !== 200) {
    const why = body?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 401) throw new LoginRefused(`The hub refused this cabin's key (${why}).`);
    if (res.status === 403) throw new LoginRefused(`The hub refused the cabin (${why}).`);
    throw new Error(`The hub refused the cabin (${why}).`);
  }
  const parsed = TokenAnswerSchema.safeParse(body);
  if (!parsed.success || parsed.data.role !== 'cabin') throw new Error('The hub answered the login with something that is not a cabin token.');
  return { token: parsed.data.token, expiresIn: parsed.data.expiresIn };
}
