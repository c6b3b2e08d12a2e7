// Bundles the command line (src/cli/main.ts and the files it imports under src/cli/) into
// <dist>/cli.js, the package's `bin`. The CLI is built on the public API: its imports of the
// package's entry points (src/index.ts, src/node.ts, ...) stay imports of the sibling files
// ./index.js, ./node.js in dist/, so the CLI shares the installed library rather than carrying
// a copy; importing anything else under src/ outside src/cli/ fails the build.
//
// Called by scripts/build-package.mjs after it has emitted the entries.
import { chmodSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';

/**
 * @param {{ root: string, dist: string, entries: string[] }} options
 *   entries: the package entry points, as paths relative to root ('src/index.ts', ...)
 */
export async function buildCLI({ root, dist, entries }) {
  const esbuild = await import('esbuild');
  const cliDir = join(root, 'src', 'cli') + sep;
  const entryFiles = new Map(entries.map((entry) => [resolve(root, entry), `./${basename(entry).replace(/\.ts$/, '.js')}`]));
  const publicApiOnly = {
    name: 'public-api-only',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        if (!args.importer.startsWith(cliDir)) return undefined;
        const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        if (entryFiles.has(target)) return { path: entryFiles.get(target), external: true };
        if (target.startsWith(cliDir)) return undefined;
        return { errors: [{ text: `${relative(root, args.importer)} imports ${args.path}: the CLI may import only the package entry points (${entries.join(', ')}) and files under src/cli/` }] };
      });
    },
  };
  const out = join(dist, 'cli.js');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    plugins: [publicApiOnly],
    logLevel: 'warning',
    legalComments: 'none',
  });
  chmodSync(out, 0o755);
  return out;
}
