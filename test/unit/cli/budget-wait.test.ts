import { describe, expect, it } from 'vitest';
import type { RuntimeFactory } from '../../../lib/cli/connect.js';
import { cli, cliWorld } from './harness.js';

/** The demo runtime, whose UMAPI reads each first wait 9 s for the shared budget, as the real limiter tells it. */
function waitingWorld() {
  const world = cliWorld();
  const factory: RuntimeFactory = async (env, observers) => {
    const runtime = await world.factory(env, observers);
    const { umapi } = runtime.sync;
    const wait = () => observers.onBudgetWait?.({ family: 'users', waitMs: 9_000, perMinute: 25 });
    return {
      ...runtime,
      sync: {
        ...runtime.sync,
        umapi: {
          ...umapi,
          getUser: (email) => (wait(), umapi.getUser(email)),
          listUsers: (options) => (wait(), umapi.listUsers(options)),
        },
      },
    };
  };
  return { ...world, factory };
}

describe('waiting for the shared UMAPI budget', () => {
  it.each([['sync-user', 'li@acme.com'], ['plan'], ['reconcile']])('%s shows on a terminal what it waits for and how long', async (...argv) => {
    const { stderr } = await cli(argv, waitingWorld(), { isTTY: true });
    expect(stderr).toContain("Waiting 9 s for the shared UMAPI budget (25 user reads a minute, shared with the sync's functions)");
  });

  it('shows nothing extra with --json, or when stderr is not a terminal', async () => {
    expect((await cli(['plan', '--json'], waitingWorld(), { isTTY: true })).stderr).not.toContain('Waiting');
    expect((await cli(['sync-user', 'li@acme.com'], waitingWorld(), { isTTY: false })).stderr).toBe('');
  });
});
