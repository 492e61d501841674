/**
 * What in an AEM instance belongs to the sync, and so what it may write:
 * - only IMS groups, those AEM's login sync created (`rep:externalId` ending in `;ims`,
 *   contracts/aem.md §1, §6). A local group that happens to match a managed name or pattern is
 *   never written: AEM's own login sync leaves such groups alone too.
 * - only its own disabling. Oak keeps the reason given to `User.disable(reason)` as the value of
 *   `rep:disabled` (apache/jackrabbit-oak `UserImpl.disable` / `getDisabledReason`); the Granite
 *   form field `disableUser=<reason>` disables with that reason and `disableUser=` re-enables
 *   (contracts/aem.md §5). The sync disables with its own reason text, and re-enables only users
 *   whose `rep:disabled` still says exactly that: a user an administrator disabled is never re-enabled.
 */
import type { DisabledBy } from '../../domain/state.js';
import { SyncError } from '../../errors.js';

/** The value of `rep:disabled` on users the sync disabled. Changing it orphans earlier disablings: never change it. */
export const DISABLE_REASON = 'Access revoked in Adobe IMS (ims-group-sync)';

/** Who disabled a user, from its `rep:disabled` value; undefined when the user is enabled. */
export const disabledBy = (reason: string | undefined): DisabledBy | undefined =>
  reason === undefined ? undefined : reason === DISABLE_REASON ? 'sync' : 'other';

/** A write refused because it would touch what the sync must leave alone. Not worth retrying. */
export class LeftAloneError extends SyncError {
  readonly code = 'LEFT_ALONE';
  readonly retryable = false;
}
