import type { LoadCounts } from './load-check.js';
import { checkLoad } from './load-check.js';

const clean: LoadCounts = { completed: 1_000, status2xx: 1_000, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, statusCodes: { 200: 1_000 } };

describe('checkLoad', () => {
  it('passes a run where every response was a 2xx with the expected body', () => {
    expect(() => checkLoad(clean, 'Express, round 1, measured')).not.toThrow();
  });

  it('fails a run without responses', () => {
    expect(() => checkLoad({ ...clean, completed: 0, status2xx: 0, statusCodes: {} }, 'x')).toThrow('x: no response at all');
  });

  it('fails on non-2xx responses, listing the status codes', () => {
    const counts = { ...clean, status2xx: 990, non2xx: 10, statusCodes: { 200: 990, 503: 10 } };
    expect(() => checkLoad(counts, 'Nest, round 2, measured window')).toThrow('Nest, round 2, measured window: 10 non-2xx responses (by status: {"200":990,"503":10}); 990 2xx responses out of 1000');
  });

  it('fails on errors, timeouts and unexpected bodies, naming each', () => {
    expect(() => checkLoad({ ...clean, errors: 3 }, 'x')).toThrow('x: 3 errors');
    expect(() => checkLoad({ ...clean, timeouts: 2 }, 'x')).toThrow('x: 2 timeouts');
    expect(() => checkLoad({ ...clean, mismatches: 1 }, 'x')).toThrow('x: 1 bodies other than expected');
    expect(() => checkLoad({ ...clean, errors: 1, timeouts: 1 }, 'x')).toThrow('x: 1 errors; 1 timeouts');
  });
});
