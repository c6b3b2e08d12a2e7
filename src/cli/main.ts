#!/usr/bin/env node
/**
 * The `neuronine` command: dispatches to train, evaluate, predict, summary, export and bench, and turns
 * what they throw into one line on stderr and an exit code — 0 done, 1 failed (a missing file,
 * bad data, a model from another program: the library's message, which names the row and
 * column), 2 wrong usage (unknown command or flag, a bad flag value), 130 stopped by Ctrl-C
 * (after saving). No stack traces for these; NEURONINE_DEBUG=1 prints them.
 *
 * Built on the package's public entry points only; scripts/build-cli.mjs bundles src/cli into
 * dist/cli.js with those imports left to the installed package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandHelp, didYouMean, UsageError, type CommandSpec } from './args.js';
import { bench, BENCH } from './bench.js';
import { evaluate, EVALUATE } from './evaluate.js';
import { exportModel, EXPORT } from './export.js';
import { writeStderr, writeStdout } from './io.js';
import { predict, PREDICT } from './predict.js';
import { summary, SUMMARY } from './summary.js';
import { train, TRAIN } from './train.js';

type Run = (argv: string[]) => Promise<number>;

const COMMANDS: [CommandSpec, Run][] = [[TRAIN, train], [EVALUATE, evaluate], [PREDICT, predict], [SUMMARY, summary], [EXPORT, exportModel], [BENCH, bench]];

/** The package's version, from the package.json above this file (src/cli or dist). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'neuronine' && manifest.version) return manifest.version;
  }
  return 'unknown';
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map(([spec]) => spec.name.length));
  return [
    'neuronine: train multi-layer perceptrons on CSV files, from the shell.',
    '',
    'Usage: neuronine <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map(([spec]) => `  ${spec.name.padEnd(width)}  ${spec.brief}`),
    '',
    'Options:',
    '  -h, --help     help (also: neuronine <command> --help, neuronine help <command>)',
    '  -V, --version  print the version',
    '',
    'Examples:',
    '  neuronine train iris.csv --target species -o model.json',
    '  neuronine evaluate model.json more-iris.csv',
    '  neuronine predict model.json new-rows.csv > predictions.csv',
    '  neuronine summary model.json',
    '  neuronine export model.json --format onnx -o model.onnx',
    '  neuronine bench --quick',
    '',
    'Exit codes: 0 done, 1 failed (bad file or data), 2 wrong usage, 130 stopped with Ctrl-C.',
    `Version ${version()}. Documentation: https://github.com/neuronine/neuronine/blob/main/docs/cli.md`,
    '',
  ].join('\n');
}

/** One line of text for stderr. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    writeStderr(generalHelp());
    return 2;
  }
  if (first === '--help' || first === '-h') {
    writeStdout(generalHelp());
    return 0;
  }
  if (first === '--version' || first === '-V' || first === '-v') {
    writeStdout(`${version()}\n`);
    return 0;
  }
  const names = COMMANDS.map(([spec]) => spec.name);
  if (first === 'help') {
    const entry = COMMANDS.find(([spec]) => spec.name === rest[0]);
    if (rest[0] === undefined) writeStdout(generalHelp());
    else if (entry) writeStdout(commandHelp(entry[0]));
    else {
      writeStderr(`neuronine: unknown command '${rest[0]}'${didYouMean(rest[0], names, (n) => `'${n}'`)} (commands: ${names.join(', ')})\n`);
      return 2;
    }
    return 0;
  }
  const entry = COMMANDS.find(([spec]) => spec.name === first);
  if (!entry) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    writeStderr(`neuronine: ${what}${didYouMean(first, first.startsWith('-') ? ['--help', '--version'] : names, (n) => `'${n}'`)} (commands: ${names.join(', ')}; see neuronine --help)\n`);
    return 2;
  }
  const [spec, run] = entry;
  const end = rest.indexOf('--');
  const flags = end < 0 ? rest : rest.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    writeStdout(commandHelp(spec));
    return 0;
  }
  try {
    return await run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeStderr(`neuronine ${spec.name}: ${oneLine(message)}\n`);
    if (process.env.NEURONINE_DEBUG && error instanceof Error && error.stack) writeStderr(`${error.stack}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exit(await main(process.argv.slice(2)));
