import { StoreRefusedError } from '../../server/store-file.ts';

export type StoreErrorCode =
  | 'disk-full'
  | 'read-only'
  | 'locked'
  | 'corrupt'
  | 'emptied'
  | 'cannot-open'
  | 'io'
  | 'newer-schema'
  | 'unknown-session'
  | 'invalid-input'
  | 'closed'
  | 'sqlite';

/** A store failure with a stable code (for the UI and the audit log) and a sentence a person can act on. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const sentences: Record<Exclude<StoreErrorCode, 'newer-schema' | 'invalid-input' | 'emptied'>, (file: string) => string> = {
  'disk-full': () => "The cabin's disk is full and nothing more can be saved: free space on the disk or call support.",
  'read-only': (f) => `The cabin's database ${f} is read-only: let the cabin's user write to the file and its folder, or call support.`,
  locked: (f) => `The cabin's database ${f} is locked by another program (is a second cabin running?): close it, then restart the cabin.`,
  corrupt: (f) =>
    `The cabin's database ${f} is damaged: call support, and do not delete the file (readings not yet delivered are in it).`,
  'cannot-open': (f) => `The cabin's database ${f} cannot be opened: check that its folder exists and that the cabin may write to it.`,
  io: (f) => `The cabin could not read or write its database ${f} (disk error): check the disk and restart the cabin; call support if it happens again.`,
  'unknown-session': () => 'This belongs to a visit the cabin no longer has (it may have been purged): start a new visit.',
  closed: () => 'The cabin store is closed: restart the cabin.',
  sqlite: (f) => `The cabin's database ${f} reported an unexpected error: restart the cabin; call support if it happens again.`,
};

/** SQLite's primary result code (extended codes such as SQLITE_IOERR_WRITE share their prefix). */
function classify(sqliteCode: string): keyof typeof sentences {
  // Every foreign key points at a session: a child row whose session is gone.
  if (sqliteCode === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'unknown-session';
  const primary = sqliteCode.split('_').slice(0, 2).join('_');
  switch (primary) {
    case 'SQLITE_FULL':
      return 'disk-full';
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return 'read-only';
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'locked';
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return 'corrupt';
    case 'SQLITE_CANTOPEN':
      return 'cannot-open';
    case 'SQLITE_IOERR':
      return 'io';
    default:
      return 'sqlite';
  }
}

/** Turns whatever better-sqlite3 threw into a StoreError (a StoreError passes through unchanged). */
export function toStoreError(err: unknown, file: string): StoreError {
  if (err instanceof StoreError) return err;
  // Refused at open (emptied or damaged): its sentence already says what to do, with the paths.
  if (err instanceof StoreRefusedError) return new StoreError(err.kind === 'emptied' ? 'emptied' : 'corrupt', err.message, { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    const kind = classify(code);
    return new StoreError(kind, sentences[kind](file), { cause: err });
  }
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) {
    return new StoreError('closed', sentences.closed(file), { cause: err });
  }
  if (err instanceof TypeError && /directory does not exist/i.test(err.message)) {
    return new StoreError('cannot-open', sentences['cannot-open'](file), { cause: err });
  }
  if (err instanceof Error) return new StoreError('sqlite', `${sentences.sqlite(file)} (${err.message})`, { cause: err });
  return new StoreError('sqlite', sentences.sqlite(file), { cause: err });
}

/** Runs `fn`, rethrowing any failure as a StoreError. */
export function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err, file);
  }
}
