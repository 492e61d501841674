/**
 * `npm start`: the whole system on this machine (see docs/local-stack.md).
 *
 *   npm start                 stack on friendly ports, banner, live summary; Ctrl-C stops everything
 *   npm start -- --persist    keep DynamoDB on disk in .local-state/ between runs
 *   npm start -- --demo       run the scripted demo against a fresh stack and exit with its verdict
 *   npm run demo              the same as --demo
 *   npm run stop              stop a stack running in the background (local/stop.ts)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

// The AWS SDK warns on every run under Node 20 that its 2027 releases need Node 22; this package
// supports Node >= 20.19 (package.json engines), so the console stays for what matters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runDemo } = await import('./demo.js');
const { FRIENDLY_PORTS, startStack } = await import('./stack.js');
const { box, exportLines, summaryLine, summaryTable } = await import('./summary.js');
const { genericCurlExample } = await import('./examples.js');
const { DEMO_ORG_ID } = await import('./fixtures/demo-org.js');
const { launchers, watchLaunchers } = await import('./lifetime.js');
const { LOCAL_STACK_PID } = await import('../lib/cli/env.js');
const { stackEnvPath, stateDir } = await import('./state-dir.js');
const { countRuns, RUN_RECORDS_READ } = await import('../lib/cli/status.js');

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((a) => !['--demo', '--persist'].includes(a));
if (unknown.length > 0) {
  console.error(`unknown option(s) ${unknown.join(', ')}; use --persist or --demo`);
  process.exit(2);
}

if (args.has('--demo')) {
  const result = await runDemo();
  process.exit(result.ok ? 0 : 1);
}

// Found now, while they all run: a wrapper killed during start-up is noticed as soon as the stack is up.
const launchedBy = launchers();

const SCHEDULE_EVERY_MS = 5 * 60_000;
const REFRESH_MS = 2000;
const PLAIN_EVERY_MS = 15_000;
const tty = process.stdout.isTTY === true;

/** On a TTY the summary table stays at the bottom; log lines scroll above it. */
let statusLines: string[] = [];
const clearStatus = (): void => {
  if (tty && statusLines.length > 0) process.stdout.write(`\x1b[${statusLines.length}F\x1b[J`);
};
const drawStatus = (): void => {
  if (tty && statusLines.length > 0) process.stdout.write(`${statusLines.join('\n')}\n`);
};
const printLog = (line: string): void => {
  clearStatus();
  process.stdout.write(`${line}\n`);
  drawStatus();
};

const STATE_DIR = stateDir();
/** The CLI reads this by default (lib/cli/env.ts, LOCAL_STACK_ENV), so `ims-sync` talks to this stack. */
const ENV_FILE = stackEnvPath();

let persistDir: string | undefined;
if (args.has('--persist')) {
  persistDir = `${STATE_DIR}/dynamodb`;
  mkdirSync(persistDir, { recursive: true });
}

console.log('Starting the local stack…');
const stack = await startStack({
  port: FRIENDLY_PORTS.webhook,
  friendlyPorts: true,
  scheduleEveryMs: SCHEDULE_EVERY_MS,
  scheduleAtStart: true,
  ...(persistDir ? { persistDir } : {}),
  log: printLog,
});

const { urls } = stack;
console.log(
  box('ims-group-sync local stack', [
    `webhook door   ${urls.webhook}/webhooks/generic  ·  ${urls.webhook}/webhooks/adobe-io`,
    `IMS / UMAPI    ${urls.ims}   (change the org: POST ${urls.ims}/__ims/org)`,
    `AEM prod       ${urls.aemProd}   AEM stage ${urls.aemStage}`,
    `Campaign       ${urls.campaign}`,
    `I/O Events     ${urls.ioKeys}   key host (IO_KEY_HOST): this stack's own signing keys`,
    `SQS            ${urls.sqs}   DynamoDB ${urls.dynamodb}${persistDir ? ' (on disk, .local-state/)' : ' (in memory)'}`,
    `schedule       now, then every ${SCHEDULE_EVERY_MS / 60_000} min   ·   simulator state: GET <url>/__sim/state`,
  ]),
);
console.log(`\n# The CLI (bin/ims-sync.js) reads .local-state/stack.env by default. For other tools, paste:`);
for (const line of exportLines(stack.env)) console.log(line);
console.log('\n# Try it: a signed generic webhook');
for (const line of genericCurlExample(urls.webhook, urls.ims, DEMO_ORG_ID)) console.log(line);
console.log(`\nCtrl-C stops everything. In the background: \`npm run stop\` (or SIGTERM to the command you started). Stack pid ${process.pid}.\n`);

async function dlqDepth(): Promise<number | 'unknown'> {
  try {
    const depth = await stack.deadLetters.depth();
    return depth.deadLetter.visible + depth.deadLetter.inFlight;
  } catch {
    return 'unknown';
  }
}

/** As `ims-sync status` counts them, from the run records (a run started by the CLI counts too). */
async function runCount(): Promise<number | 'unknown'> {
  try {
    return countRuns(await stack.runtime.stores.runs.list(RUN_RECORDS_READ));
  } catch {
    return 'unknown';
  }
}

let lastPlain = '';
const refresh = async (): Promise<void> => {
  const stats = stack.stats();
  const counts = { dlqDepth: await dlqDepth(), runs: await runCount() };
  if (tty) {
    clearStatus();
    statusLines = ['─'.repeat(72), ...summaryTable(stats, counts)];
    drawStatus();
    return;
  }
  const line = summaryLine(stats, counts);
  if (line !== lastPlain) console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  lastPlain = line;
};
const timer = setInterval(() => void refresh(), tty ? REFRESH_MS : PLAIN_EVERY_MS);
void refresh();

let envText: string | undefined;
/** Only our own file: another stack started since may have written its own. */
function removeEnvFile(): void {
  try {
    if (envText !== undefined && readFileSync(ENV_FILE, 'utf8') === envText) rmSync(ENV_FILE);
  } catch {
    // Already gone.
  }
}
// However the process ends (an uncaught error, process.exit), the file goes with it.
process.on('exit', removeEnvFile);

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) {
    // A second Ctrl-C: the operator does not want to wait for a clean stop.
    console.log(`${signal} again: leaving at once.`);
    process.exit(130);
  }
  stopping = true;
  stopWatching();
  clearInterval(timer);
  clearStatus();
  statusLines = [];
  console.log(`\n${signal}: stopping the local stack…`);
  removeEnvFile();
  try {
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  } catch (error) {
    console.error(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));
// A signal to npm or npx does not always reach this process: it stops when its launcher is gone.
const stopWatching = watchLaunchers(launchedBy, (gone) => void shutdown(`${gone.command} (pid ${gone.pid}) has exited`));

// Written last, once every way of stopping is in place: whoever sees the file can stop the stack.
mkdirSync(STATE_DIR, { recursive: true });
// The pid lets the CLI tell a stale file (a stack killed outright) and `npm run stop` find this process.
envText = `# written by \`npm start\` (local/start.ts) for the CLI; removed when the stack stops\n${Object.entries({ ...stack.env, [LOCAL_STACK_PID]: String(process.pid) })
  .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
  .join('\n')}\n`;
writeFileSync(ENV_FILE, envText, { mode: 0o600 });
