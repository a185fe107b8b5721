import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The kiosk renderer: built into dist/renderer, loaded from a relative base (custom protocol or web host). */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    // The CSP allows no inline script: keep the module preload polyfill out of index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // One local bundle loaded from disk (React, zod, xstate, webrtc-adapter): its size costs no download.
    chunkSizeWarningLimit: 1024,
  },
});
