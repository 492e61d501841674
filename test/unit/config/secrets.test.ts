import { describe, expect, it } from 'vitest';
import { createSecretResolver } from '../../../lib/config/secrets.js';
import { ConfigError, NotFoundError, TargetUnavailableError } from '../../../lib/errors.js';

/** A lookup that answers when told to, and counts how often it was asked. */
function controlledLookup(): {
  lookup: (key: string) => Promise<string>;
  calls: string[];
  settle: (outcome: { value: string } | { error: unknown }) => void;
} {
  const calls: string[] = [];
  const pending: Array<{ resolve: (value: string) => void; reject: (error: unknown) => void }> = [];
  return {
    calls,
    lookup: (key) => {
      calls.push(key);
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
    settle: (outcome) => {
      for (const waiter of pending.splice(0)) {
        if ('value' in outcome) waiter.resolve(outcome.value);
        else waiter.reject(outcome.error);
      }
    },
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('createSecretResolver', () => {
  it('resolves env: references from the environment', async () => {
    const resolver = createSecretResolver({ env: { AEM_PASSWORD: 's3cret' } });

    await expect(resolver.resolve('env:AEM_PASSWORD')).resolves.toBe('s3cret');
  });

  it('resolves ssm: references through the injected lookup, with the parameter name', async () => {
    const asked: string[] = [];
    const resolver = createSecretResolver({
      env: {},
      ssm: async (name) => {
        asked.push(name);
        return 'from-ssm';
      },
    });

    await expect(resolver.resolve('ssm:/ims-sync/aem-password')).resolves.toBe('from-ssm');
    expect(asked).toEqual(['/ims-sync/aem-password']);
  });

  it('resolves secretsmanager: references with the ARN as the secret id', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:campaign-AbCdEf';
    const asked: string[] = [];
    const resolver = createSecretResolver({
      env: {},
      secretsManager: async (id) => {
        asked.push(id);
        return 'from-secrets-manager';
      },
    });

    await expect(resolver.resolve(`secretsmanager:${arn}`)).resolves.toBe('from-secrets-manager');
    expect(asked).toEqual([arn]);
  });

  it('looks each reference up once, and caches it', async () => {
    let calls = 0;
    const resolver = createSecretResolver({
      env: {},
      ssm: async () => {
        calls += 1;
        return `value-${calls}`;
      },
    });

    const first = await resolver.resolve('ssm:/a');
    const second = await resolver.resolve('ssm:/a');
    const other = await resolver.resolve('ssm:/b');

    expect([first, second, other]).toEqual(['value-1', 'value-1', 'value-2']);
    expect(calls).toBe(2);
  });

  it('lets concurrent callers share the one lookup in flight', async () => {
    const source = controlledLookup();
    const resolver = createSecretResolver({ env: {}, ssm: source.lookup });

    const both = Promise.all([resolver.resolve('ssm:/a'), resolver.resolve('ssm:/a')]);
    source.settle({ value: 'shared' });

    await expect(both).resolves.toEqual(['shared', 'shared']);
    expect(source.calls).toEqual(['/a']);
  });

  it('does not cache a failure: the next call looks up again', async () => {
    const source = controlledLookup();
    const resolver = createSecretResolver({ env: {}, ssm: source.lookup });

    const failed = resolver.resolve('ssm:/a');
    source.settle({ error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) });
    const error = await rejectionOf(failed);
    const retried = resolver.resolve('ssm:/a');
    source.settle({ value: 'later' });

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error instanceof Error ? error.message : '').toBe('secret ssm:/a: lookup failed (ThrottlingException)');
    await expect(retried).resolves.toBe('later');
    expect(source.calls).toEqual(['/a', '/a']);
  });

  it.each([
    [{ env: {} }, 'env:AEM_PASSWORD', 'secret env:AEM_PASSWORD: environment variable AEM_PASSWORD is not set or empty — set it on the function'],
    [{ env: { AEM_PASSWORD: '' } }, 'env:AEM_PASSWORD', 'secret env:AEM_PASSWORD: environment variable AEM_PASSWORD is not set or empty — set it on the function'],
    [{ env: {} }, 'ssm:/a', 'secret ssm:/a: no SSM client was given to the secret resolver'],
    [{ env: {} }, 'secretsmanager:x', 'secret secretsmanager:x: no Secrets Manager client was given to the secret resolver'],
    [
      { env: {}, ssm: () => Promise.reject(new NotFoundError('config', 'SSM GetParameter /a: parameter not found')) },
      'ssm:/a',
      'secret ssm:/a: does not exist — create it, or fix the reference',
    ],
    [{ env: {}, ssm: async () => '' }, 'ssm:/a', "secret ssm:/a: is empty — store the secret's value in it"],
  ])('explains a reference that cannot be resolved (%#: %s)', async (deps, ref, expected) => {
    const resolver = createSecretResolver(deps);

    const error = await rejectionOf(resolver.resolve(ref));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error instanceof ConfigError ? error.issues : undefined).toEqual([expected]);
  });

  it('never puts a value in an error: not a pasted secret, not what a failing lookup said', async () => {
    const resolver = createSecretResolver({
      env: { LEAKY: 'hunter2' },
      ssm: () => Promise.reject(new Error('value hunter2 was rejected')),
    });

    const pasted = await rejectionOf(resolver.resolve('hunter2'));
    const failed = await rejectionOf(resolver.resolve('ssm:/leaky'));

    expect(pasted).toBeInstanceOf(ConfigError);
    expect(failed).toBeInstanceOf(TargetUnavailableError);
    for (const error of [pasted, failed]) {
      expect(error instanceof Error ? error.message : 'not an error').not.toContain('hunter2');
    }
  });
});

describe('secret rotation', () => {
  it('reads a reference again once its value is older than the maximum age, so a rotated secret is picked up', async () => {
    let now = 0;
    const env: Record<string, string> = { AEM_PASSWORD: 'old' };
    const resolver = createSecretResolver({ env, now: () => now, maxAgeMs: 1000 });
    expect(await resolver.resolve('env:AEM_PASSWORD')).toBe('old');
    env['AEM_PASSWORD'] = 'new';
    now = 999;
    expect(await resolver.resolve('env:AEM_PASSWORD')).toBe('old');
    now = 1000;
    expect(await resolver.resolve('env:AEM_PASSWORD')).toBe('new');
  });
});
