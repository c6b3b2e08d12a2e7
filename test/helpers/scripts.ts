/** Running a TypeScript script (through tsx) in a child process under a deadline. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node --import tsx ...args` from the project root; its exit status, signal and output. */
export function runScript(args: string[], timeout: number) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, encoding: 'utf8', timeout });
  return { status: result.status, signal: result.signal, output: `${result.stdout}${result.stderr}` };
}
