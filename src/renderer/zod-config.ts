import { z } from 'zod';

// The kiosk's CSP has no 'unsafe-eval': keep zod from probing `new Function` (a CSP violation on the page).
// Imported first by main.tsx, because zod reads this when each schema is built.
z.config({ jitless: true });
