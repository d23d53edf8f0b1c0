/** Conformance of `runnel simulate` (test/conformance/harness.ts says how a scenario is laid out and run), on two stores. */
import { describe, expect, it } from 'vitest';
import { defineScenarios, embeddedStore, promisedStore, scenarios } from './harness.js';

describe('simulate conformance (embedded store, as the CLI runs)', () => {
  defineScenarios(embeddedStore);

  it('has at least 40 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });
});

describe('simulate conformance (a store answering with promises: the engine driven asynchronously)', () => {
  defineScenarios(promisedStore);
});
