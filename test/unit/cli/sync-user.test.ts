import { describe, expect, it } from 'vitest';
import { cli, cliWorld } from './harness.js';

describe('ims-sync sync-user', () => {
  it('shows the plan per target, applies it in-process (not through the queue) and shows the result; exit 2', async () => {
    const world = cliWorld();
    const { code, stdout, stderr } = await cli(['sync-user', 'li@acme.com'], world);

    expect(stderr).toBe('');
    expect(code).toBe(2);
    expect(stdout).toMatch(/^li@acme\.com — federatedID, active; IMS groups: AEM-Authors/);
    expect(stdout).toMatch(/Plan:[\s\S]*acme-stage-author — 1 add, 0 removes[\s\S]*add +AEM-Authors +li@acme\.com[\s\S]*acme-campaign — nothing to change/);
    expect(stdout).toMatch(/Result:[\s\S]*acme-prod-author +applied +1[\s\S]*acme-campaign +in sync +0/);
    expect(world.target('acme-stage-author').members('AEM-Authors')).toContain('li@acme.com');
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect(world.queue.sent).toEqual([]);
    expect(world.umapi.calls['getUser']).toBe(1);
  });

  it('records the work as the CLI’s, in the audit trail', async () => {
    const world = cliWorld();
    await cli(['sync-user', 'li@acme.com'], world);
    // Targets are worked on concurrently: the trail's order across targets is not fixed.
    expect(world.stores.audit.entries.map((e) => [e.targetId, e.op, e.group, e.member, e.outcome]).sort()).toEqual([
      ['acme-prod-author', 'remove', 'AEM-DAM-Users', 'li@acme.com', 'applied'],
      ['acme-stage-author', 'add', 'AEM-Authors', 'li@acme.com', 'applied'],
    ]);
    expect(world.stores.audit.entries[0]?.cause).toMatch(/^event cli-\d+$/);
  });

  it('exits 0 with nothing to change once the user is in sync', async () => {
    const world = cliWorld();
    await cli(['sync-user', 'li@acme.com'], world);
    const { code, stdout } = await cli(['sync-user', 'li@acme.com'], world);
    expect(code).toBe(0);
    expect(stdout).toMatch(/acme-stage-author — nothing to change/);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    const world = cliWorld();
    const { code, stdout } = await cli(['sync-user', 'sam@acme.com', '--dry-run'], world);
    expect(code).toBe(2);
    expect(stdout).toContain('sam@acme.com is not in the org (UMAPI has no such user): every managed membership is removed.');
    expect(stdout).toMatch(/remove +delivery +sam@acme\.com/);
    expect(stdout).toContain('Dry run: nothing was changed.');
    for (const id of ['acme-prod-author', 'acme-stage-author', 'acme-campaign']) expect(world.target(id).applyCalls).toEqual([]);
    expect(world.stores.audit.entries).toEqual([]);
    expect(world.stores.idempotency.claims.size).toBe(0);
  });

  it('prints user, plan and result as JSON', async () => {
    const world = cliWorld();
    const { stdout } = await cli(['sync-user', 'LI@acme.com', '--json'], world);
    const parsed = JSON.parse(stdout) as { user: { email: string }; plan: { targetId: string; status: string }[]; result: { targets: { targetId: string; status: string; applied: number }[]; failures: unknown[] } };
    expect(parsed.user.email).toBe('li@acme.com');
    expect(parsed.plan.map((p) => [p.targetId, p.status])).toEqual([
      ['acme-prod-author', 'planned'],
      ['acme-stage-author', 'planned'],
      ['acme-campaign', 'nothing-to-do'],
    ]);
    // `applied` only where something was: never "applied" with 0 applied.
    expect(parsed.result.targets.map((t) => [t.status, t.applied])).toEqual([['applied', 1], ['applied', 1], ['nothing-to-do', 0]]);
    expect(parsed.result.failures).toEqual([]);
  });

  it('exits 1 and names the target that failed; the others are applied', async () => {
    const world = cliWorld();
    world.target('acme-stage-author').down = true;
    const { code, stdout, stderr } = await cli(['sync-user', 'li@acme.com'], world);
    expect(code).toBe(1);
    expect(stdout).toMatch(/acme-stage-author +failed/);
    expect(stderr).toMatch(/^ims-sync sync-user: acme-stage-author failed: .*acme-stage-author is down/);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('li@acme.com');
  });

  it('fails with one line when UMAPI throttles', async () => {
    const world = cliWorld();
    world.umapi.failure = 'throttled';
    const { code, stderr } = await cli(['sync-user', 'li@acme.com'], world);
    expect(code).toBe(1);
    expect(stderr).toBe('ims-sync sync-user failed: umapi throttled the request; retry in 30 s — the shared budget is spent; try again in 30 s\n');
  });

  it('refuses an email that is neither in the org nor in any target (a typo): exit 1, nothing changed', async () => {
    const world = cliWorld();
    const { code, stdout, stderr } = await cli(['sync-user', 'li@acme.con'], world);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'ims-sync sync-user failed: li@acme.con is neither in the org (UMAPI has no such user) nor in a managed group of any target — check the spelling (`ims-sync audit li@acme.con` shows what the sync ever did for it); nothing was changed\n',
    );
    for (const id of ['acme-prod-author', 'acme-stage-author', 'acme-campaign']) expect(world.target(id).applyCalls).toEqual([]);
    expect(world.stores.audit.entries).toEqual([]);
  });

  it('keeps the removal wording for a user who left the org but still holds managed groups', async () => {
    const world = cliWorld();
    const { code, stdout } = await cli(['sync-user', 'sam@acme.com'], world);

    expect(code).toBe(2);
    expect(stdout).toContain('sam@acme.com is not in the org (UMAPI has no such user): every managed membership is removed.');
    expect(world.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
  });
});
