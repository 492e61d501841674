/** What the read and write halves of the AEM adapter share: one client, one home cache, the limits. */
import type { AemTarget } from '../../config/schema.js';
import type { AemClient } from './client.js';
import type { Directory } from './lookup.js';

export interface MemberListLimits {
  /** First `ml` asked for when reading a group. */
  readonly initial: number;
  /** Highest `ml` tried before a still-cut group is reported unknown. */
  readonly max: number;
}

export interface AemContext {
  readonly client: AemClient;
  readonly directory: Directory;
  readonly config: AemTarget;
  readonly memberList: MemberListLimits;
}
