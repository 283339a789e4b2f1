import { Gauge, Registry, register as globalRegister } from 'prom-client';
import { families, freshRegister, samples, typeLine, value } from '../../test/scrape.js';
import { registerTransactionMetrics } from './two-phase-commit.js';
import type { TransactionMetricsSource } from './two-phase-commit.js';

type Stats = ReturnType<TransactionMetricsSource['transactionStats']>;

function fakeMember(id: string, stats: Partial<Stats> = {}): TransactionMetricsSource & { current: Stats } {
  const member = {
    id,
    current: { committed: 0, aborted: 0, active: 0, inDoubt: 0, locks: 0, ...stats },
    transactionStats: () => member.current,
  };
  return member;
}

const FAMILIES = ['bulwark_transactions_total', 'bulwark_transactions_active', 'bulwark_transactions_in_doubt', 'bulwark_transaction_locks'];

describe('registerTransactionMetrics', () => {
  it('reads the outcome counter and the gauges at scrape time, and follows their changes', async () => {
    const { register, scrape } = freshRegister();
    const a = fakeMember('a', { committed: 5, aborted: 2, active: 3, inDoubt: 1, locks: 4 });
    registerTransactionMetrics(a, { register });
    let text = await scrape();
    expect(families(text)).toEqual(FAMILIES);
    expect(typeLine(text, 'bulwark_transactions_total')).toBe('# TYPE bulwark_transactions_total counter');
    expect(typeLine(text, 'bulwark_transactions_active')).toBe('# TYPE bulwark_transactions_active gauge');
    expect(typeLine(text, 'bulwark_transactions_in_doubt')).toBe('# TYPE bulwark_transactions_in_doubt gauge');
    expect(typeLine(text, 'bulwark_transaction_locks')).toBe('# TYPE bulwark_transaction_locks gauge');
    expect(samples(text, 'bulwark_transactions_total')).toEqual([
      'bulwark_transactions_total{node="a",status="committed"} 5',
      'bulwark_transactions_total{node="a",status="aborted"} 2',
    ]);
    expect(samples(text, 'bulwark_transactions_active')).toEqual(['bulwark_transactions_active{node="a"} 3']);
    expect(samples(text, 'bulwark_transactions_in_doubt')).toEqual(['bulwark_transactions_in_doubt{node="a"} 1']);
    expect(samples(text, 'bulwark_transaction_locks')).toEqual(['bulwark_transaction_locks{node="a"} 4']);

    a.current = { committed: 9, aborted: 3, active: 0, inDoubt: 2, locks: 7 };
    text = await scrape();
    expect(value(text, 'bulwark_transactions_total{node="a",status="committed"}')).toBe(9);
    expect(value(text, 'bulwark_transactions_total{node="a",status="aborted"}')).toBe(3);
    expect(value(text, 'bulwark_transactions_active{node="a"}')).toBe(0);
    expect(value(text, 'bulwark_transactions_in_doubt{node="a"}')).toBe(2);
    expect(value(text, 'bulwark_transaction_locks{node="a"}')).toBe(7);
  });

  it('exports several members, each under its own node label', async () => {
    const { register, scrape } = freshRegister();
    registerTransactionMetrics([fakeMember('a', { committed: 1, locks: 2 }), fakeMember('b', { aborted: 4, active: 6 })], { register });
    const text = await scrape();
    expect(samples(text, 'bulwark_transactions_total')).toEqual([
      'bulwark_transactions_total{node="a",status="committed"} 1',
      'bulwark_transactions_total{node="a",status="aborted"} 0',
      'bulwark_transactions_total{node="b",status="committed"} 0',
      'bulwark_transactions_total{node="b",status="aborted"} 4',
    ]);
    expect(samples(text, 'bulwark_transactions_active')).toEqual(['bulwark_transactions_active{node="a"} 0', 'bulwark_transactions_active{node="b"} 6']);
    expect(samples(text, 'bulwark_transaction_locks')).toEqual(['bulwark_transaction_locks{node="a"} 2', 'bulwark_transaction_locks{node="b"} 0']);
  });

  it('exports the members a function returns at each scrape', async () => {
    const { register, scrape } = freshRegister();
    const members = [fakeMember('a', { inDoubt: 1 })];
    registerTransactionMetrics(() => members, { register });
    expect(samples(await scrape(), 'bulwark_transactions_in_doubt')).toEqual(['bulwark_transactions_in_doubt{node="a"} 1']);
    members.push(fakeMember('b', { inDoubt: 2 }));
    expect(samples(await scrape(), 'bulwark_transactions_in_doubt')).toEqual(['bulwark_transactions_in_doubt{node="a"} 1', 'bulwark_transactions_in_doubt{node="b"} 2']);
    members.shift();
    const text = await scrape();
    expect(samples(text, 'bulwark_transactions_in_doubt')).toEqual(['bulwark_transactions_in_doubt{node="b"} 2']);
    expect(samples(text, 'bulwark_transactions_total')).toHaveLength(2); // a's series are gone
  });

  it('takes a prefix, or none', async () => {
    const { register, scrape } = freshRegister();
    registerTransactionMetrics(fakeMember('a', { locks: 1 }), { register, prefix: 'kv_' });
    registerTransactionMetrics(fakeMember('a', { locks: 2 }), { register, prefix: '' });
    const text = await scrape();
    expect(value(text, 'kv_transaction_locks{node="a"}')).toBe(1);
    expect(value(text, 'transaction_locks{node="a"}')).toBe(2);
    expect(families(text)).toEqual([...FAMILIES.map((name) => name.replace('bulwark_', 'kv_')), ...FAMILIES.map((name) => name.replace('bulwark_', ''))]);
  });

  it('registers on prom-client\'s global register by default', async () => {
    const handle = registerTransactionMetrics(fakeMember('g', { active: 1 }), { prefix: 'global_test_' });
    try {
      expect(value(await globalRegister.metrics(), 'global_test_transactions_active{node="g"}')).toBe(1);
    } finally {
      handle.unregister();
    }
    expect(globalRegister.getSingleMetric('global_test_transactions_active')).toBeUndefined();
  });

  it('unregister() removes only its own families, idempotently, and frees the names', async () => {
    const { register, scrape } = freshRegister();
    const other = registerTransactionMetrics(fakeMember('a'), { register, prefix: 'other_' });
    const handle = registerTransactionMetrics(fakeMember('a'), { register });
    handle.unregister();
    expect(families(await scrape())).toEqual(FAMILIES.map((name) => name.replace('bulwark_', 'other_')));
    const again = registerTransactionMetrics(fakeMember('b', { locks: 3 }), { register }); // the names are free again
    handle.unregister(); // a second call removes nothing, not even the new registration's families
    expect(value(await scrape(), 'bulwark_transaction_locks{node="b"}')).toBe(3);
    again.unregister();
    other.unregister();
    expect(await scrape()).toBe('\n');
  });

  it('refuses names the registry has already, naming the function, and adds nothing', async () => {
    const register = new Registry();
    registerTransactionMetrics(fakeMember('a'), { register });
    expect(() => registerTransactionMetrics(fakeMember('b'), { register })).toThrow(
      new TypeError(
        'registerTransactionMetrics: the prom-client registry already has a metric named bulwark_transactions_total. ' +
          'Bulwark metrics are registered on it already: call unregister() on the handle the first registerTransactionMetrics() returned, ' +
          'or pass another options.prefix or options.register',
      ),
    );
    expect(register.getMetricsAsArray()).toHaveLength(FAMILIES.length);
  });

  it('rolls back a registration that clashes part-way, leaving the clashing metric alone', async () => {
    const { register, scrape } = freshRegister();
    new Gauge({ name: 'bulwark_transaction_locks', help: 'not ours', registers: [register] });
    expect(() => registerTransactionMetrics(fakeMember('a'), { register })).toThrow(/already has a metric named bulwark_transaction_locks/);
    expect(families(await scrape())).toEqual(['bulwark_transaction_locks']);
  });

  it.each<[string, unknown]>([
    ['an object without transactionStats()', { id: 'a' }],
    ['an object without an id', { transactionStats: () => ({}) }],
    ['an id that is not a string', { id: 1, transactionStats: () => ({}) }],
    ['an array with a bad member', [fakeMember('a'), { id: 'b' }]],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'a'],
  ])('rejects sources that are %s', (_, sources) => {
    expect(() => registerTransactionMetrics(sources as TransactionMetricsSource, { register: new Registry() })).toThrow(
      /^registerTransactionMetrics: sources must be a two-phase commit member \(id and transactionStats\(\)\), an array of them, or a function returning them, got /,
    );
  });

  it('rejects malformed options, naming them, and adds nothing', () => {
    const register = new Registry();
    const member = fakeMember('a');
    const bad = (options: unknown) => () => registerTransactionMetrics(member, options as never);
    expect(bad('kv_')).toThrow(new TypeError('registerTransactionMetrics: options must be an object, got "kv_"'));
    expect(bad(null)).toThrow(new TypeError('registerTransactionMetrics: options must be an object, got null'));
    expect(bad([register])).toThrow(new TypeError('registerTransactionMetrics: options must be an object, got [a Registry]'));
    expect(bad({ register, fsyncBuckets: [1] })).toThrow(
      new TypeError('registerTransactionMetrics: unknown option "fsyncBuckets" (the options are register, prefix)'),
    );
    expect(bad({ register: {} })).toThrow(new TypeError('registerTransactionMetrics: options.register must be a prom-client Registry, got an object'));
    expect(bad({ register, prefix: 'kv-' })).toThrow(
      new TypeError("registerTransactionMetrics: options.prefix must be letters, digits and underscores, not starting with a digit (or ''), got \"kv-\""),
    );
    expect(bad({ register, prefix: 7 })).toThrow(/options\.prefix .* got 7$/);
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });
});
