export { registerMetrics } from './register-metrics.js';
export type { MetricsHandle } from './register-metrics.js';
export { DEFAULT_DURATION_BUCKETS } from './options.js';
export type { RegisterMetricsOptions } from './options.js';
export { BREAKER_STATES } from './collectors/circuit-breaker.js';
export { registerRaftMetrics, DEFAULT_FSYNC_BUCKETS } from './collectors/raft.js';
export type { RaftMetricsSource, RaftMetricsOptions, RaftMetricsHandle } from './collectors/raft.js';
export { registerTransactionMetrics } from './collectors/two-phase-commit.js';
export type { TransactionMetricsSource, TransactionMetricsOptions, TransactionMetricsHandle } from './collectors/two-phase-commit.js';
