/**
 * Move dead-letter messages back into the flow, filtered, dry-run first. SQS's own redrive moves
 * everything; this reads, filters, sends back and deletes, and leaves what does not match in place.
 */
import { WorkMessage } from '../domain/messages.js';
import { ValidationError } from '../errors.js';
import type { Log, Metrics } from '../observability/log.js';
import type { DeadLetter, DeadLetters } from './ports.js';
import { z } from 'zod';

export const ReplayRequest = z
  .object({
    dryRun: z.boolean().default(true),
    max: z.number().int().min(1).max(10_000).default(100),
    filter: z
      .object({
        kind: z.enum(['delta', 'hint', 'reconcile']).optional(),
        user: z.string().min(1).optional(),
        target: z.string().min(1).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type ReplayRequest = z.input<typeof ReplayRequest>;

export interface ReplayedMessage {
  readonly messageId: string;
  readonly kind: string;
  readonly summary: string;
}

export interface ReplayReport {
  readonly dryRun: boolean;
  /** Moved back to the queue, or that would be with dryRun. */
  readonly matched: readonly ReplayedMessage[];
  readonly keptCount: number;
  /** Bodies that are not work messages at all: kept for a person to look at, with why they were parked. */
  /** Not work messages: never replayed. `sentAs` is the id the message had in the work queue, when known. */
  readonly unreadable: readonly { readonly messageId: string; readonly sentAs?: string; readonly reason?: string }[];
  /**
   * Message groups this run held while it looked (a FIFO queue then holds back their later messages):
   * more may wait behind them. A dry run holds every group it saw; with --apply, only kept ones.
   */
  readonly heldGroups: number;
}

export function parseReplayRequest(input: unknown): z.infer<typeof ReplayRequest> {
  const parsed = ReplayRequest.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`replay ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'} — e.g. {"dryRun":true,"max":10,"filter":{"kind":"delta"}}`);
  }
  return parsed.data;
}

export async function replayDeadLetters(
  input: unknown,
  deps: { deadLetters: DeadLetters; log: Log; metrics: Metrics; replayId: string },
): Promise<ReplayReport> {
  const request = parseReplayRequest(input);
  const matched: DeadLetter[] = [];
  const summaries: ReplayedMessage[] = [];
  const kept: DeadLetter[] = [];
  const unreadable: { messageId: string; sentAs?: string; reason?: string }[] = [];
  const seen = new Set<string>();

  // Received messages stay hidden until released, so each round brings new ones; stop when none come.
  // With --apply each round's matches are moved at once: in a FIFO dead-letter queue a received
  // message holds back the later ones of its group, and deleting it lets them come next round.
  while (matched.length + kept.length < request.max) {
    const batch = (await deps.deadLetters.receive(Math.min(10, request.max - matched.length - kept.length))).filter((m) => !seen.has(m.messageId));
    if (batch.length === 0) break;
    const round: DeadLetter[] = [];
    for (const letter of batch) {
      seen.add(letter.messageId);
      const message = parseLetter(letter);
      if (message === undefined) {
        unreadable.push({ messageId: letter.messageId, ...(letter.parkedFrom ? { sentAs: letter.parkedFrom } : {}), ...(letter.reason ? { reason: letter.reason } : {}) });
        kept.push(letter);
      } else if (matches(message, request.filter)) {
        matched.push(letter);
        round.push(letter);
        summaries.push({ messageId: letter.messageId, kind: message.kind, summary: describe(message) });
      } else {
        kept.push(letter);
      }
    }
    if (!request.dryRun && round.length > 0) {
      await deps.deadLetters.sendBack(round, deps.replayId);
      await deps.deadLetters.delete(round.map((m) => m.receiptHandle));
      deps.metrics.count('DeadLetterMoves', round.length);
    }
  }
  if (!request.dryRun && matched.length > 0) deps.log.info('dead letters replayed', { count: matched.length });

  const held = request.dryRun ? [...matched, ...kept] : kept;
  if (held.length > 0) await deps.deadLetters.release(held.map((m) => m.receiptHandle));
  return {
    dryRun: request.dryRun,
    matched: summaries,
    keptCount: kept.length,
    unreadable,
    heldGroups: new Set(held.map((m) => m.messageGroupId ?? m.messageId)).size,
  };
}

function parseLetter(letter: DeadLetter): WorkMessage | undefined {
  try {
    const parsed = WorkMessage.safeParse(JSON.parse(letter.body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

type Filter = z.infer<typeof ReplayRequest>['filter'];

function matches(message: WorkMessage, filter: Filter): boolean {
  if (filter.kind !== undefined && message.kind !== filter.kind) return false;
  if (filter.user !== undefined) {
    const wanted = filter.user.toLowerCase();
    const users =
      message.kind === 'reconcile'
        ? message.slice.changes.flatMap((c) => [...c.add, ...c.remove]).concat(message.slice.disable, message.slice.enable)
        : message.user
          ? [message.user.email.toLowerCase()]
          : [];
    if (!users.some((u) => u.toLowerCase() === wanted)) return false;
  }
  // Deltas and hints concern every target; only reconciliation slices belong to one.
  if (filter.target !== undefined && message.kind === 'reconcile' && message.targetId !== filter.target) return false;
  const at = Date.parse(message.occurredAt);
  if (filter.from !== undefined && at < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && at > Date.parse(filter.to)) return false;
  return true;
}

function describe(message: WorkMessage): string {
  switch (message.kind) {
    case 'delta':
      return `${message.change} ${message.user.email}${message.group ? ` ${message.group}` : ''} at ${message.occurredAt}`;
    case 'hint':
      return `re-check ${message.user?.email ?? `group ${message.group ?? ''}`} (${message.reason})`;
    case 'reconcile':
      return `run ${message.runId} ${message.targetId}: ${message.slice.changes.map((c) => `${c.group} +${c.add.length}/-${c.remove.length}`).join(', ') || 'wiring/disable'}`;
  }
}
