/** Recording Log and Metrics, for tests and the local stack's live summary. */
import type { DurationName, Log, LogAttributes, MetricName, Metrics } from './log.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes: LogAttributes;
}

export function createMemoryLog(echo?: (line: LogLine) => void): Log & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  let keys: LogAttributes = {};
  const write = (level: LogLine['level']) => (message: string, attributes: LogAttributes = {}) => {
    const line = { level, message, attributes: { ...keys, ...attributes } };
    lines.push(line);
    echo?.(line);
  };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    appendKeys: (attributes) => {
      keys = { ...keys, ...attributes };
    },
    removeKeys: (names) => {
      keys = Object.fromEntries(Object.entries(keys).filter(([key]) => !names.includes(key)));
    },
  };
}

export interface CountedMetric {
  name: MetricName;
  value: number;
  dimensions: Record<string, string>;
}

export interface TimedMetric {
  name: DurationName;
  ms: number;
  dimensions: Record<string, string>;
}

export function createMemoryMetrics(): Metrics & {
  counted: CountedMetric[];
  timed: TimedMetric[];
  total(name: MetricName, dimensions?: Record<string, string>): number;
} {
  const counted: CountedMetric[] = [];
  const timed: TimedMetric[] = [];
  return {
    counted,
    timed,
    count: (name, value = 1, dimensions = {}) => {
      counted.push({ name, value, dimensions });
    },
    milliseconds: (name, ms, dimensions = {}) => {
      timed.push({ name, ms, dimensions });
    },
    flush: () => undefined,
    total: (name, dimensions = {}) =>
      counted
        .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
        .reduce((sum, m) => sum + m.value, 0),
  };
}
