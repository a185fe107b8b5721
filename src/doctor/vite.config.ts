import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The doctor console: built into dist/doctor, served by the hub at `/` under a CSP with no inline script. */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/doctor',
    emptyOutDir: true,
    // The CSP allows no inline script: keep the module preload polyfill out of index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        // The libraries in a chunk of their own: a doctor's browser keeps it cached across console updates, and no
        // chunk passes the 500 kB warning.
        manualChunks: (id: string) => (id.includes('/node_modules/') ? 'vendor' : undefined),
      },
    },
  },
});
