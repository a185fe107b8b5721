import { z } from 'zod';

// The hub's CSP has no 'unsafe-eval': keep zod from probing `new Function` (a CSP violation in the console).
// Imported first by main.tsx, because zod reads this when each schema is built.
z.config({ jitless: true });
