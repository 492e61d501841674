import { describe, expect, it } from 'vitest';
import { renderPlanBody } from '../../../lib/cli/render-plan.js';
import type { TargetPlan } from '../../../lib/domain/plan-types.js';
import { planWith } from '../domain/builders.js';

const plan = (untouched: TargetPlan['untouched']): TargetPlan => planWith({ untouched });

describe('ims-sync plan: what the sync leaves alone', () => {
  it('lists local identities, local groups matching a managed name, and users someone else disabled, each under its own note', () => {
    const text = renderPlanBody(
      plan([
        { reason: 'local-identity', key: 'admin', group: 'AEM-Authors' },
        { reason: 'local-group', group: 'AEM-Local-Team' },
        { reason: 'local-group', group: 'AEM-Ops' },
        { reason: 'disabled-by-other', key: 'li@acme.com' },
      ]),
    );

    expect(text).toContain('Left alone (local identities in managed groups):');
    expect(text).toMatch(/admin\s+AEM-Authors/);
    expect(text).toContain('Not IMS groups in this target, never written (local groups matching a managed name or pattern): AEM-Local-Team, AEM-Ops');
    expect(text).toContain('Disabled by someone else, not re-enabled although they have access: li@acme.com');
  });

  it('prints none of these notes when nothing was left alone', () => {
    expect(renderPlanBody(plan([]))).toBe('  No membership changes.');
  });
});
