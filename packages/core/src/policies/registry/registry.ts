import { EventSource, type Event } from '../../events/event.js';
import type { Clock } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { CircuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import type { CircuitState } from '../circuit-breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../circuit-breaker/options.js';
import { BulkheadPolicy, bulkhead } from '../bulkhead.js';
import { FallbackPolicy, fallback } from '../fallback.js';
import type { FallbackOptions } from '../fallback.js';
import type { ExecuteContext, Policy } from '../policy.js';
import { RateLimiterPolicy, rateLimiter } from '../rate-limiter.js';
import type { RateLimiterOptions } from '../rate-limiter.js';
import { retryBudget } from '../retry-budget.js';
import type { RetryBudget } from '../retry-budget.js';
import { RetryPolicy, retry } from '../retry.js';
import type { RetryOptions } from '../retry.js';
import type { Backoff } from '../backoff/backoff.js';
import { TimeoutPolicy, timeout } from '../timeout.js';
import type { TimeoutOptions } from '../timeout.js';
import { checkBetween, checkBoolean, checkFunction, checkNonEmptyString, checkNonNegative, checkNonNegativeInteger, checkPositive, checkPositiveInteger, show } from '../validate.js';
import { WrappedPolicy } from '../wrap.js';
import {
  BUDGET_KEYS,
  POLICY_KINDS,
  backoffFrom,
  REGISTRY_KEYS,
  checkKindOptions,
  checkKnownKeys,
  checkPlainObject,
  mergeOptions,
  rethrowAtPath,
} from './config.js';
import type { ConfigSource, PolicyConfig, PolicyDefaults, PolicyKind, RegistryRetryBudgetOptions } from './config.js';

/** The instance type of each kind. */
export interface PolicyKindMap {
  readonly fallback: FallbackPolicy<unknown>;
  readonly bulkhead: BulkheadPolicy;
  readonly timeout: TimeoutPolicy;
  readonly retry: RetryPolicy;
  readonly breaker: CircuitBreaker<[ExecuteContext], unknown>;
  readonly rateLimiter: RateLimiterPolicy;
  readonly attemptTimeout: TimeoutPolicy;
}

/** One instance in a registry, as `all()` lists it and `onCreated` reports it. */
export type RegistryEntry = { [K in PolicyKind]: { readonly kind: K; readonly name: string; readonly policy: PolicyKindMap[K] } }[PolicyKind];

/** What `onStateChange` reports: a breaker of the registry moved to `state`. */
export interface RegistryStateChangeEvent {
  readonly kind: 'breaker';
  readonly name: string;
  readonly policy: PolicyKindMap['breaker'];
  /** The breaker's state after the change. */
  readonly state: CircuitState;
}

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** Options every name starts from, by kind; a name's own options override them field by field. */
  readonly defaults?: PolicyDefaults;
  /**
   * The policies of each name: `{ payments: { breaker: {…}, retry: {…}, bulkhead: {…} } }`.
   * Every instance listed here is created, and so validated, by `createRegistry`; the kinds a
   * name lists are what its `pipeline(name)` composes.
   */
  readonly policies?: Readonly<Record<string, PolicyConfig>>;
  /** Retry budgets by name, which retry options name in `budget: 'name'` to share one. */
  readonly budgets?: Readonly<Record<string, RegistryRetryBudgetOptions>>;
  /** The source of time and timers for every instance (default the system clock). */
  readonly clock?: Clock;
  /** The source of jitter for every instance (default `Math.random`). */
  readonly random?: Random;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** Structural equality of option values: plain objects and arrays by content, the rest by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const plain = (v: object): boolean => Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  if (!plain(a) || !plain(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Checks opossum's breaker options, which the breaker itself takes unchecked for compatibility. */
function checkOpossumOptions(o: Record<string, unknown>): void {
  const where = 'CircuitBreaker';
  if (o.timeout !== undefined && o.timeout !== false) checkNonNegative(where, 'timeout', o.timeout);
  if (o.resetTimeout !== undefined) checkNonNegative(where, 'resetTimeout', o.resetTimeout);
  if (o.errorThresholdPercentage !== undefined) checkBetween(where, 'errorThresholdPercentage', o.errorThresholdPercentage, 0, 100);
  if (o.rollingCountTimeout !== undefined) checkPositive(where, 'rollingCountTimeout', o.rollingCountTimeout);
  if (o.rollingCountBuckets !== undefined) checkPositiveInteger(where, 'rollingCountBuckets', o.rollingCountBuckets);
  if (o.capacity !== undefined) checkPositiveInteger(where, 'capacity', o.capacity);
  if (o.volumeThreshold !== undefined) checkNonNegativeInteger(where, 'volumeThreshold', o.volumeThreshold);
  if (o.group !== undefined) checkNonEmptyString(where, 'group', o.group);
  if (o.errorFilter !== undefined) checkFunction(where, 'errorFilter', o.errorFilter);
  for (const flag of ['rollingPercentilesEnabled', 'enabled', 'allowWarmUp', 'enableSnapshots']) {
    if (o[flag] !== undefined) checkBoolean(where, flag, o[flag]);
  }
}

/**
 * A registry breaker is a policy, used through `execute(fn)`: it has no action of its own, so
 * `fire()` and `call()` reject with a `TypeError` and count nothing (a mistaken `fire()` must
 * not open a breaker that other call sites share).
 */
class RegistryBreaker extends CircuitBreaker<[ExecuteContext], unknown> {
  constructor(options: CircuitBreakerOptions<[ExecuteContext]>) {
    super(() => Promise.reject(new TypeError('unreachable')), options);
  }

  override fire(): Promise<never> {
    return Promise.reject(new TypeError(`registry breaker '${this.name}' has no action: call it through execute(fn) or registry.pipeline('${this.name}')`));
  }

  override call(): Promise<never> {
    return this.fire();
  }
}

/**
 * Named policy instances that share defaults, created once and handed out to everyone who asks
 * for the same name, so that one dependency has one breaker, one bulkhead and one set of
 * metrics however many call sites use it. Built by {@link createRegistry}.
 *
 * Accessors (`breaker(name)`, `retry(name)`, …) return the instance of that kind and name,
 * creating it on first use from the defaults merged with the name's own options; `pipeline(name)`
 * composes a name's configured kinds in the recommended order. `all()` lists every instance for
 * metrics exporters, health checks and admin endpoints.
 */
export class PolicyRegistry {
  private readonly defaults: PolicyDefaults;
  private readonly configs: Readonly<Record<string, PolicyConfig>>;
  private readonly budgetOptions: Readonly<Record<string, RegistryRetryBudgetOptions>>;
  private readonly clock: Clock | undefined;
  private readonly random: Random | undefined;
  private readonly instances = new Map<string, RegistryEntry>();
  /** The options each instance was created with, to detect conflicting requests for one name. */
  private readonly createdWith = new Map<string, Record<string, unknown>>();
  private readonly budgets = new Map<string, RetryBudget>();
  private readonly pipelines = new Map<string, WrappedPolicy<readonly Policy[]>>();
  private readonly created = new EventSource<RegistryEntry>();
  private readonly stateChanged = new EventSource<RegistryStateChangeEvent>();
  private readonly removed = new EventSource<RegistryEntry>();
  private disposed = false;

  /**
   * An instance joined after `createRegistry` returned (created on first use, or `register`ed).
   * The configured ones exist before anyone can listen: read them from `all()`.
   */
  readonly onCreated: Event<RegistryEntry> = this.created.event;
  /** An instance was taken out by `remove()`. */
  readonly onRemoved: Event<RegistryEntry> = this.removed.event;
  /** A breaker of the registry opened, half-opened, closed or shut down. */
  readonly onStateChange: Event<RegistryStateChangeEvent> = this.stateChanged.event;

  /** Use {@link createRegistry}, which validates the options and creates the configured instances. */
  constructor(options: RegistryOptions = {}) {
    const o = checkPlainObject('createRegistry: options', options);
    checkKnownKeys('createRegistry: options', o, REGISTRY_KEYS, 'a registry option');
    this.defaults = o.defaults === undefined ? {} : (checkPlainObject('defaults', o.defaults) as PolicyDefaults);
    checkKnownKeys('defaults', this.defaults as Record<string, unknown>, POLICY_KINDS, 'a policy kind');
    this.configs = o.policies === undefined ? {} : (checkPlainObject('policies', o.policies) as Record<string, PolicyConfig>);
    this.budgetOptions = o.budgets === undefined ? {} : (checkPlainObject('budgets', o.budgets) as Record<string, RegistryRetryBudgetOptions>);
    this.clock = options.clock;
    this.random = options.random;

    for (const [name, budget] of Object.entries(this.budgetOptions)) {
      checkKnownKeys(`budgets.${name}`, checkPlainObject(`budgets.${name}`, budget), BUDGET_KEYS, 'a retry budget option');
      try {
        this.budgets.set(name, retryBudget({ ...budget, ...(this.clock && { clock: this.clock }) }));
      } catch (error) {
        rethrowAtPath(error, { path: `budgets.${name}`, defaultsPath: `budgets.${name}`, own: new Set(Object.keys(budget)), fromDefaults: new Set() });
      }
    }
    for (const kind of POLICY_KINDS) {
      const d = this.defaults[kind];
      if (d !== undefined) this.checkDefaults(kind, checkKindOptions(`defaults.${kind}`, kind, d));
    }
    for (const [name, config] of Object.entries(this.configs)) {
      checkKnownKeys(`policies.${name}`, checkPlainObject(`policies.${name}`, config), POLICY_KINDS, 'a policy kind');
      for (const kind of POLICY_KINDS) {
        const own = config[kind];
        if (own !== undefined) checkKindOptions(`policies.${name}.${kind}`, kind, own);
      }
    }
    // Create every configured instance now: this validates the whole configuration up front,
    // and metrics show every configured policy from the start, not from its first call.
    for (const [name, config] of Object.entries(this.configs)) {
      for (const kind of POLICY_KINDS) if (config[kind] !== undefined) this.instance(kind, name, undefined);
    }
  }

  /** The circuit breaker named `name`; `options` (used only when it is created) override the configuration. */
  breaker(name: string, options?: PolicyConfig['breaker']): PolicyKindMap['breaker'] {
    return this.instance('breaker', name, options);
  }

  /** The retry policy named `name`. */
  retry(name: string, options?: PolicyConfig['retry']): RetryPolicy {
    return this.instance('retry', name, options);
  }

  /** The bulkhead named `name` (`maxConcurrent` must come from the defaults, the configuration or `options`). */
  bulkhead(name: string, options?: PolicyConfig['bulkhead']): BulkheadPolicy {
    return this.instance('bulkhead', name, options);
  }

  /** The total timeout named `name` (around the retries). */
  timeout(name: string, options?: PolicyConfig['timeout']): TimeoutPolicy {
    return this.instance('timeout', name, options);
  }

  /** The per-attempt timeout named `name` (inside the retries and the breaker). */
  attemptTimeout(name: string, options?: PolicyConfig['attemptTimeout']): TimeoutPolicy {
    return this.instance('attemptTimeout', name, options);
  }

  /** The rate limiter named `name`. */
  rateLimiter(name: string, options?: PolicyConfig['rateLimiter']): RateLimiterPolicy {
    return this.instance('rateLimiter', name, options);
  }

  /** The fallback named `name`. */
  fallback(name: string, options?: PolicyConfig['fallback']): FallbackPolicy<unknown> {
    return this.instance('fallback', name, options);
  }

  /** The retry budget named `name` in `budgets`. @throws RangeError when there is none. */
  budget(name: string): RetryBudget {
    const budget = this.budgets.get(name);
    if (budget === undefined) throw new RangeError(`registry: no retry budget named ${show(name)} (budgets: ${[...this.budgets.keys()].join(', ') || 'none'})`);
    return budget;
  }

  /**
   * The composed policy of `name`: its configured kinds in the recommended order, outermost
   * first (fallback → bulkhead → timeout → retry → breaker → rateLimiter → attemptTimeout), made
   * of the same instances the accessors return. The same object on every call.
   *
   * @throws RangeError when `name` is not configured in `policies`
   */
  pipeline(name: string): WrappedPolicy<readonly Policy[]> {
    let pipeline = this.pipelines.get(name);
    if (pipeline !== undefined) return pipeline;
    const config = hasOwn(this.configs, name) ? this.configs[name] : undefined;
    const kinds = config === undefined ? [] : POLICY_KINDS.filter((kind) => config[kind] !== undefined);
    if (kinds.length === 0) {
      throw new RangeError(`registry: no pipeline named ${show(name)}: configure policies.${name} with at least one policy kind`);
    }
    pipeline = new WrappedPolicy(kinds.map((kind) => this.instance(kind, name, undefined) as Policy));
    this.pipelines.set(name, pipeline);
    return pipeline;
  }

  /**
   * Adds an instance built elsewhere under `name`; its kind follows from its class (a
   * `TimeoutPolicy` joins as `timeout`; pass `kind: 'attemptTimeout'` for a per-attempt one).
   *
   * @throws TypeError when the kind cannot be told, or one of that kind and name exists already
   */
  register(name: string, policy: Policy, kind?: PolicyKind): RegistryEntry {
    this.checkName(name);
    const k = kind ?? kindOf(policy);
    if (k === undefined) throw new TypeError(`registry.register: cannot tell the kind of ${policy.describe()}; pass it as the third argument`);
    if (!matchesKind(k, policy)) throw new TypeError(`registry.register: ${policy.describe()} is not a ${k}`);
    const key = `${k}:${name}`;
    if (this.instances.has(key)) throw new TypeError(`registry.register: a ${k} named ${show(name)} exists already`);
    return this.add({ kind: k, name, policy } as RegistryEntry);
  }

  /** The instance of `kind` and `name`, if there is one; never creates it. */
  get<K extends PolicyKind>(kind: K, name: string): PolicyKindMap[K] | undefined {
    return this.instances.get(`${kind}:${name}`)?.policy as PolicyKindMap[K] | undefined;
  }

  /**
   * Forgets the instance of `kind` and `name` and returns it (`undefined` when there is none):
   * for adapters that keep instances per key (per client, per origin) and evict the least
   * recently used. The registry no longer lists it and a later request for that kind and name
   * creates a new one; a pipeline of that name is composed anew on its next use. It is not shut
   * down: whoever still holds it decides (`breaker.shutdown()` stops a breaker's timers).
   */
  remove(kind: PolicyKind, name: string): RegistryEntry | undefined {
    const key = `${kind}:${name}`;
    const entry = this.instances.get(key);
    if (entry === undefined) return undefined;
    this.instances.delete(key);
    this.createdWith.delete(key);
    this.pipelines.delete(name);
    if (this.removed.hasListeners) this.removed.emit(entry);
    return entry;
  }

  /** Every instance, in creation order, with its kind and name. */
  all(): RegistryEntry[] {
    return [...this.instances.values()];
  }

  /**
   * Shuts down every breaker (stopping its timers) and forgets every instance; the registry
   * refuses new ones afterwards. Instances already handed out keep working, but for breakers.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.instances.values()) if (entry.kind === 'breaker') entry.policy.shutdown();
    this.instances.clear();
    this.pipelines.clear();
    this.createdWith.clear();
  }

  private checkName(name: string): void {
    if (this.disposed) throw new TypeError('registry: it has been disposed');
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`registry: a policy name must be a non-empty string, got ${show(name)}`);
  }

  private instance<K extends PolicyKind>(kind: K, name: string, options: PolicyConfig[K] | undefined): PolicyKindMap[K] {
    const key = `${kind}:${name}`;
    const existing = this.instances.get(key);
    if (existing !== undefined && options === undefined) return existing.policy as PolicyKindMap[K];
    this.checkName(name);
    const config = hasOwn(this.configs, name) ? this.configs[name] : undefined;
    const optionsPath = `registry.${kind}(${show(name)}, options)`;
    const own = mergeOptions(
      kind,
      config?.[kind] as Record<string, unknown> | undefined,
      options === undefined ? undefined : checkKindOptions(optionsPath, kind, options),
    );
    const defaults = this.defaults[kind] as Record<string, unknown> | undefined;
    const merged = mergeOptions(kind, defaults, own);
    if (existing !== undefined) {
      if (!sameValue(this.createdWith.get(key), merged)) {
        throw new TypeError(`registry: a ${kind} named ${show(name)} exists already with other options; ask for it without options, or use another name`);
      }
      return existing.policy as PolicyKindMap[K];
    }
    const source: ConfigSource = {
      path: options === undefined ? `policies.${name}.${kind}` : optionsPath,
      defaultsPath: `defaults.${kind}`,
      own: new Set(Object.keys(own)),
      fromDefaults: new Set(Object.keys(defaults ?? {})),
    };
    let policy: PolicyKindMap[K];
    try {
      policy = this.build(kind, name, merged, source) as PolicyKindMap[K];
    } catch (error) {
      rethrowAtPath(error, source);
    }
    this.createdWith.set(key, merged);
    this.add({ kind, name, policy } as RegistryEntry);
    return policy;
  }

  private add(entry: RegistryEntry): RegistryEntry {
    this.instances.set(`${entry.kind}:${entry.name}`, entry);
    if (entry.kind === 'breaker') this.watch(entry.name, entry.policy);
    // Nobody can listen yet while the constructor creates the configured instances.
    if (this.created.hasListeners) this.created.emit(entry);
    return entry;
  }

  private watch(name: string, breaker: PolicyKindMap['breaker']): void {
    const report = (state: CircuitState): void => {
      // A removed breaker, or one registered anew under its name, is no longer this name's.
      if (this.stateChanged.hasListeners && this.instances.get(`breaker:${name}`)?.policy === breaker) {
        this.stateChanged.emit({ kind: 'breaker', name, policy: breaker, state });
      }
    };
    breaker.on('open', () => report(breaker.state)); // 'open', or 'isolated'
    breaker.on('halfOpen', () => report('halfOpen'));
    breaker.on('close', () => report('closed'));
    // Emitted first thing in shutdown(), before the state changes.
    breaker.on('shutdown', () => report('shutdown'));
  }

  /** Builds one instance from merged options (the factories validate them). */
  private build(kind: PolicyKind, name: string, o: Record<string, unknown>, source: ConfigSource): Policy {
    const clock = this.clock === undefined ? {} : { clock: this.clock };
    switch (kind) {
      case 'breaker':
        checkOpossumOptions(o);
        return new RegistryBreaker({ ...o, ...clock, ...(this.random && { random: this.random }), name });
      case 'retry': {
        const { budget, backoff, ...rest } = o;
        const resolved = typeof budget === 'string' ? this.budget(budget) : budget;
        const backoffPath = source.own.has('backoff') || !source.fromDefaults.has('backoff') ? source.path : source.defaultsPath;
        return retry({
          ...(rest as RetryOptions),
          ...clock,
          ...(this.random && { random: this.random }),
          ...(resolved !== undefined && { budget: resolved as RetryBudget }),
          ...(backoff !== undefined && { backoff: backoffFrom(`${backoffPath}.backoff`, backoff) as Backoff }),
        });
      }
      case 'bulkhead':
        return bulkhead({ ...(o as { maxConcurrent: number }), ...clock });
      case 'timeout':
      case 'attemptTimeout':
        return timeout({ ...(o as unknown as TimeoutOptions), ...clock });
      case 'rateLimiter':
        return rateLimiter({ ...(o as unknown as RateLimiterOptions), ...clock });
      case 'fallback':
        return fallback(o as unknown as FallbackOptions<unknown>);
    }
  }

  /**
   * Validates a kind's defaults on their own, filling in only the fields a name must still give
   * (`maxConcurrent`, `timeoutMs`, the rate limiter's numbers, the fallback's value), so a bad
   * default fails at start-up even when no name uses that kind yet.
   */
  private checkDefaults(kind: PolicyKind, d: Record<string, unknown>): void {
    const fillers: Record<PolicyKind, Record<string, unknown>> = {
      breaker: {},
      retry: {},
      bulkhead: { maxConcurrent: 1 },
      timeout: { timeoutMs: 1 },
      attemptTimeout: { timeoutMs: 1 },
      rateLimiter: d.mode === 'sliding-window' ? { mode: 'sliding-window', limit: 1, windowMs: 1 } : { mode: 'token-bucket', limit: 1, intervalMs: 1 },
      fallback: 'value' in d || 'fallback' in d ? {} : { value: undefined },
    };
    const source: ConfigSource = { path: `defaults.${kind}`, defaultsPath: `defaults.${kind}`, own: new Set(Object.keys(d)), fromDefaults: new Set() };
    try {
      const probe = this.build(kind, '(defaults)', { ...fillers[kind], ...d }, source);
      if (probe instanceof CircuitBreaker) probe.shutdown();
    } catch (error) {
      rethrowAtPath(error, source);
    }
  }
}

function kindOf(policy: Policy): PolicyKind | undefined {
  if (policy instanceof CircuitBreaker) return 'breaker';
  if (policy instanceof RetryPolicy) return 'retry';
  if (policy instanceof BulkheadPolicy) return 'bulkhead';
  if (policy instanceof TimeoutPolicy) return 'timeout';
  if (policy instanceof RateLimiterPolicy) return 'rateLimiter';
  if (policy instanceof FallbackPolicy) return 'fallback';
  return undefined;
}

function matchesKind(kind: PolicyKind, policy: Policy): boolean {
  return kind === 'attemptTimeout' ? policy instanceof TimeoutPolicy : kindOf(policy) === kind;
}

/**
 * Creates a registry of named policies sharing defaults, and creates every instance the
 * configuration lists, so a bad configuration fails here, naming the field:
 * `policies.payments.retry.maxAttempts must be a positive integer, got -1`. Unknown names and
 * misspelt options are errors too.
 *
 * @throws TypeError or RangeError naming the path of the first bad field
 * @example
 * const registry = createRegistry({
 *   defaults: { retry: { maxAttempts: 3 }, breaker: { timeout: false } },
 *   policies: { payments: { bulkhead: { maxConcurrent: 10 }, retry: {}, breaker: { resetTimeout: 10_000 } } },
 * });
 * const charge = (order: Order) => registry.pipeline('payments').execute(({ signal }) => api.charge(order, { signal }));
 */
export function createRegistry(options: RegistryOptions = {}): PolicyRegistry {
  return new PolicyRegistry(options);
}
