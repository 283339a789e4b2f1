/**
 * Test-only switches that break one of Raft's safety rules, so that the simulator's planted-bug
 * tests can show its checks fail (`testing/simulator/planted-bugs.test.ts`). Internal: not
 * exported from the package, and nothing outside the simulator sets them. Every flag is off
 * unless a simulation run turns it on for its own duration (runs are synchronous).
 */
export const plantedBugs: { commitPreviousTerm: boolean } = { commitPreviousTerm: false };
