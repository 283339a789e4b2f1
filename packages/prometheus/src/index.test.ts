import * as door from './index.js';

describe('@bulwark/prometheus', () => {
  it('exports exactly its public API', () => {
    expect(Object.keys(door).sort()).toEqual(['BREAKER_STATES', 'DEFAULT_DURATION_BUCKETS', 'DEFAULT_FSYNC_BUCKETS', 'registerMetrics', 'registerRaftMetrics', 'registerTransactionMetrics']);
    expect(door.BREAKER_STATES).toEqual(['closed', 'open', 'half_open', 'isolated', 'shutdown']);
  });
});
