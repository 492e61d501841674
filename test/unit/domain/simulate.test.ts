import { describe, expect, it } from 'vitest';
import { applySlice } from '../../../lib/domain/simulate.js';
import { actualOf, known } from './builders.js';

describe('applySlice', () => {
  const actual = actualOf(
    { 'aem-authors': known('AEM-Authors', ['a@x', 'b@x'], ['content-authors']), missing: { status: 'missing' }, lost: { status: 'unknown', reason: 'timeout' } },
    { 'a@x': 'ims', 'b@x': 'ims', 'c@x': 'ims' },
  );

  it('applies adds, removes and wiring to known groups (folded) without changing the input', () => {
    const after = applySlice(actual, {
      changes: [{ group: 'AEM-Authors', add: ['C@X'], remove: ['a@x'] }],
      wiring: [{ group: 'aem-authors', memberOf: ['Workflow-Users'] }],
      disable: [],
      enable: [],
    });
    const group = after.groups.get('aem-authors');
    expect(group?.status === 'known' && [...group.members].sort()).toEqual(['b@x', 'c@x']);
    expect(group?.status === 'known' && [...group.memberOf].sort()).toEqual(['content-authors', 'workflow-users']);
    const before = actual.groups.get('aem-authors');
    expect(before?.status === 'known' && [...before.members].sort()).toEqual(['a@x', 'b@x']);
  });

  it('leaves missing and unknown groups as they are', () => {
    const after = applySlice(actual, { changes: [{ group: 'missing', add: ['a@x'], remove: [] }, { group: 'lost', add: ['a@x'], remove: [] }], wiring: [], disable: [], enable: [] });
    expect(after.groups.get('missing')).toEqual({ status: 'missing' });
    expect(after.groups.get('lost')).toEqual({ status: 'unknown', reason: 'timeout' });
  });
});
