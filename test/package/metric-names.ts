/**
 * Metric names, read from the code and from dashboard or alarm text, so the package test checks
 * the template against what the code really emits (a renamed metric fails it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every name passed literally to `metrics.count('…'` or `metrics.milliseconds('…'` in lib/ and functions/. */
export function emittedMetricNames(project: string): Set<string> {
  const names = new Set<string>();
  for (const file of [...sourceFiles(join(project, 'lib')), ...sourceFiles(join(project, 'functions'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/metrics\.(?:count|milliseconds)\(\s*'([A-Za-z]+)'/g)) {
      if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return names;
}

/** Application metric names a dashboard body or alarm names: in Metrics Insights `FUNC(Name) FROM <ns>` and in `["<ns>","Name"` arrays. */
export function applicationMetricsIn(text: string, namespace: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(new RegExp(`\\((\\w+)\\) FROM ${namespace}\\b`, 'g'))) if (match[1] !== undefined) names.add(match[1]);
  for (const match of text.matchAll(new RegExp(`\\\\?"${namespace}\\\\?",\\s*\\\\?"(\\w+)\\\\?"`, 'g'))) if (match[1] !== undefined) names.add(match[1]);
  return names;
}
