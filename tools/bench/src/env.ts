/**
 * A short description of the machine and versions, printed above every report.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

/** Installed version of a package (from its package.json), or "?" if it cannot be read. */
export function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '?';
  } catch {
    return '?';
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
