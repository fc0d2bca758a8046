import { expect, test, type APIRequestContext } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { keyLifecycle } from '../api-clients/lifecycle';
import { subscriberKey } from './support';

// Clients generated from /v1/openapi.json, used as generated (no edits),
// each run an API key's whole lifecycle: making (with a body and without),
// refusing, rolling, ending the grace, revoking, usage and an unknown path.
// A document that a generator misreads, or that drifted from what the
// server answers, fails here.

const clientsDir = path.join(__dirname, '..', 'api-clients');

/** The served document, saved in this test's output folder for the generators. */
async function savedDocument(request: APIRequestContext): Promise<string> {
  const answer = await request.get('/v1/openapi.json');
  expect(answer.status()).toBe(200);
  const file = test.info().outputPath('openapi.json');
  fs.writeFileSync(file, await answer.body());
  return file;
}

/** Runs a command to its end, showing its output; fails the test unless it exits 0. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  const output = `${result.stdout}${result.stderr}`;
  console.log(`$ ${command} ${args.join(' ')}\n${output}`);
  expect(result.error, `${command} could be run`).toBeUndefined();
  // The last line says what went wrong (lifecycle.py's verdict, an error).
  const lastLine = output.trim().split('\n').pop();
  expect(result.status, `exit status of ${path.basename(command)} ${args.join(' ')}: ${lastLine}`).toBe(0);
}

test('a Python client from openapi-python-client runs the key lifecycle', async ({ page, request, baseURL }) => {
  const python = process.env.API_CLIENTS_PYTHON;
  if (!python) {
    throw new Error('API_CLIENTS_PYTHON is not set: scripts/bootstrap installs openapi-python-client, scripts/test sets it');
  }
  const key = await subscriberKey(page, 'Python Client');
  const document = await savedDocument(request);

  // Generated as the package lifecycle.py imports, `tracepipe_client`; the
  // generator formats it with ruff, installed beside it.
  const packageParent = test.info().outputPath('python');
  run(
    python,
    [
      '-m', 'openapi_python_client', 'generate',
      '--path', document,
      '--output-path', path.join(packageParent, 'tracepipe_client'),
      '--meta', 'none',
      '--fail-on-warning',
    ],
    { PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH}` },
  );
  run(python, [path.join(clientsDir, 'lifecycle.py')], {
    PYTHONPATH: packageParent,
    TRACEPIPE_BASE_URL: baseURL!,
    TRACEPIPE_KEY: key,
  });
});

test('a TypeScript client from openapi-typescript and openapi-fetch runs the key lifecycle', async ({ page, request, baseURL }) => {
  const key = await subscriberKey(page, 'TypeScript Client');
  const document = await savedDocument(request);

  // Where lifecycle.ts imports its types from; type-checking it against them
  // finds a document that no longer fits the code before the calls run.
  run('npx', ['openapi-typescript', document, '-o', path.join(clientsDir, 'generated', 'v1.d.ts')]);
  run('npx', ['tsc', '-p', path.join(clientsDir, 'tsconfig.json')]);
  await keyLifecycle(baseURL!, key);
});
