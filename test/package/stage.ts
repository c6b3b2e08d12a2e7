/**
 * The package as it would be published, built from the current sources into a temporary folder
 * (never into ./dist, which `npm test` does not rebuild and other test files may be reading):
 * `<dir>/package.json`, `<dir>/dist/**`, LICENSE, README and the data attribution — what `files`
 * ships. The folder is named by a hash of every input, so the package and browser test files
 * (separate processes) share one build per source state: the first builds under a lock, the
 * others wait for it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Files that go into the package besides dist/ (those that exist). */
const EXTRA = ['package.json', 'LICENSE', 'README.md', 'data/SOURCES.md'];

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function inputsHash(): string {
  const hash = createHash('sha256');
  const files = [...walk(join(root, 'src')), join(root, 'build/neuronine.wasm'), join(root, 'tsconfig.json'),
    join(root, 'tsconfig.build.json'), join(root, 'scripts/build-package.mjs'), join(root, 'scripts/build-cli.mjs'), ...EXTRA.map((f) => join(root, f))]
    .filter((f) => existsSync(f)).sort();
  for (const file of files) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds (or reuses) the staged package; returns its folder. */
export async function stagePackage(): Promise<string> {
  if (!existsSync(join(root, 'src/runtime/wasm-binary.ts')) || !existsSync(join(root, 'build/neuronine.wasm'))) {
    throw new Error('the wasm build is missing: run `npm run build:wasm` (npm test does it first)');
  }
  const dir = join(tmpdir(), `neuronine-stage-${inputsHash()}`);
  const ready = join(dir, '.ready');
  const lock = `${dir}.lock`;
  if (existsSync(ready)) return dir;
  let mine = false;
  try {
    mkdirSync(lock);
    mine = true;
  } catch {
    // another test process is building the same sources: wait for it (or take over a stale lock)
    for (let waited = 0; waited < 180_000; waited += 200) {
      if (existsSync(ready)) return dir;
      if (!existsSync(lock)) break;
      if (Date.now() - statSync(lock).mtimeMs > 180_000) break;
      await sleep(200);
    }
    if (existsSync(ready)) return dir;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock, { recursive: true });
    mine = true;
  }
  try {
    removeOldStages(dir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const build = spawnSync(process.execPath, [join(root, 'scripts/build-package.mjs'), '--out', dir, '--quiet'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`scripts/build-package.mjs failed:\n${build.stdout}\n${build.stderr}`);
    for (const file of EXTRA) {
      if (existsSync(join(root, file))) cpSync(join(root, file), join(dir, file), { recursive: true });
    }
    writeFileSync(ready, new Date().toISOString());
    return dir;
  } finally {
    if (mine) rmSync(lock, { recursive: true, force: true });
  }
}

/** Drops staged builds of other source states older than an hour. */
function removeOldStages(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('neuronine-stage-') || name.endsWith('.lock')) continue;
    const path = join(tmpdir(), name);
    try {
      if (path !== keep && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with another run: fine
    }
  }
}

/** Runs a command, throwing with its output when it fails. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}
