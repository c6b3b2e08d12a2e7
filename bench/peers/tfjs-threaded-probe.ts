/**
 * Child process of probeThreaded (tfjs.ts): does TF.js's threaded wasm build load in this Node?
 * Prints "threaded ok <threads>" when it does, otherwise why not. tfjs-backend-wasm turns
 * multithreading off under Node, so the flag is forced on to see what would happen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
setThreadsCount(2);
const supported = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
if (!supported) console.log('WASM_HAS_MULTITHREAD_SUPPORT is false under Node (tfjs-backend-wasm disables threads in Node); forcing it on:');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
const ok = await tf.setBackend('wasm').catch(() => false);
if (ok && getThreadsCount() > 1) console.log(`threaded ok ${getThreadsCount()}`);
else console.log('threaded build failed to initialise');
process.exit(0);
