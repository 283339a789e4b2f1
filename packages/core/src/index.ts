export type { Clock, TimerHandle } from './time/clock.js';
export { systemClock } from './time/clock.js';
export type { Random } from './time/random.js';
export { systemRandom } from './time/random.js';

export { BulwarkError, isBulwarkError } from './errors/bulwark-error.js';
export { CircuitOpenError, isCircuitOpenError } from './errors/circuit-open-error.js';
export { CircuitShutdownError, isCircuitShutdownError } from './errors/circuit-shutdown-error.js';
export { SemaphoreLockedError, isSemaphoreLockedError } from './errors/semaphore-locked-error.js';
export { TimeoutError, isTimeoutError } from './errors/timeout-error.js';

export type { ExecuteContext, ExecuteOptions, Policy } from './policies/policy.js';

export { CircuitBreaker, MemoryCache, Semaphore, Status, circuitBreakerEvents } from './policies/circuit-breaker/index.js';
export type {
  AbortableCall,
  BreakerPermit,
  Bucket,
  CacheTransport,
  CircuitBreakerEventMap,
  CircuitBreakerEventName,
  CircuitBreakerJSON,
  CircuitBreakerMetrics,
  CircuitBreakerOptions,
  CircuitBreakerState,
  CircuitState,
  CounterName,
  Isolation,
  OpenBackoff,
  ResolvedCircuitBreakerOptions,
  SlidingWindow,
  Stats,
  StatusOptions,
} from './policies/circuit-breaker/index.js';

export type { Disposable, Event } from './events/event.js';
export { EventSource } from './events/event.js';
export { wrap, WrappedPolicy } from './policies/wrap.js';

export { RetryExhaustedError, isRetryExhaustedError } from './errors/retry-exhausted-error.js';
export type { RetryExhaustedReason } from './errors/retry-exhausted-error.js';
export { BulkheadRejectedError, isBulkheadRejectedError } from './errors/bulkhead-rejected-error.js';
export type { BulkheadRejectionReason } from './errors/bulkhead-rejected-error.js';
export { RateLimitedError, isRateLimitedError } from './errors/rate-limited-error.js';

export { constantBackoff, linearBackoff, exponentialBackoff, DEFAULT_MAX_DELAY_MS } from './policies/backoff/backoff.js';
export type { Backoff, Jitter, LinearBackoffOptions, ExponentialBackoffOptions } from './policies/backoff/backoff.js';
export { retry, RetryPolicy } from './policies/retry.js';
export type { RetryOptions, RetryContext, RetryEvent, GiveUpEvent, RetrySuccessEvent, RetryMetrics } from './policies/retry.js';
export { retryBudget, RetryBudget } from './policies/retry-budget.js';
export type { RetryBudgetOptions, RetryBudgetMetrics } from './policies/retry-budget.js';
export { bulkhead, BulkheadPolicy } from './policies/bulkhead.js';
export type { BulkheadOptions, BulkheadMetrics, BulkheadAcceptedEvent, BulkheadRejectedEvent, BulkheadPermit } from './policies/bulkhead.js';
export { timeout, TimeoutPolicy } from './policies/timeout.js';
export type { TimeoutOptions, TimeoutStrategy, TimeoutEvent, TimeoutMetrics } from './policies/timeout.js';
export { fallback, FallbackPolicy } from './policies/fallback.js';
export type { FallbackOptions, FallbackContext, FallbackEvent, FallbackMetrics } from './policies/fallback.js';
export { rateLimiter, RateLimiterPolicy } from './policies/rate-limiter.js';
export type {
  RateLimiterOptions,
  TokenBucketOptions,
  SlidingWindowOptions,
  RateLimiterMetrics,
  RateLimiterRejectedEvent,
} from './policies/rate-limiter.js';
export { chaos, ChaosPolicy } from './policies/chaos.js';
export type {
  ChaosOptions,
  ChaosContext,
  ChaosOutcomeContext,
  ChaosMetrics,
  ChaosFaultEvent,
  ChaosLatencyEvent,
  ChaosOutcomeEvent,
} from './policies/chaos.js';
export { createRegistry, PolicyRegistry } from './policies/registry/registry.js';
export { defaultRegistry, resetDefaultRegistry } from './policies/registry/default-registry.js';
export type { RegistryOptions, RegistryEntry, RegistryStateChangeEvent, PolicyKindMap } from './policies/registry/registry.js';
export { POLICY_KINDS } from './policies/registry/config.js';
export type {
  PolicyKind,
  BackoffConfig,
  PolicyConfig,
  PolicyDefaults,
  RegistryBreakerOptions,
  RegistryRetryOptions,
  RegistryBulkheadOptions,
  RegistryTimeoutOptions,
  RegistryRateLimiterOptions,
  RegistryFallbackOptions,
  RegistryRetryBudgetOptions,
} from './policies/registry/config.js';

export { Raft } from './raft/raft.js';
export type { Ready, RaftStatus } from './raft/raft.js';
export { resolveRaftConfig } from './raft/config.js';
export type { RaftConfig, ResolvedRaftConfig, ReadOnlyOption } from './raft/config.js';
export type { ReadState } from './raft/read-only.js';
export { MemoryStorage } from './raft/memory-storage.js';
export type { Storage, InitialState } from './raft/storage.js';
export type { Snapshot, SnapshotMetadata } from './raft/snapshot.js';
export { LogCompactedError, isLogCompactedError } from './raft/errors/log-compacted-error.js';
export {
  SnapshotTemporarilyUnavailableError,
  isSnapshotTemporarilyUnavailableError,
} from './raft/errors/snapshot-temporarily-unavailable-error.js';
export type { Entry, EntryType, NodeId } from './raft/entry.js';
export type { HardState, SoftState, ConfState, RaftRole } from './raft/raft-state.js';
export { encodeConfChange, decodeConfChange } from './raft/conf-change.js';
export type { ConfChange, ConfChangeStep, ConfChangeTransition } from './raft/conf-change.js';
export { ConfChangeError, isConfChangeError } from './raft/errors/conf-change-error.js';
export type {
  Message,
  MessageType,
  AppendMessage,
  AppendResponseMessage,
  AppendAcceptedMessage,
  AppendRejectedMessage,
  VoteMessage,
  VoteResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  SnapshotMessage,
  ReadIndexMessage,
  ReadIndexResponseMessage,
  TransferLeaderMessage,
  TimeoutNowMessage,
} from './raft/messages.js';
export type { ProgressState } from './raft/progress.js';
export { committedIndex, voteResult, majority, jointCommittedIndex, jointVoteResult } from './raft/quorum.js';
export type { VoteResult } from './raft/quorum.js';
export { ProposalDroppedError, isProposalDroppedError } from './errors/proposal-dropped-error.js';
export type { ProposalDropReason } from './errors/proposal-dropped-error.js';

// Raft client sessions: exactly-once commands (thesis §6.3).
export { SessionTable } from './raft/sessions/session-table.js';
export type {
  SessionId,
  SessionOutcome,
  SessionRequest,
  SessionTableOptions,
  SessionTableSnapshot,
} from './raft/sessions/session-table.js';

// Raft WAL: durable file storage (segmented, checksummed write-ahead log and snapshot files).
export { FileStorage } from './raft/wal/file-storage.js';
export type { FileStorageOptions, PersistableReady } from './raft/wal/file-storage.js';
export { nodeWalFs } from './raft/wal/wal-fs.js';
export type { WalFs } from './raft/wal/wal-fs.js';
export { WalCorruptionError, isWalCorruptionError } from './raft/wal/wal-corruption-error.js';

// Raft runtime: RaftNode drives the core with timers, a PersistentStorage, a Transport and a StateMachine.
export { RaftNode } from './raft/node/raft-node.js';
export type { RaftNodeOptions, RaftNodeStatus } from './raft/node/raft-node.js';
export type { PersistentStorage, ReadyWrite } from './raft/node/persistent-storage.js';
export { MemoryPersistentStorage } from './raft/node/memory-persistent-storage.js';
export type { Transport } from './raft/node/transport.js';
export type { StateMachine } from './raft/node/state-machine.js';
export { NotLeaderError, isNotLeaderError } from './raft/node/errors/not-leader-error.js';
export { RequestLostError, isRequestLostError } from './raft/node/errors/request-lost-error.js';
export type { RequestLostReason } from './raft/node/errors/request-lost-error.js';
export { NodeStoppedError, isNodeStoppedError } from './raft/node/errors/node-stopped-error.js';
export type { ReadOptions, RaftNodeStateChange } from './raft/node/raft-node.js';
export { FilePersistentStorage } from './raft/node/file-persistent-storage.js';
export type { FilePersistentStorageOptions } from './raft/node/file-persistent-storage.js';

// Raft peer transport over HTTP: keep-alive, batching, pipelining, a breaker per peer, a fault hook.
export { HttpTransport, MAX_REPLY_BYTES, PEER_BREAKER_DEFAULTS, REPLIES_HEADER } from './raft/transport/http-transport.js';
export type { HttpTransportOptions, PeerState } from './raft/transport/http-transport.js';
export { createPeerHandler, DEFAULT_MAX_BODY_BYTES } from './raft/transport/peer-handler.js';
export type { PeerHandlerOptions, PeerReplies } from './raft/transport/peer-handler.js';
export { createPeerStreamHandler, DEFAULT_MAX_FRAME_BYTES, STREAM_PROTOCOL } from './raft/transport/peer-stream.js';
export type { PeerStreamHandler, PeerStreamHandlerOptions, PeerStreamStats } from './raft/transport/peer-stream.js';
export { TransportFaults } from './raft/transport/transport-faults.js';
export type { TransportFaultRule, OutboundFault, TransportFaultsDescription } from './raft/transport/transport-faults.js';
export { encodeMessages, decodeFrame } from './raft/transport/message-codec.js';
export { FrameError, isFrameError } from './raft/transport/errors/frame-error.js';

// Hashing: consistent hashing (ring with virtual nodes, bounded loads, rendezvous, jump).
export type { ConsistentHash, HashFunction } from './replication/hashing/consistent-hash.js';
export { HashRing } from './replication/hashing/hash-ring.js';
export type { HashRingOptions } from './replication/hashing/hash-ring.js';
export { BoundedLoadRing } from './replication/hashing/bounded-load-ring.js';
export type { RingPlacement } from './replication/hashing/ring-table.js';
export type { BoundedLoadRingOptions } from './replication/hashing/bounded-load-ring.js';
export { RendezvousHash } from './replication/hashing/rendezvous-hash.js';
export type { RendezvousHashOptions } from './replication/hashing/rendezvous-hash.js';
export { JumpHash, jumpHash } from './replication/hashing/jump-hash.js';
export type { JumpHashOptions } from './replication/hashing/jump-hash.js';
export { xxHash32 } from './replication/hashing/xxhash32.js';

// Hashing: the sharded cache client over the ring.
export { createShardedCache, ShardedCache } from './replication/sharded-cache/sharded-cache.js';
export type {
  ShardedCacheOptions,
  ShardedCacheCallOptions,
  ShardedCacheWriteOptions,
  ShardedCacheMetrics,
  NodeErrorEvent,
  RebalanceReport,
} from './replication/sharded-cache/sharded-cache-options.js';
export type { CacheNode, CacheNodeCallOptions, CacheNodeSetOptions } from './replication/sharded-cache/cache-node.js';
export { MemoryCacheNode } from './replication/sharded-cache/memory-cache-node.js';
export type { MemoryCacheNodeOptions } from './replication/sharded-cache/memory-cache-node.js';
export { jsonCodec } from './replication/sharded-cache/cache-codec.js';
export type { CacheCodec } from './replication/sharded-cache/cache-codec.js';

// Replication: vector clocks, dotted version vectors, the hybrid logical clock, causal
// delivery, CRDTs and the Dynamo-style quorum store.
export { VectorClock } from './replication/clocks/vector-clock.js';
export type {
  VectorClockEntryJSON,
  VectorClockIncrementOptions,
  VectorClockJSON,
  VectorClockOrder,
  VectorClockPrunePolicy,
} from './replication/clocks/vector-clock.js';
export { DottedVersionVector, compareDots, dotKey } from './replication/clocks/dotted-version-vector.js';
export type { Dot, DotJSON, DottedVersionVectorJSON } from './replication/clocks/dotted-version-vector.js';
export { discardSiblings, siblingsClock, syncSiblings } from './replication/clocks/dvv-siblings.js';
export type { Versioned } from './replication/clocks/dvv-siblings.js';
export { HybridLogicalClock } from './replication/clocks/hybrid-logical-clock.js';
export type { HybridLogicalClockOptions } from './replication/clocks/hybrid-logical-clock.js';
export { compareHlc, hlcFromJSON, hlcToJSON } from './replication/clocks/hlc-timestamp.js';
export type { HlcTimestamp, HlcTimestampJSON } from './replication/clocks/hlc-timestamp.js';
export { ClockDriftError, isClockDriftError } from './replication/errors/clock-drift-error.js';
export { CausalEventLog } from './replication/causal/causal-event-log.js';
export type { CausalEventLogOptions, EventRef } from './replication/causal/causal-event-log.js';
export { CausalDeliveryBuffer } from './replication/causal/causal-delivery-buffer.js';
export type { CausalDeliveryBufferOptions } from './replication/causal/causal-delivery-buffer.js';
export { causalEventFromJSON, causalEventToJSON, compareEvents, eventDot } from './replication/causal/causal-event.js';
export type { CausalEvent, CausalEventJSON } from './replication/causal/causal-event.js';
export { CausalBufferOverflowError, isCausalBufferOverflowError } from './replication/errors/causal-buffer-overflow-error.js';
export { LwwRegister } from './replication/crdt/lww-register.js';
export type { LwwRegisterJSON } from './replication/crdt/lww-register.js';
export { compareStamps } from './replication/crdt/lww-stamp.js';
export type { LwwStamp } from './replication/crdt/lww-stamp.js';
export { MvRegister } from './replication/crdt/mv-register.js';
export type { MvRegisterJSON } from './replication/crdt/mv-register.js';
export { GCounter } from './replication/crdt/g-counter.js';
export type { GCounterJSON } from './replication/crdt/g-counter.js';
export { PNCounter } from './replication/crdt/pn-counter.js';
export type { PNCounterJSON } from './replication/crdt/pn-counter.js';
export { OrSet } from './replication/crdt/or-set.js';
export type { OrSetElement, OrSetJSON } from './replication/crdt/or-set.js';
export { LwwMap } from './replication/crdt/lww-map.js';
export type { LwwMapEntryJSON, LwwMapJSON } from './replication/crdt/lww-map.js';
export { QuorumNode } from './replication/quorum/quorum-node.js';
export type { QuorumNodeMetrics, StoreReady } from './replication/quorum/quorum-node.js';
export type { PreferenceList, QuorumNodeConfig } from './replication/quorum/node-config.js';
export { QuorumStore } from './replication/quorum/quorum-store.js';
export type { QuorumStoreOptions, StoreTransport } from './replication/quorum/quorum-store.js';
export { MemoryReplicaStorage } from './replication/quorum/replica-storage.js';
export type { KeyRecord, ReplicaStorage } from './replication/quorum/replica-storage.js';
export { CausalToken } from './replication/quorum/causal-token.js';
export type { CausalTokenJSON } from './replication/quorum/causal-token.js';
export type { ConsistencyLevel, RequestOptions, WriteOptions } from './replication/quorum/request-options.js';
export type { GetResult, StoreCompletion, StoreRequestError, WriteResult } from './replication/quorum/store-results.js';
export type { StoreMessage } from './replication/quorum/store-messages.js';
export type { StoredVersion } from './replication/quorum/stored-version.js';
export type { AntiEntropyMetrics } from './replication/quorum/anti-entropy.js';
export { QuorumNotReachedError, isQuorumNotReachedError } from './replication/errors/quorum-not-reached-error.js';
export type { QuorumFailureReason } from './replication/errors/quorum-not-reached-error.js';

// Transactions: the durable record log (two-phase commit's and the sagas' logs sit on it).
export { RecordLog } from './transactions/log/record-log.js';
export type { RecordLogOptions } from './transactions/log/record-log.js';
export { RecordLogFailedError, isRecordLogFailedError } from './transactions/log/record-log-failed-error.js';

// Transactions: two-phase commit — the pure coordinator and participant, their runtimes, the
// pluggable decision log (file-backed default), message validation, errors.
export { Coordinator } from './transactions/two-phase-commit/coordinator.js';
export type {
  CoordinatorConfig,
  CoordinatorReady,
  CoordinatorRecord,
  Inquiry,
  RecordedDecision,
  TransactionOutcome,
  TransactionStatus,
} from './transactions/two-phase-commit/coordinator.js';
export { Participant } from './transactions/two-phase-commit/participant.js';
export type {
  InDoubtTransaction,
  LockPolicy,
  ParticipantAnomalies,
  ParticipantConfig,
  ParticipantEffect,
  ParticipantReady,
} from './transactions/two-phase-commit/participant.js';
export { decodeParticipantRecord, encodeParticipantRecord } from './transactions/two-phase-commit/participant-record.js';
export type { ParticipantRecord } from './transactions/two-phase-commit/participant-record.js';
export type { LockInfo } from './transactions/two-phase-commit/lock-table.js';
export {
  MESSAGE_LIMITS as TRANSACTION_MESSAGE_LIMITS,
  TRANSACTION_MESSAGE_TYPES,
  checkTransactionMessage,
} from './transactions/two-phase-commit/messages.js';
export type {
  AckMessage,
  DecisionMessage,
  PrepareMessage,
  StatusMessage,
  TransactionMessage,
  TransactionVoteMessage,
} from './transactions/two-phase-commit/messages.js';
export type { AbortReason, Decision, ParticipantWork, PartyId, TxId, TxWrite, VoteReport, VoteValue } from './transactions/two-phase-commit/types.js';
export { FileDecisionLog } from './transactions/two-phase-commit/decision-log.js';
export type { DecisionLog, FileDecisionLogOptions } from './transactions/two-phase-commit/decision-log.js';
export { answerStatusQuery } from './transactions/two-phase-commit/answer-status-query.js';
export { TwoPhaseCoordinator } from './transactions/two-phase-commit/two-phase-coordinator.js';
export type {
  TransactionRequest,
  TransactionResult,
  TransactionTransport,
  TwoPhaseCoordinatorOptions,
} from './transactions/two-phase-commit/two-phase-coordinator.js';
export { TwoPhaseParticipant } from './transactions/two-phase-commit/two-phase-participant.js';
export type { ParticipantStore, TwoPhaseParticipantOptions } from './transactions/two-phase-commit/two-phase-participant.js';
export { DuplicateTransactionError, isDuplicateTransactionError } from './transactions/two-phase-commit/errors/duplicate-transaction-error.js';
export { TransactionInDoubtError, isTransactionInDoubtError } from './transactions/two-phase-commit/errors/transaction-in-doubt-error.js';
export { TransactionRecordError, isTransactionRecordError } from './transactions/two-phase-commit/errors/transaction-record-error.js';
export { TransactionStoppedError, isTransactionStoppedError } from './transactions/two-phase-commit/errors/transaction-stopped-error.js';

// Transactions: sagas — defineSaga, the orchestrator with its persisted saga log, the pure saga state machine.
export { defineSaga, isSagaDefinition } from './transactions/saga/define-saga.js';
export type { SagaCompensationContext, SagaDefinition, SagaOptions, SagaRetryOptions, SagaStep, SagaStepContext } from './transactions/saga/define-saga.js';
export { SagaOrchestrator } from './transactions/saga/saga-orchestrator.js';
export type { SagaOrchestratorMetrics, SagaOrchestratorOpenOptions, SagaOrchestratorOptions, SagaStartOptions } from './transactions/saga/saga-orchestrator-options.js';
export { MemorySagaLog } from './transactions/saga/saga-log.js';
export type { SagaLog } from './transactions/saga/saga-log.js';
export type {
  SagaCompensationHistory,
  SagaEvent,
  SagaHistory,
  SagaOutcome,
  SagaStatus,
  SagaStepHistory,
  SagaStepStatus,
  SagaSummary,
} from './transactions/saga/saga-history.js';
export { decodeSagaRecord, encodeSagaRecord } from './transactions/saga/saga-record.js';
export type { SagaErrorInfo, SagaRecord, SagaRecordType } from './transactions/saga/saga-record.js';
export { applySagaRecord, nextSagaAction } from './transactions/saga/saga-state.js';
export type { CompensationPhase, SagaAction, SagaShape, SagaState, StepPhase, StepState } from './transactions/saga/saga-state.js';
export { InvalidStepResultError, isInvalidStepResultError } from './transactions/saga/errors/invalid-step-result-error.js';
export { SagaDefinitionMismatchError, isSagaDefinitionMismatchError } from './transactions/saga/errors/saga-definition-mismatch-error.js';
export { SagaIdConflictError, isSagaIdConflictError } from './transactions/saga/errors/saga-id-conflict-error.js';
export { SagaLogCorruptionError, isSagaLogCorruptionError } from './transactions/saga/errors/saga-log-corruption-error.js';
export { SagaOrchestratorStoppedError, isSagaOrchestratorStoppedError } from './transactions/saga/errors/saga-orchestrator-stopped-error.js';
