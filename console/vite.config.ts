import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API at /console (see src/console/ in the API); the build lands
// in ../dist/console beside the compiled API, so one `dist/` is the deployable.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  html: {
    // The API replaces the placeholder with a fresh nonce per page load and
    // names it in the Content-Security-Policy; emotion (MUI's style engine)
    // reads it from the meta tag for the <style> elements it inserts.
    cspNonce: '__CSP_NONCE__',
  },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev` in console/ proxies the API started by `npm start`.
    proxy: { '/api': 'http://localhost:3000' },
  },
});
