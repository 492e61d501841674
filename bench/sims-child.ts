/**
 * The benchmark's simulator process (started by `spawnSims` in sims.ts): generates the org, starts
 * the simulators, prints one JSON line with the WorldSummary, and when its stdin closes stops them
 * and prints `{"maxRssBytes": n}`.
 */
import { startSimsHere, type SimsOptions } from './sims.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SimsOptions;
const sims = await startSimsHere(options);
process.stdout.write(`${JSON.stringify(sims.summary)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sims.stop().then(() => {
    process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
    process.exit(0);
  });
});
