/**
 * The other side of a worker benchmark, in its own process so that the worker's process CPU time is
 * the worker's alone: the DynamoDB and SQS emulators and the simulators of a generated org (no UMAPI
 * limits in the simulator; the runtime's own limiter still paces UMAPI). Prints one JSON line
 * `{ summary, env }`; when its stdin closes it stops everything and exits.
 */
import { startEmulators } from '../../local/emulators.js';
import { startSimsHere, type SimsOptions } from '../sims.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SimsOptions;
const emulators = await startEmulators();
const sims = await startSimsHere(options);
process.stdout.write(`${JSON.stringify({ summary: sims.summary, env: emulators.env })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all([sims.stop(), emulators.stop()]).then(() => process.exit(0));
});
