import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { genericCurlExample, movedPortNotes, simulatorCurlExamples } from '../../../local/examples.js';

const printed = [
  ...genericCurlExample('http://127.0.0.1:8080', 'http://127.0.0.1:4500', '0000DEAD0000BEEF0000CAFE@AdobeOrg'),
  ...simulatorCurlExamples({
    ims: 'http://127.0.0.1:4500',
    aemProd: 'http://127.0.0.1:4502',
    campaign: 'http://127.0.0.1:4510',
    orgId: '0000DEAD0000BEEF0000CAFE@AdobeOrg',
    clientId: 'ims-sync-demo',
    clientSecret: 'demo-client-secret',
    aemPassword: 'demo-aem-password',
  }),
];
const documented = ['README.md', 'docs/simulator-ims.md', 'docs/webhooks.md'].flatMap((path) =>
  readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8').split('\n'),
);

describe('copy-paste examples', () => {
  it('end every curl command’s shown output with a newline, printed or documented (captured ones need none)', () => {
    const curls = [...printed, ...documented].filter((line) => line.startsWith('curl '));
    expect(curls.length).toBeGreaterThanOrEqual(10);
    for (const line of curls) expect(line).toContain(`-w '\\n'`);
    expect(printed.filter((line) => line.includes('$(curl')).every((line) => !line.includes('-w'))).toBe(true);
  });

  it('npm run sim says which usual port was taken and where the simulator went instead', () => {
    const notes = movedPortNotes([
      { name: 'IMS / UMAPI', usual: 4500, url: 'http://127.0.0.1:4500' },
      { name: 'AEM prod', usual: 4502, url: 'http://127.0.0.1:39123' },
    ]);
    expect(notes).toEqual(['AEM prod: port 4502 is taken (a running `npm start` or `npm run sim`? `npm run stop` stops the stack), so it listens on http://127.0.0.1:39123']);
  });
});
