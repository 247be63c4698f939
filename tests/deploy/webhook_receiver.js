// A webhook receiver for deploy.alert_roundtrip: listens on 127.0.0.1 (port 0: any free one), prints
// "webhook receiver at http://127.0.0.1:PORT" once listening, and appends each POST as one JSON line
// {"path": URL path, "body": the parsed JSON body} to OUT_FILE, answering 200 (400 for a body that is not JSON).
// Plain node, no packages. Usage: node webhook_receiver.js OUT_FILE
'use strict';
const fs = require('fs');
const http = require('http');

const outFile = process.argv[2];
if (!outFile) {
  console.error('usage: node webhook_receiver.js OUT_FILE');
  process.exit(2);
}
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      res.writeHead(400).end('body is not JSON\n');
      return;
    }
    fs.appendFileSync(outFile, JSON.stringify({ path: req.url, body }) + '\n');
    res.writeHead(200).end('ok\n');
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`webhook receiver at http://127.0.0.1:${server.address().port}`);
});
// Stopped by the test's cleanup (SIGTERM): exit 0 like the servers beside it, since the cleanup (set -e) stops at
// the first process that reports dying of a signal.
process.on('SIGTERM', () => process.exit(0));
