import { z } from 'zod';

// Neither the kiosk's CSP nor the console's has 'unsafe-eval': keep zod from probing `new Function` (a CSP
// violation on the page). Imported first by each app's main.tsx, because zod reads this when each schema is built.
z.config({ jitless: true });
