/** The one cross-cutting concern every function shares: publish the invocation's metrics, whatever its outcome. */
import type middy from '@middy/core';
import type { Metrics } from './log.js';

export function publishMetrics<TEvent, TResult>(metrics: Metrics): middy.MiddlewareObj<TEvent, TResult> {
  const flush = async (): Promise<void> => {
    metrics.flush();
  };
  return { after: flush, onError: flush };
}
