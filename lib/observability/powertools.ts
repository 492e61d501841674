/** Log and Metrics over Powertools for AWS Lambda: structured JSON logs, EMF metrics. Built once per cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log, Metrics } from './log.js';

export function createPowertools(serviceName: string): { log: Log; metrics: Metrics; logger: Logger; powertoolsMetrics: PowertoolsMetrics } {
  const logger = new Logger({ serviceName });
  const powertoolsMetrics = new PowertoolsMetrics({ serviceName, namespace: 'ImsGroupSync' });
  const log: Log = {
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
    appendKeys: (attributes) => logger.appendKeys(attributes),
    removeKeys: (keys) => logger.removeKeys(keys),
  };
  // Powertools warns when asked to publish nothing; an invocation that counted nothing publishes nothing.
  let pending = false;
  const metrics: Metrics = {
    count: (name, value = 1, dimensions) => {
      if (dimensions && Object.keys(dimensions).length > 0) {
        const single = powertoolsMetrics.singleMetric();
        for (const [key, dimValue] of Object.entries(dimensions)) single.addDimension(key, dimValue);
        single.addMetric(name, MetricUnit.Count, value);
      } else {
        powertoolsMetrics.addMetric(name, MetricUnit.Count, value);
        pending = true;
      }
    },
    milliseconds: (name, ms, dimensions = {}) => {
      // Always a single metric: percentiles are read per target, and nothing waits for a flush.
      const single = powertoolsMetrics.singleMetric();
      for (const [key, dimValue] of Object.entries(dimensions)) single.addDimension(key, dimValue);
      single.addMetric(name, MetricUnit.Milliseconds, ms);
    },
    flush: () => {
      if (!pending) return;
      pending = false;
      powertoolsMetrics.publishStoredMetrics();
    },
  };
  return { log, metrics, logger, powertoolsMetrics };
}
