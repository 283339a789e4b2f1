// The launcher: runs apps/cluster members as local processes (npm start, the e2e tests, tools/chaos).
export { findFreePortRange, isPortFree } from './free-ports.js';
export { LauncherError, type LauncherErrorReason, isLauncherError } from './launcher-error.js';
export { type LauncherArgs, launcherUsage, parseLauncherArgs } from './launcher-args.js';
export { type LauncherCliOptions, type SignalSource, type StopSignal, banner, runLauncherCli } from './launcher-cli.js';
export { type MemberStatus, fetchMemberStatus, parseMemberStatus } from './status-client.js';
export { type ClusterHandle, type ClusterMember, type StartClusterOptions, defaultEntry, startCluster } from './start-cluster.js';
