/**
 * UMAPI's per-client limits (contracts/ims-and-umapi.md §4), as a sliding one-minute window over
 * the simulator's clock: a request is admitted while fewer than the limit were admitted in the
 * last 60 s; otherwise it is told how many seconds until the oldest one leaves the window.
 */
export type UmapiFamily = 'users' | 'groups';

export interface SimLimits {
  usersPerMinute: number;
  groupsPerMinute: number;
}

export const UMAPI_PER_CLIENT_LIMITS: SimLimits = { usersPerMinute: 25, groupsPerMinute: 5 };

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export interface WindowLimiter {
  admit(clientId: string, family: UmapiFamily): Admission;
  reset(): void;
}

const WINDOW_MS = 60_000;

export function createWindowLimiter(limits: SimLimits | false, now: () => number): WindowLimiter {
  const admitted = new Map<string, number[]>();
  return {
    admit: (clientId, family) => {
      if (limits === false) return { admitted: true };
      const limit = family === 'users' ? limits.usersPerMinute : limits.groupsPerMinute;
      const key = `${clientId}\u0000${family}`;
      const at = now();
      const recent = (admitted.get(key) ?? []).filter((t) => t > at - WINDOW_MS);
      admitted.set(key, recent);
      const oldest = recent[0];
      if (recent.length >= limit && oldest !== undefined) {
        return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - at) / 1000)) };
      }
      recent.push(at);
      return { admitted: true };
    },
    reset: () => admitted.clear(),
  };
}
