// @ts-check
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'

// The console is served by meterd at /console/ from dist/console (src/console/console-pages.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // Under a strict CSP: no inline script, and the preload polyfill is not needed by the browsers
    // that run module scripts anyway.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
    reportCompressedSize: false,
  },
})
