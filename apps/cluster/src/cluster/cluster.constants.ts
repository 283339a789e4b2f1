/** The injection token of the member's {@link ClusterRuntime}. */
export const CLUSTER_RUNTIME = Symbol('CLUSTER_RUNTIME');
