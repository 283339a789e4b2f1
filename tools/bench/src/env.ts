/**
 * A short description of the machine and versions, printed above every report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function readPackage(path: string): { name?: unknown; version?: unknown } {
  return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
}

/**
 * Installed version of a package (from its package.json), or "?" if it cannot be read. A
 * package whose `exports` hide `package.json` (p-retry's do) is found from its entry point,
 * walking up to the package.json that carries its name.
 */
export function packageVersion(name: string): string {
  try {
    const pkg = readPackage(resolvePackageJson(name));
    return typeof pkg.version === 'string' ? pkg.version : '?';
  } catch {
    return '?';
  }
}

function resolvePackageJson(name: string): string {
  try {
    return require.resolve(`${name}/package.json`);
  } catch {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const candidate = join(dir, 'package.json');
      if (existsSync(candidate) && readPackage(candidate).name === name) return candidate;
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json named ${name} above its entry point`);
      dir = parent;
    }
  }
}

/** The `some avg10` value of /proc/pressure/cpu (Linux PSI), or undefined if unavailable. */
export function cpuPressure(): string | undefined {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some'));
    return line?.match(/avg10=([\d.]+)/)?.[1];
  } catch {
    return undefined;
  }
}

/** One markdown paragraph: date, Node/V8, CPU, load, CPU pressure and the given package versions. */
export function describeEnvironment(packages: readonly string[]): string {
  const cpus = os.cpus();
  const pressure = cpuPressure();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return [
    `${new Date().toISOString()} · Node ${process.version} (V8 ${process.versions.v8}) · ${os.platform()}/${os.arch()}`,
    `· ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'} · load ${load}`,
    pressure === undefined ? '' : `· CPU pressure (some, avg10) ${pressure}%`,
    `· ${packages.map((p) => `${p} ${packageVersion(p)}`).join(', ')}`,
  ]
    .filter((s) => s !== '')
    .join(' ');
}
