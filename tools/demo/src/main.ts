// npm start: a circuit breaker from @bulwark/core in front of a flaky local HTTP service.
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '@bulwark/core';
import { demoScript } from './demo-script.js';
import { startFlakyService } from './flaky-service.js';
import { runScenario } from './scenario.js';

const service = await startFlakyService();
console.log(`Bulwark circuit breaker demo: calling ${service.url} every ${demoScript.intervalMs}ms`);
const b = demoScript.breaker;
console.log(
  `breaker: timeout ${b.timeout}ms, resetTimeout ${b.resetTimeout}ms, ` +
    `errorThresholdPercentage ${b.errorThresholdPercentage}, volumeThreshold ${b.volumeThreshold}\n`,
);
try {
  // The system clock unrefs its timers; node:timers/promises keeps the process up while it waits.
  const result = await runScenario({ clock: systemClock, sleep: (ms) => delay(ms), service, log: console.log });
  const told = result.transitions.join(' → ');
  const expected = demoScript.expectedTransitions.join(' → ');
  if (told === expected) {
    console.log(`\nstory: closed → ${told}`);
  } else {
    console.log(`\nstory: closed → ${told}\nexpected: closed → ${expected} (the machine may be too busy for the timings)`);
    process.exitCode = 1;
  }
} finally {
  await service.close();
}
