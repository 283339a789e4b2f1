export { ManualClock, flushPromises } from './manual-clock.js';
export { seededRandom } from './seeded-random.js';
export { deferred } from './deferred.js';
export type { Deferred } from './deferred.js';
export { trackAbortListeners } from './abort-listeners.js';
export { findFreePorts } from './free-ports.js';
export type { AbortListenerCounts } from './abort-listeners.js';
export { checkLinearizability } from './linearizability/check-linearizability.js';
export type {
  CheckLinearizabilityOptions,
  LinearizabilityResult,
  LinearizedPartition,
} from './linearizability/check-linearizability.js';
export { describeViolation } from './linearizability/linearizability-violation.js';
export type { DescribeViolationOptions, LinearizabilityViolation } from './linearizability/linearizability-violation.js';
export { isUnknownOutcome } from './linearizability/history-operation.js';
export type { ClientId, HistoryOperation } from './linearizability/history-operation.js';
export { NO_STATE } from './linearizability/linearizability-model.js';
export type { LinearizabilityModel, PartitionKey, StateKey } from './linearizability/linearizability-model.js';
export { operationsFromEvents } from './linearizability/operations-from-events.js';
export type { HistoryEvent } from './linearizability/operations-from-events.js';
export { registerModel } from './linearizability/register-model.js';
export type { RegisterInput } from './linearizability/register-model.js';
export { casRegisterModel } from './linearizability/cas-register-model.js';
export type { CasRegisterInput, CasRegisterOutput } from './linearizability/cas-register-model.js';
export { kvModel } from './linearizability/kv-model.js';
export type { KvInput, KvOutput } from './linearizability/kv-model.js';
export { HISTORY_FORMATS, detectHistoryFormat, readHistory } from './linearizability/read-history.js';
export type { HistoryFormat, ReadHistoryOptions, ReadHistoryResult } from './linearizability/read-history.js';
export { HISTORY_MODELS } from './linearizability/history-models.js';
export type { HistoryModelName, HistoryScalar, KeyedCasRegisterInput, KeyedRegisterInput } from './linearizability/history-models.js';
export { HistorySyntaxError, isHistorySyntaxError } from './linearizability/history-syntax-error.js';

// Simulator: a deterministic network, a fault schedule and the Raft cluster simulation.
export { SimNetwork } from './simulator/sim-network.js';
export type { Envelope, NetworkStats, SimNetworkOptions } from './simulator/sim-network.js';
export { SimScheduler } from './simulator/sim-scheduler.js';
export type { SimSchedulerOptions, SimTimer } from './simulator/sim-scheduler.js';
export { formatFault } from './simulator/fault-record.js';
export type { FaultKind, FaultRecord } from './simulator/fault-record.js';
export type { LinkOptions } from './simulator/link-options.js';
export { SimRandom } from './simulator/sim-random.js';
export { scheduleNemesis } from './simulator/nemesis.js';
export type { CustomFault, MsRange, NemesisFault, NemesisOptions } from './simulator/nemesis.js';
export { runRaftSimulation } from './simulator/raft-simulation.js';
export type { RaftSimulationReport } from './simulator/simulation-report.js';
export { replayCommand, resolveSimulationOptions } from './simulator/simulation-options.js';
export type { RaftSimulationOptions, ResolvedSimulationOptions } from './simulator/simulation-options.js';
export { SimulationFailureError, isSimulationFailureError } from './simulator/simulation-failure-error.js';
export type { SimulationFailureKind } from './simulator/simulation-failure-error.js';
export { formatHistoryEvent } from './simulator/sim-client.js';
export type { SimHistoryEvent } from './simulator/sim-client.js';
export type { SimRaftConfig, SimulationBug } from './simulator/sim-raft-node.js';
export { SimStorage } from './simulator/sim-storage.js';
export type { SimStorageBug, SimStorageOptions } from './simulator/sim-storage.js';
export { KvStateMachine } from './simulator/kv-state-machine.js';
export type { KvStateMachineOptions } from './simulator/kv-state-machine.js';
export { decodeKvCommand, encodeKvCommand } from './simulator/kv-command.js';
export type { KvCommand, KvResult } from './simulator/kv-command.js';
