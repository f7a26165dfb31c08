// Vite build of the portal: one entry (index.html), hashed files under assets/, nothing inlined, so that `pal serve`
// can send a strict Content-Security-Policy (no 'unsafe-inline', no data: URLs) and cache assets as immutable.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,       // no data: URLs: the CSP allows only 'self'
    modulePreload: { polyfill: false },  // the polyfill would be extra code; every supported browser has modulepreload
    sourcemap: false,
    target: 'es2020',
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1' },
});
