import { HTTP_CASES, httpCase } from './http-cases.js';

describe('HTTP_CASES / httpCase', () => {
  it('has four cases with distinct ids and labels, plain ones without policies', () => {
    expect(HTTP_CASES.map((c) => c.id)).toEqual(['express', 'express-bulwark', 'nest', 'nest-bulwark']);
    expect(new Set(HTTP_CASES.map((c) => c.label)).size).toBe(4);
    expect(httpCase('express').policies).toEqual([]);
    expect(httpCase('nest').policies).toEqual([]);
    expect(httpCase('express-bulwark').policies).toEqual(['bulkhead', 'breaker']);
    expect(httpCase('nest-bulwark').policies).toEqual(['bulkhead', 'breaker']);
  });

  it('finds a case by id and names the known ids for an unknown one', () => {
    expect(httpCase('nest').label).toBe('Nest');
    expect(() => httpCase('fastify')).toThrow('unknown http case "fastify"; known: express, express-bulwark, nest, nest-bulwark');
  });
});
