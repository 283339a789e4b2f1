import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as api from './index.js';
import * as terminus from './terminus.js';

/** The packages a source file imports, following its relative imports. */
function packagesImportedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8');
    for (const [, specifier] of source.matchAll(/^(?:import|export)[^'"]*?from '([^']+)'|^import '([^']+)'/gm)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(specifier.replace(/\.js$/, '.ts'));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

describe('the entry points', () => {
  it('@bulwark/nestjs exports the module, the decorators and their helpers', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BULWARK_MODULE_OPTIONS',
      'BULWARK_REGISTRY',
      'Bulkhead',
      'BulwarkExplorer',
      'BulwarkHttpException',
      'BulwarkModule',
      'CircuitBreaker',
      'Fallback',
      'RateLimit',
      'Retry',
      'Timeout',
      'currentExecuteContext',
    ]);
  });

  it('@bulwark/nestjs/terminus exports the health indicator', () => {
    expect(Object.keys(terminus)).toEqual(['BulwarkHealthIndicator']);
  });

  it('only the terminus entry point loads @nestjs/terminus, an optional peer', () => {
    const main = packagesImportedBy('./index.ts');
    expect(main.has('@nestjs/common') && main.has('@bulwark/prometheus')).toBe(true); // the walk follows the graph
    expect(main.has('@nestjs/terminus')).toBe(false);
    expect(packagesImportedBy('./terminus.ts').has('@nestjs/terminus')).toBe(true);
  });
});
