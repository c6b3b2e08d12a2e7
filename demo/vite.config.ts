/**
 * The demo page: `npm run demo` (dev server), `npm run demo:build` (static files in demo/dist).
 * The page imports the library from ../src, so it always runs the current code.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistData } from './mnist-data.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [mnistData()],
  server: { host: 'localhost', fs: { allow: [repo] } },
  preview: { host: 'localhost' },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
