'use strict';
// The plain-Swarm row's app (bench/swarm.sh): answers GET /version like the sample app, with no Redis and no
// package, and stops on SIGTERM the way the sample does (stop accepting, let answers in flight finish), so the
// plain row loses requests only to Swarm's stop-first update, not to a rude app.
const http = require('node:http');

const VERSION = process.env.APP_VERSION || 'unknown';
const server = http.createServer((req, res) => {
  const body = req.url === '/version' ? JSON.stringify({ version: VERSION }) : 'ok\n';
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 65000;
function shutdown() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
server.listen(Number(process.env.PORT || 3000));
