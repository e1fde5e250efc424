'use strict';

// Starts the real server as a child process on a random port, with REDIS_URL
// pointing at a port where nothing listens (Redis is down).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const SECRET = 'sample-test-secret-pw';
let child;
let base;
let logs; // () => everything the first server printed

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startServer(env) {
  const proc = spawn(process.execPath, [path.join(__dirname, '..', 'server.js')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 10000);
    proc.stdout.on('data', () => {
      const m = /listening on port (\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${output}`)); });
  });
  return { proc, port, output: () => output };
}

before(async () => {
  const redisPort = await freePort(); // closed again: nothing listens there
  const started = startServer({
    PORT: '0',
    APP_VERSION: '1.2.3-test',
    APP_COMMIT: 'abc1234',
    REDIS_URL: `redis://:${SECRET}@127.0.0.1:${redisPort}`,
  });
  child = started.proc;
  logs = started.output;
  base = `http://127.0.0.1:${await started.port}`;
});

after(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

test('GET /version answers version and commit from the environment', async () => {
  const res = await fetch(`${base}/version`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/json/);
  assert.deepEqual(await res.json(), { version: '1.2.3-test', commit: 'abc1234' });
});

test('GET / shows the app name and version', async () => {
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>kaha<\/h1>/);
  assert.match(html, /1\.2\.3-test/);
});

test('GET /healthz answers 503 while Redis is down', async () => {
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 503);
});

test('POST /hits answers 503 (not a hang) while Redis is down', async () => {
  const res = await fetch(`${base}/hits`, { method: 'POST', signal: AbortSignal.timeout(3000) });
  assert.equal(res.status, 503);
});

test('unknown path is 404', async () => {
  const res = await fetch(`${base}/nope`);
  assert.equal(res.status, 404);
});

test('the Redis password never appears in the output', async () => {
  await new Promise((r) => setTimeout(r, 300)); // let a few reconnect attempts log
  assert.match(logs(), /redis: not available/);
  assert.doesNotMatch(logs(), new RegExp(SECRET));
});

test('SIGTERM stops the server promptly with exit code 0', async () => {
  const t0 = Date.now();
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
});

test('FAIL_HEALTH=1 makes /healthz answer 500', async () => {
  const started = startServer({ PORT: '0', FAIL_HEALTH: '1', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  try {
    const res = await fetch(`http://127.0.0.1:${await started.port}/healthz`);
    assert.equal(res.status, 500);
  } finally {
    started.proc.kill('SIGKILL');
  }
});
