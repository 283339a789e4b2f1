/**
 * Command line: `main.js [--quick] [suite...]`. Parsing is pure; `runCli` does the rest.
 */
import type { SuiteContext, SuiteRegistry } from './suite.js';

/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'run'; readonly suites: readonly string[]; readonly quick: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** Exit code for a usage error (unknown suite or flag). */
export const EXIT_USAGE = 2;

/**
 * Parses the arguments after the script name. Positional arguments are suite names (run
 * in the order given, duplicates dropped); none means every suite in registry order.
 * Flags: `--quick`, `--help`/`-h`. A lone `--` (left over from npm/nx forwarding) is ignored.
 */
export function parseArgv(argv: readonly string[], known: readonly string[]): CliRequest {
  const names: string[] = [];
  let quick = false;
  for (const arg of argv) {
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--quick') {
      quick = true;
      continue;
    }
    if (arg.startsWith('-')) {
      return { kind: 'error', message: `unknown option ${JSON.stringify(arg)}` };
    }
    if (!known.includes(arg)) {
      return {
        kind: 'error',
        message: `unknown suite ${JSON.stringify(arg)}; known suites: ${known.join(', ')}`,
      };
    }
    if (!names.includes(arg)) names.push(arg);
  }
  return { kind: 'run', suites: names.length > 0 ? names : [...known], quick };
}

/** The help text, listing the suites of the registry. */
export function usage(registry: SuiteRegistry): string {
  const names = Object.keys(registry);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'usage: npm run bench -- [--quick] [suite...]',
    '',
    'Runs the named suites (all of them when none is named). --quick is a short smoke run.',
    '',
    'suites:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${registry[n].description}`),
  ].join('\n');
}

/** Where the CLI writes. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the request and returns the process exit code (0 ok, 1 a suite failed, 2 usage error). */
export async function runCli(argv: readonly string[], registry: SuiteRegistry, io: CliIo): Promise<number> {
  const request = parseArgv(argv, Object.keys(registry));
  if (request.kind === 'help') {
    io.out(usage(registry));
    return 0;
  }
  if (request.kind === 'error') {
    io.err(`bench: ${request.message}\n\n${usage(registry)}`);
    return EXIT_USAGE;
  }
  for (const name of request.suites) {
    const ctx: SuiteContext = {
      out: io.out,
      progress: (note) => io.err(`[${name}] ${note}`),
      quick: request.quick,
    };
    try {
      const suite = await registry[name].load();
      await suite.run(ctx);
    } catch (error) {
      io.err(`bench: suite ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return 1;
    }
  }
  return 0;
}
