import { expect, test } from '@playwright/test';
import createClient from 'openapi-fetch';
// Written by tests/api-clients.spec.ts from /v1/openapi.json before this runs
// (and type-checked against it with tsconfig.json beside this file).
import type { components, paths } from './generated/v1';

type ErrorEnvelope = components['schemas']['ErrorEnvelope'];

/**
 * The document's paths and one it does not have, which answers the error
 * envelope like every unknown path: the client must read that 404 too.
 */
type PathsAndAnUnknownOne = paths & {
  '/v1/no-such-thing': {
    get: {
      parameters: {};
      responses: { 404: { content: { 'application/json': ErrorEnvelope } } };
    };
  };
};

/** A client of the generated types authenticating with `key`. */
function clientWith(baseUrl: string, key: string) {
  return createClient<PathsAndAnUnknownOne>({ baseUrl, headers: { 'X-API-Key': key } });
}

/**
 * An API key's whole lifecycle through openapi-fetch typed by
 * openapi-typescript, starting from a subscriber's full-access key.
 */
export async function keyLifecycle(baseUrl: string, fullKey: string) {
  const full = clientWith(baseUrl, fullKey);

  await test.step('1. the full key reads its owner', async () => {
    const { data, response } = await full.GET('/v1/users/me');
    expect(response.status).toBe(200);
    expect(data?.id).toBeTruthy();
  });

  const reader = await test.step('2. a read-only key is made', async () => {
    const { data, response } = await full.POST('/v1/api-keys', {
      body: { name: 'typescript client', permissions: 'read_only', expires_in_days: 30 },
    });
    expect(response.status).toBe(201);
    expect(data!.key).toMatch(/^tp_live_sk_/);
    return data!;
  });
  const readerPath = { params: { path: { id: reader.id } } };

  await test.step('3. the read-only key may not make a key', async () => {
    const { error, response } = await clientWith(baseUrl, reader.key).POST('/v1/api-keys', {
      body: { name: 'refused' },
    });
    expect(response.status).toBe(403);
    expect(error?.error.details.reason).toBe('missing_permission');
  });

  const rolled = await test.step('4. the full key rolls it with an hour\'s grace', async () => {
    const { data, response } = await full.POST('/v1/api-keys/{id}/roll', {
      ...readerPath,
      body: { grace_period_seconds: 3600 },
    });
    expect(response.status).toBe(201);
    expect(data!.key).not.toBe(reader.key);
    expect(data!.previous_secret).not.toBeNull();
    return data!;
  });
  const oldSecret = clientWith(baseUrl, reader.key);
  const newSecret = clientWith(baseUrl, rolled.key);

  await test.step('5. both its old and its new secret work', async () => {
    expect((await oldSecret.GET('/v1/users/me')).response.status).toBe(200);
    expect((await newSecret.GET('/v1/users/me')).response.status).toBe(200);
  });

  await test.step('6. once the grace is ended, only the new secret works', async () => {
    expect((await full.DELETE('/v1/api-keys/{id}/previous-secret', readerPath)).response.status).toBe(204);
    expect((await oldSecret.GET('/v1/users/me')).response.status).toBe(401);
    expect((await newSecret.GET('/v1/users/me')).response.status).toBe(200);
  });

  await test.step('7. once revoked, the new secret is refused too', async () => {
    expect((await full.DELETE('/v1/api-keys/{id}', readerPath)).response.status).toBe(204);
    const { error, response } = await newSecret.GET('/v1/users/me');
    expect(response.status).toBe(401);
    expect(error?.error.details.reason).toBe('revoked');
  });

  await test.step('8. usage, and an unknown path\'s 404 envelope', async () => {
    const { data, response } = await full.GET('/v1/usage');
    expect(response.status).toBe(200);
    expect(Date.parse(data!.billing_period.end)).toBeGreaterThan(Date.parse(data!.billing_period.start));

    const unknown = await full.GET('/v1/no-such-thing');
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.error.code).toBe('not_found');
  });

  await test.step('9. a key made with no body at all is "API key" with the caller\'s permissions', async () => {
    const { data, response } = await full.POST('/v1/api-keys');
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ name: 'API key', permissions: 'full' });
    const revoked = await full.DELETE('/v1/api-keys/{id}', { params: { path: { id: data!.id } } });
    expect(revoked.response.status).toBe(204);
  });
}
