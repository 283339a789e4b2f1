import { Registry } from 'prom-client';

/**
 * Test helpers that read the exposition text a scraper would receive, so assertions are about
 * the exact lines Prometheus parses, not about prom-client's objects.
 */

/** The sample lines (`name{labels} value`) whose metric name is exactly `name`, in output order. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => !line.startsWith('#') && metricName(line) === name);
}

/** The `# TYPE` line of the family `name`, or undefined. */
export function typeLine(text: string, name: string): string | undefined {
  return text.split('\n').find((line) => line.startsWith(`# TYPE ${name} `));
}

/** The value of one series, written as it appears (`name{a="x"}`), or undefined when absent. */
export function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => !l.startsWith('#') && l.slice(0, l.lastIndexOf(' ')) === series);
  if (line === undefined) return undefined;
  const raw = line.slice(line.lastIndexOf(' ') + 1);
  return raw === '+Inf' ? Infinity : Number(raw);
}

/** Every metric family name in the text (from its `# TYPE` lines). */
export function families(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('# TYPE '))
    .map((line) => line.split(' ')[2]);
}

/** A fresh prom-client registry in the Prometheus text format, and its text on demand. */
export function freshRegister() {
  const register = new Registry();
  return { register, scrape: () => register.metrics() };
}

function metricName(line: string): string {
  const end = line.search(/[{ ]/);
  return end === -1 ? line : line.slice(0, end);
}
