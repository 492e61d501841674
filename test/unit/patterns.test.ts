import { describe, expect, it } from 'vitest';
import { captureInternalName, compileWholeName, countCaptureGroups } from '../../lib/domain/patterns.js';

describe('countCaptureGroups', () => {
  it.each([
    ['Campaign - acme - (.*)', 1],
    ['Campaign - acme - .*', 0],
    ['Campaign - (acme) - (.*)', 2],
    ['Campaign - acme - (?:x|y)(.*)', 1],
    ['Campaign - acme - (?<name>.*)', 1],
    ['Campaign - acme - (?=a)(.*)', 1],
    ['Campaign - acme - (?<!a)(.*)', 1],
    ['Campaign \\(acme\\) - (.*)', 1],
    ['Campaign [(] - (.*)', 1],
  ])('%s has %i capture group(s)', (source, expected) => {
    expect(countCaptureGroups(source)).toBe(expected);
  });
});

describe('captureInternalName', () => {
  const mask = compileWholeName('Campaign - acme-prod - (.*)');

  it.each([
    ['Campaign - acme-prod - delivery', 'delivery'],
    ['campaign - ACME-PROD - Delivery', 'Delivery'],
    ['Campaign - acme-prod - ', undefined],
    ['Campaign - acme-stage - delivery', undefined],
    ['xCampaign - acme-prod - delivery', undefined],
    ['AEM-Authors', undefined],
  ])('%s → %s', (profile, expected) => {
    expect(captureInternalName(mask, profile)).toBe(expected);
  });
});
