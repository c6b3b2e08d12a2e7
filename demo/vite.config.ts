/**
 * The demo page: `npm run demo` (dev server), `npm run demo:build` (static files in demo/dist).
 * The page imports the library from ../src, so it always runs the current code.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistData } from './mnist-data.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, so the training worker's
// model runs on several threads (threads: 'auto'); a static host must send the same two headers
// (demo/public/_headers does for Netlify- and Cloudflare-style hosts), else the model trains on
// one thread and says so.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  base: './',
  plugins: [mnistData()],
  server: { host: 'localhost', fs: { allow: [repo] }, headers: isolation },
  preview: { host: 'localhost', headers: isolation },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
