/** The injection token of the member's {@link ClusterRuntime}. */
export const CLUSTER_RUNTIME = Symbol('CLUSTER_RUNTIME');
/** The injection token of the member's `TransactionsService` (two-phase commit). */
export const TRANSACTIONS_SERVICE = Symbol('TRANSACTIONS_SERVICE');
/** The injection token of the member's `SagasService` (the orders saga demo). */
export const SAGAS_SERVICE = Symbol('SAGAS_SERVICE');
