/** Every benchmark scenario, in the order `--all` runs them. See docs/benchmarks.md. */
import { burstScenario } from './burst.js';
import { coldstartScenario } from './coldstart.js';
import { reconcileScenario } from './reconcile.js';
import { revocationScenario } from './revocation.js';
import { webhookScenario } from './webhook.js';
import { workerScenario } from './worker.js';
import type { Scenario } from './types.js';

export const SCENARIOS: readonly Scenario[] = [revocationScenario, webhookScenario, workerScenario, burstScenario, reconcileScenario, coldstartScenario];
