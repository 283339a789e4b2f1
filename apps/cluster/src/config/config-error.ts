/**
 * The environment does not describe a valid cluster member. `problems` lists every variable that
 * is wrong, each message naming the variable, so one start-up shows all of them at once.
 *
 * @example
 * try { loadConfig(process.env); } catch (error) { if (isConfigError(error)) console.error(error.message); }
 */
export class ConfigError extends Error {
  readonly code = 'ECONFIG' as const;

  /** @param problems one message per wrong variable, each starting with the variable's name */
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
Object.defineProperty(ConfigError.prototype, 'name', { value: 'ConfigError' });

/** True when `value` is a {@link ConfigError}. */
export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof Error && (value as { code?: unknown }).code === 'ECONFIG';
}
