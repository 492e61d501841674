/** The replay door: invoked directly (CLI, console) with `{ dryRun?, max?, filter? }`; answers what it moved or would move. */
import type { Clock } from '../../lib/clock.js';
import type { Log, Metrics } from '../../lib/observability/log.js';
import type { DeadLetters } from '../../lib/sync/ports.js';
import { replayDeadLetters, type ReplayReport } from '../../lib/sync/replay.js';

export function createReplayHandler(deps: { deadLetters: DeadLetters; log: Log; metrics: Metrics; clock: Clock }) {
  return async (event: unknown): Promise<ReplayReport> => {
    return replayDeadLetters(event, { ...deps, replayId: `replay-${deps.clock.now()}` });
  };
}
