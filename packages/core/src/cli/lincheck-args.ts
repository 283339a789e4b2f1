import { HISTORY_MODELS } from '../testing/linearizability/history-models.js';
import type { HistoryModelName } from '../testing/linearizability/history-models.js';
import { HISTORY_FORMATS } from '../testing/linearizability/read-history.js';
import type { HistoryFormat } from '../testing/linearizability/read-history.js';

/** What a `bulwark-lincheck` command line asks for. */
export type LincheckRequest =
  | {
      readonly kind: 'check';
      readonly model: HistoryModelName;
      /** A path, or `'-'` for standard input. */
      readonly file: string;
      readonly format: HistoryFormat | undefined;
      readonly timeLimitMs: number | undefined;
      readonly maxConfigurations: number | undefined;
    }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

const VALUE_OPTIONS = ['--model', '--format', '--time-limit', '--max-configurations'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/**
 * Parses the arguments after the program name (pure). Options take their value as the next
 * argument or after `=` (`--model kv`, `--model=kv`); `--` ends the options; `-` is standard
 * input. `--help`/`-h` anywhere wins over everything else.
 *
 * @example
 * parseLincheckArgs(['--model', 'kv', 'history.edn']);
 * // { kind: 'check', model: 'kv', file: 'history.edn', format: undefined, timeLimitMs: undefined, maxConfigurations: undefined }
 */
export function parseLincheckArgs(argv: readonly string[]): LincheckRequest {
  if (argv.some((arg, i) => (arg === '--help' || arg === '-h') && !argv.slice(0, i).includes('--'))) return { kind: 'help' };
  const values = new Map<ValueOption, string>();
  const files: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      files.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!(VALUE_OPTIONS as readonly string[]).includes(name)) return error(`unknown option ${JSON.stringify(name)}`);
    const option = name as ValueOption;
    if (values.has(option)) return error(`${option} is given twice`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    if (value === undefined || value === '') return error(`${option} needs a value`);
    values.set(option, value);
  }
  const model = values.get('--model');
  if (model === undefined) return error(`--model is required (${HISTORY_MODELS.join(', ')})`);
  if (!(HISTORY_MODELS as readonly string[]).includes(model)) return error(`--model must be one of ${HISTORY_MODELS.join(', ')}, got ${JSON.stringify(model)}`);
  const format = values.get('--format');
  if (format !== undefined && !(HISTORY_FORMATS as readonly string[]).includes(format)) {
    return error(`--format must be one of ${HISTORY_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const limit = values.get('--time-limit');
  const timeLimitMs = limit === undefined ? undefined : Number(limit);
  if (limit !== undefined && !(/^\d+(\.\d+)?$/.test(limit) && Number(limit) > 0)) {
    return error(`--time-limit must be a positive number of milliseconds, got ${JSON.stringify(limit)}`);
  }
  const max = values.get('--max-configurations');
  if (max !== undefined && !(/^\d+$/.test(max) && Number(max) > 0)) {
    return error(`--max-configurations must be a positive integer, got ${JSON.stringify(max)}`);
  }
  if (files.length === 0) return error('no history file given (use - for standard input)');
  if (files.length > 1) return error(`one history file at a time, got ${files.length}: ${files.map((f) => JSON.stringify(f)).join(' ')}`);
  const maxConfigurations = max === undefined ? undefined : Number(max);
  return { kind: 'check', model: model as HistoryModelName, file: files[0], format: format as HistoryFormat | undefined, timeLimitMs, maxConfigurations };
}

function error(message: string): LincheckRequest {
  return { kind: 'error', message };
}
