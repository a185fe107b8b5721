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
  },
});
