/**
 * Files in and out for the commands: `-` is stdin or stdout, everything else a path. Outputs are
 * written to a temporary file next to the target and renamed over it, so a failure (or Ctrl-C
 * before the rename) never leaves a half-written or empty `-o` file behind. Where human-readable
 * output goes is decided here too: stdout, unless stdout carries the data (`-o -`, `--json`).
 */
import { renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CLIError } from './args.js';

/** The text of a file, or of stdin for `-`. */
export async function readText(path: string, what: string): Promise<string> {
  if (path === '-') {
    if (process.stdin.isTTY) throw new CLIError(`${what}: '-' reads from stdin, which is a terminal; pipe the data in (cat data.csv | neuronine ...) or give a file name`);
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CLIError(`${what} ${path}: ${fileProblem(error)}`);
  }
}

/** A file system error in a few words. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}

/**
 * Writes `data` to `path` (stdout for `-`) all at once: to `path.<pid>.tmp`, then renamed.
 */
export function writeOutput(path: string, data: string | Uint8Array, what = 'output'): void {
  if (path === '-') {
    writeStdout(data);
    return;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CLIError(`${what} ${path}: ${fileProblem(error)}`);
  }
}

/** Checks before the work starts that an output can be written there (fails early, writes nothing). */
export function checkOutputPath(path: string | undefined, what: string): void {
  if (path === undefined || path === '-') return;
  const folder = dirname(path);
  let stats;
  try {
    stats = statSync(folder);
  } catch (error) {
    throw new CLIError(`${what} ${path}: the folder ${folder} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be used (${fileProblem(error)})`}`);
  }
  if (!stats.isDirectory()) throw new CLIError(`${what} ${path}: ${folder} is not a folder`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new CLIError(`${what} ${path}: is a folder; give a file name`);
}

/** Writes to stdout synchronously (so that output is complete before the process exits). */
export function writeStdout(data: string | Uint8Array): void {
  writeAll(1, data);
}

/** Writes to stderr synchronously. */
export function writeStderr(data: string): void {
  writeAll(2, data);
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // a closed pipe (neuronine predict ... | head): stop quietly, as Unix tools do
      if (code === 'EPIPE') process.exit(0);
      // a full non-blocking pipe: try again
      if (code !== 'EAGAIN') throw error;
    }
  }
}

/** Where messages for people go. */
export interface Reporter {
  /** The stream progress and reports are written to. */
  stream: NodeJS.WriteStream;
  /** Whether that stream is a terminal (live progress bar). */
  tty: boolean;
  /** Whether human output is off (--quiet, or --json without a terminal). */
  quiet: boolean;
  /** Prints a line for people (nothing with --quiet). */
  line(text: string): void;
}

/**
 * Human output goes to stdout, or to stderr when stdout carries data (`-o -` or `--json`).
 * With `--json` it is shown only when stderr is a terminal (someone watching), so that logs and
 * pipes get the JSON alone; `--quiet` drops it (errors still go to stderr).
 */
export function reporter(options: { dataOnStdout: boolean; json?: boolean; quiet: boolean }): Reporter {
  const stream = options.dataOnStdout || options.json ? process.stderr : process.stdout;
  const tty = stream.isTTY === true;
  const fd = stream === process.stdout ? 1 : 2;
  const quiet = options.quiet || (options.json === true && !tty);
  return {
    stream,
    tty,
    quiet,
    line: (text) => {
      if (!quiet) writeAll(fd, `${text}\n`);
    },
  };
}
