import { createRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import express from 'express';
import type { Request } from 'express';
import { closeServers, listen } from '../test/http.js';
import { bulkhead } from './bulkhead.js';
import { MAX_NAME_LENGTH, deriveName } from './derive-name.js';

afterEach(closeServers);

describe('deriveName', () => {
  let registry: PolicyRegistry;
  beforeEach(() => (registry = createRegistry()));
  afterEach(() => registry.dispose());

  const names = () =>
    registry
      .all()
      .filter((e) => e.kind === 'bulkhead')
      .map((e) => e.name);

  it('names route middleware by method and route pattern, and app.use middleware by mount path', async () => {
    const pool = () => bulkhead({ maxConcurrent: 5, registry });
    const app = express();
    const items = express.Router();
    items.use(pool());
    items.get('/:id', pool(), (_req, res) => void res.send('item'));
    app.use('/api', pool());
    app.use(pool());
    app.use('/items', items);
    app.get('/users/:id', pool(), (_req, res) => void res.send('user'));
    app.get(['/a', '/b'], pool(), (_req, res) => void res.send('ab'));
    app.get(/^\/re(gex)?$/, pool(), (_req, res) => void res.send('regex'));
    const url = await listen(app);
    for (const path of ['/users/42', '/users/43', '/items/7', '/b', '/regex', '/api/anything']) expect((await fetch(`${url}${path}`)).ok).toBe(path !== '/api/anything');
    expect(names()).toEqual([
      'express:/*',
      'express:GET /users/:id',
      'express:/items/*',
      'express:GET /items/:id',
      'express:GET /a,/b',
      'express:GET /^\\/re(gex)?$/',
      'express:/api/*',
    ]);
  });

  it('makes a derived name unique in the registry, so two middlewares never share a policy by accident', async () => {
    const app = express();
    app.get('/x', bulkhead({ maxConcurrent: 1, registry }), bulkhead({ maxConcurrent: 2, registry }), (_req, res) => void res.send('x'));
    registry.bulkhead('express:GET /y', { maxConcurrent: 3 });
    app.get('/y', bulkhead({ maxConcurrent: 3, registry }), (_req, res) => void res.send('y'));
    const url = await listen(app);
    await fetch(`${url}/x`);
    await fetch(`${url}/y`);
    expect(names()).toEqual(['express:GET /y', 'express:GET /x', 'express:GET /x#2', 'express:GET /y#2']);
    expect(registry.bulkhead('express:GET /x#2').maxConcurrent).toBe(2);
  });

  it(`cuts names to ${MAX_NAME_LENGTH} characters`, () => {
    const req = { baseUrl: '', method: 'GET', route: { path: `/${'a'.repeat(500)}` } } as unknown as Request;
    expect(deriveName(req)).toHaveLength(MAX_NAME_LENGTH);
    expect(deriveName({ baseUrl: undefined, method: 'GET' } as unknown as Request)).toBe('express:/*');
  });
});
