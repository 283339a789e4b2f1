#!/usr/bin/env node
// The `bulwark-lincheck` command (packages/core/src/cli/lincheck.ts). In a checkout it runs the
// TypeScript sources, so it works right after `npm ci`, before any build, and never runs a stale
// build: Node (>= 22.18) strips the types, and a resolve hook maps the sources' `./x.js`
// imports to `./x.ts`. Node only strips erasable syntax: the files it loads from here must not
// use enums, namespaces or parameter properties (src/cli/lincheck-bin.test.ts runs this file
// against the sources). An installed package has no src/ and runs its build, dist/.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const EXIT_INTERNAL = 70;
const sourceDir = new URL('../src/', import.meta.url);
const source = new URL('cli/lincheck.ts', sourceDir);
const built = new URL('../dist/cli/lincheck.js', import.meta.url);

/** Whether this Node can load our sources: type stripping, and synchronous module hooks. */
const canStrip = Boolean(process.features.typescript) && typeof module.registerHooks === 'function';
// Node refuses to strip types of files under node_modules.
const fromSource = existsSync(source) && !fileURLToPath(source).split(/[\\/]/).includes('node_modules');

function fail(message) {
  process.stderr.write(`bulwark-lincheck: ${message}\n`);
  process.exitCode = EXIT_INTERNAL;
}

function entry() {
  if (fromSource && canStrip) {
    module.registerHooks({
      resolve(specifier, context, nextResolve) {
        const fromOurSources = context.parentURL?.startsWith(sourceDir.href) && context.parentURL.endsWith('.ts');
        if (fromOurSources && specifier.startsWith('.') && specifier.endsWith('.js')) {
          try {
            return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
          } catch {
            // Not a source file: resolve the specifier as written.
          }
        }
        return nextResolve(specifier, context);
      },
    });
    return source;
  }
  if (existsSync(built)) return built;
  if (fromSource) {
    fail(`running from the TypeScript sources needs Node >= 22.18 (this is ${process.version}); build first: npx nx build core`);
  } else {
    fail(`found neither ${fileURLToPath(built)} nor the sources: reinstall @bulwark/core`);
  }
  return undefined;
}

const url = entry();
if (url !== undefined) {
  import(url.href).then(
    async ({ runLincheck, nodeLincheckIo }) => {
      process.exitCode = await runLincheck(process.argv.slice(2), nodeLincheckIo());
    },
    (error) => fail(`cannot load ${fileURLToPath(url)}: ${error instanceof Error ? error.message : String(error)}`),
  );
}
