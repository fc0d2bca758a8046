import { expect, test } from '@playwright/test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { PASSWORD, uniqueEmail } from './support';

// What crawlers, caches and proxies see: raw HTTP, no browser rendering.

function metaContent(html: string, attribute: 'name' | 'property', key: string): string | undefined {
  const tag = html.match(new RegExp(`<meta[^>]*${attribute}="${key}"[^>]*>`))?.[0];
  return tag?.match(/content="([^"]*)"/)?.[1];
}

test('the landing HTML carries every SEO essential', async ({ request, baseURL }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();

  expect(html).toMatch(/<title>Tracepipe — turn browser recordings into AI training data<\/title>/);
  expect(metaContent(html, 'name', 'description')).toMatch(/JSONL training data/);
  const canonical = html.match(/<link[^>]*rel="canonical"[^>]*>/)?.[0];
  expect(canonical).toContain(`href="${baseURL}/"`);
  expect(metaContent(html, 'property', 'og:title')).toContain('Tracepipe');
  expect(metaContent(html, 'property', 'og:url')).toBe(`${baseURL}/`);
  expect(metaContent(html, 'property', 'og:image')).toBe(`${baseURL}/og-image.png`);
  expect(metaContent(html, 'name', 'twitter:card')).toBe('summary_large_image');
  expect(html.match(/<h1[\s>]/g)).toHaveLength(1);

  const jsonLd = html.match(/<script type="application\/ld\+json"[^>]*>(.*?)<\/script>/s)?.[1];
  expect(jsonLd).toBeDefined();
  const graph = JSON.parse(jsonLd!)['@graph'];
  expect(graph[0]['@type']).toBe('Organization');
  expect(graph[1]['@type']).toBe('Product');
  const offers = graph[1].offers.map((offer: { name: string; price: string }) => [offer.name, offer.price]);
  expect(offers).toEqual([
    ['Starter', '49.00'],
    ['Pro', '199.00'],
    ['Scale', '799.00'],
    ['Credit pack', '29.00'],
  ]);
});

test('the Open Graph image and icons are served', async ({ request }) => {
  for (const [path, type] of [
    ['/og-image.png', 'image/png'],
    ['/favicon.svg', 'image/svg+xml'],
    ['/favicon.ico', 'image/x-icon'],
    ['/apple-touch-icon.png', 'image/png'],
  ]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()['content-type'], path).toContain(type);
  }
});

test('robots.txt and sitemap.xml point at absolute public URLs', async ({ request, baseURL }) => {
  const robots = await (await request.get('/robots.txt')).text();
  expect(robots).toContain(`Sitemap: ${baseURL}/sitemap.xml`);
  const sitemap = await request.get('/sitemap.xml');
  expect(sitemap.headers()['content-type']).toContain('application/xml');
  expect(await sitemap.text()).toContain(`<loc>${baseURL}/</loc>`);
});

test('hashed assets are cached for a year, HTML is revalidated', async ({ request, baseURL }) => {
  expect((await request.get('/')).headers()['cache-control']).toBe('no-cache');
  // The keys page may carry an island, so it names the bundle (other pages name the stylesheet only).
  const registered = await request.post('/api/register', {
    form: { email: uniqueEmail('assets'), password: PASSWORD, display_name: 'Asset Reader', next: '' },
    headers: { Origin: baseURL! },
  });
  expect(registered.ok()).toBe(true);
  const page = await request.get('/keys');
  expect(page.headers()['cache-control']).toBe('private, no-store');
  const html = await page.text();
  const assets = [...html.matchAll(/(?:href|src)="(\/pkg\/[^"]+)"/g)].map((m) => m[1]);
  expect(assets.length).toBeGreaterThanOrEqual(3); // stylesheet, js, wasm
  for (const asset of assets) {
    // cargo-leptos hash-files: name.<hash>.ext
    expect(asset).toMatch(/\/pkg\/[\w-]+\.[\w-]+\.(css|js|wasm|json)$/);
    const response = await request.get(asset);
    expect(response.status(), asset).toBe(200);
    expect(response.headers()['cache-control'], asset).toBe('public, max-age=31536000, immutable');
  }
});

test('responses are compressed for clients that accept it', async ({ request }) => {
  // Public pages are compressed once, when first cached, and hashed assets
  // at build time: both come as brotli. Other pages are gzipped per
  // response (cheapest at a similar size).
  const page = await request.get('/', { headers: { 'Accept-Encoding': 'br, gzip' } });
  expect(page.headers()['content-encoding']).toBe('br');
  const notFound = await request.get('/no-such-page', { headers: { 'Accept-Encoding': 'br, gzip' } });
  expect(notFound.headers()['content-encoding']).toBe('gzip');
  const stylesheet = (await page.text()).match(/href="(\/pkg\/[^"]+\.css)"/)![1];
  const asset = await request.get(stylesheet, { headers: { 'Accept-Encoding': 'br, gzip' } });
  expect(asset.headers()['content-encoding']).toBe('br');
});

test('health and readiness answer for orchestrators', async ({ request }) => {
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', database: 'ok' });
});

test('the API description is a valid OpenAPI document listing every public operation', async ({ request }) => {
  const response = await request.get('/v1/openapi.json');
  expect(response.status()).toBe(200);
  const document = await response.json();
  // The OpenAPI schema for its version, and every $ref resolved: what
  // client generators need before they can use it.
  const validated = (await SwaggerParser.validate(structuredClone(document))) as OpenAPIV3_1.Document;
  const operations = Object.entries(validated.paths ?? {}).flatMap(([path, item]) =>
    ['get', 'post', 'patch', 'delete'].filter((method) => method in (item ?? {})).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(operations.sort()).toEqual([
    'DELETE /v1/api-keys/{id}',
    'DELETE /v1/api-keys/{id}/previous-secret',
    'GET /v1/api-keys',
    'GET /v1/usage',
    'GET /v1/users/me',
    'PATCH /v1/api-keys/{id}',
    'POST /v1/api-keys',
    'POST /v1/api-keys/{id}/roll',
  ]);
});
