import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry, RegistryContentType } from 'prom-client';

/** Sets one series of a family at scrape time: its labels and its value. */
export type Emit<L extends string> = (labels: Readonly<Record<L, string>>, value: number) => void;

/** A family read at scrape time: `read` emits every series it has now. */
export interface ReadSpec<L extends string> {
  /** The name after the prefix, such as `circuit_breaker_state`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly read: (emit: Emit<L>) => void;
}

/** A histogram family, fed by events rather than read at scrape time. */
export interface HistogramSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, in the metric's unit, ascending. */
  readonly buckets: readonly number[];
}

/**
 * The metrics one `registerMetrics()` call adds to a prom-client registry: it names them with the
 * prefix, refuses a name the registry holds already (with a message that says what to do, where
 * prom-client would only say "already registered"), and removes exactly what it added.
 */
export class MetricSet {
  /** Each registered name with its metric; removal is by name, which prom-client keys on. */
  private readonly added = new Map<string, Counter | Gauge | Histogram>();

  /**
   * @param where the registration function's name, for the message of a name clash
   *   (default `'registerMetrics'`)
   */
  constructor(
    private readonly register: Registry<RegistryContentType>,
    private readonly prefix: string,
    private readonly where = 'registerMetrics',
  ) {}

  /**
   * Runs `build`, which adds families to this set, all or nothing: when it throws (a name clash
   * part-way), the families it added already are removed, leaving the prom-client registry as it
   * was, and the error is rethrown.
   */
  build<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      this.removeAll();
      throw error;
    }
  }

  /**
   * A gauge whose series are set by `read` on every scrape (prom-client's `collect()`), so it
   * costs nothing between scrapes and shows instances created after registration.
   */
  gauge<L extends string>(spec: ReadSpec<L>): void {
    const name = this.claim(spec.name);
    const read = spec.read;
    const gauge: Gauge<L> = new Gauge<L>({
      name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [],
      collect(this: Gauge<L>) {
        // Series of instances that are gone (a disposed registry) disappear with the reset.
        this.reset();
        read((labels, value) => this.set(labels as Record<L, string>, value));
      },
    });
    this.add(name, gauge);
  }

  /**
   * A counter read on every scrape from a policy's monotonic counter. prom-client's `Counter`
   * takes a `collect()` like a gauge; its only writer is `inc`, so the value is written as a reset
   * then one `inc` per series. The family keeps the counter type, which Prometheus' `rate()` and
   * the OpenMetrics `_total` handling rely on (a gauge would lose both).
   */
  counter<L extends string>(spec: ReadSpec<L>): void {
    if (!spec.name.endsWith('_total')) throw new Error(`internal: counter ${spec.name} must end in _total`);
    const name = this.claim(spec.name);
    const read = spec.read;
    const counter: Counter<L> = new Counter<L>({
      name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [],
      collect(this: Counter<L>) {
        this.reset();
        read((labels, value) => this.inc(labels as Record<L, string>, value));
      },
    });
    this.add(name, counter);
  }

  /** A histogram the caller observes into; returned for that purpose. */
  histogram<L extends string>(spec: HistogramSpec<L>): Histogram<L> {
    const name = this.claim(spec.name);
    const histogram = new Histogram<L>({ name, help: spec.help, labelNames: spec.labelNames, buckets: [...spec.buckets], registers: [] });
    this.add(name, histogram);
    return histogram;
  }

  /** Removes every metric this set added (and only those: a metric registered later under the same name stays). */
  removeAll(): void {
    for (const [name, metric] of this.added) {
      if (this.register.getSingleMetric(name) === metric) this.register.removeSingleMetric(name);
    }
    this.added.clear();
  }

  private claim(suffix: string): string {
    const name = this.prefix + suffix;
    if (this.register.getSingleMetric(name) !== undefined) {
      throw new TypeError(
        `${this.where}: the prom-client registry already has a metric named ${name}. ` +
          `Bulwark metrics are registered on it already: call unregister() on the handle the first ${this.where}() returned, ` +
          'or pass another options.prefix or options.register',
      );
    }
    return name;
  }

  private add(name: string, metric: Counter | Gauge | Histogram): void {
    // Registered here, not through `registers`, so that a name clash found by `claim` never
    // leaves a half-built metric behind. Keyed by `name` as given: prom-client's OpenMetrics
    // output renames counters in place (strips `_total`), but keeps the registry key.
    this.register.registerMetric(metric);
    this.added.set(name, metric);
  }
}
