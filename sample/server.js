'use strict';

// kaha: a small web app with Redis as its database, used to exercise kaha-deploy.
// Only node's http module and the redis client (node-redis v4).
// Never log REDIS_URL: it carries the Redis password.

const http = require('node:http');
const { createClient } = require('redis');

const APP_NAME = process.env.APP_NAME || 'kaha';
const APP_VERSION = process.env.APP_VERSION || 'unknown';
const APP_COMMIT = process.env.APP_COMMIT || 'unknown';
const PORT = Number.parseInt(process.env.PORT || '3000', 10);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const FAIL_HEALTH = process.env.FAIL_HEALTH === '1';
const HITS_KEY = 'kaha:hits';
const PING_TIMEOUT_MS = 1000;

function log(message) {
  console.log(`${new Date().toISOString()} ${message}`);
}

// ---- Redis: keeps reconnecting until Redis is up; commands fail fast while it is down.
let lastRedisError = '';
const redis = createClient({
  url: REDIS_URL,
  disableOfflineQueue: true,
  socket: {
    connectTimeout: 2000,
    reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000),
  },
});
redis.on('ready', () => {
  lastRedisError = '';
  log('redis: connected');
});
redis.on('error', (err) => {
  // Only the error code/message (e.g. ECONNREFUSED, WRONGPASS), never the URL; once per kind.
  const text = err && (err.code || err.message) ? String(err.code || err.message) : 'unknown error';
  if (text !== lastRedisError) {
    lastRedisError = text;
    log(`redis: not available (${text}); retrying`);
  }
});

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function redisHealthy() {
  if (!redis.isReady) return false;
  try {
    return (await withTimeout(redis.ping(), PING_TIMEOUT_MS)) === 'PONG';
  } catch {
    return false;
  }
}

// ---- HTTP
function send(res, status, type, body) {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
const sendJson = (res, status, value) => send(res, status, 'application/json', JSON.stringify(value));
const sendText = (res, status, text) => send(res, status, 'text/plain; charset=utf-8', text + '\n');

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function homePage() {
  const name = escapeHtml(APP_NAME);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${name}</title></head>
<body>
<h1>${name}</h1>
<p>version <span id="version">${escapeHtml(APP_VERSION)}</span>, commit <span id="commit">${escapeHtml(APP_COMMIT)}</span></p>
</body>
</html>
`;
}

const routes = {
  'GET /': (req, res) => send(res, 200, 'text/html; charset=utf-8', homePage()),
  'GET /version': (req, res) => sendJson(res, 200, { version: APP_VERSION, commit: APP_COMMIT }),
  'GET /healthz': async (req, res) => {
    if (FAIL_HEALTH) return sendText(res, 500, 'failing (FAIL_HEALTH=1)');
    if (await redisHealthy()) return sendText(res, 200, 'ok');
    return sendText(res, 503, 'redis unavailable');
  },
  'GET /hits': async (req, res) => {
    const value = await redis.get(HITS_KEY);
    sendJson(res, 200, { hits: Number(value || 0) });
  },
  'POST /hits': async (req, res) => sendJson(res, 200, { hits: await redis.incr(HITS_KEY) }),
};

async function handle(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const route = routes[`${method} ${path}`];
  req.resume(); // no endpoint reads a body
  if (!route) {
    const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
    return known ? sendText(res, 405, 'method not allowed') : sendText(res, 404, 'not found');
  }
  try {
    await route(req, res);
  } catch (err) {
    if (res.headersSent) return res.destroy();
    sendJson(res, 503, { error: 'redis unavailable' });
  }
}

const server = http.createServer((req, res) => {
  handle(req, res);
});
server.keepAliveTimeout = 5000;

// ---- Shutdown: as PID 1 in a container node gets no default SIGTERM handling.
let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal} received, shutting down`);
  const done = () => process.exit(0);
  server.close(done); // stop accepting; finishes in-flight requests
  server.closeIdleConnections();
  if (redis.isOpen) redis.disconnect().catch(() => {});
  // In-flight requests get a short grace period, then everything is cut.
  setTimeout(() => {
    server.closeAllConnections();
    done();
  }, 3000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.listen(PORT, () => {
  log(`${APP_NAME} ${APP_VERSION} listening on port ${server.address().port}`);
});
redis.connect().catch(() => {
  /* reconnectStrategy keeps retrying; failures are logged by the 'error' handler */
});
