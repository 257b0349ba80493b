'use strict';
// node `ws` peers for captures/make-captures.sh.
//
// Usage: NODE_PATH=captures/.peers/node_modules node ws_peer.js server|client SCENARIO HOST PORT
//
// Each scenario is one short, scripted conversation with fixed messages.
// Servers run until they are killed; clients exit when their conversation is
// over (status 0 when it went as planned). permessage-deflate is off on both
// sides everywhere, so every payload is readable on the wire.

const http = require('http');
const WebSocket = require('ws');

const [role, scenario, host, portText] = process.argv.slice(2);
const port = Number(portText);

function log(...args) { console.error(...args); }
function fail(msg) { log('client:', msg); process.exit(1); }

// ---- servers ----------------------------------------------------------

// Echoes every message back, keeping its type (text or binary).
function echo(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code, reason) => log('server: closed', code, reason.toString()));
}

const servers = {
  echo: () => new WebSocket.Server({ host, port, perMessageDeflate: false }).on('connection', echo),
  ping: () => new WebSocket.Server({ host, port, perMessageDeflate: false }).on('connection', echo),
  fragmented: () => new WebSocket.Server({ host, port, perMessageDeflate: false }).on('connection', echo),
  'close-reason': () => new WebSocket.Server({ host, port, perMessageDeflate: false }).on('connection', echo),
  // The server speaks only chat.v1: from "chat.v2, chat.v1" it must pick chat.v1.
  subprotocol: () => new WebSocket.Server({
    host, port, perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('chat.v1') ? 'chat.v1' : false),
  }).on('connection', (ws) => {
    ws.on('message', (data) => ws.send('[' + ws.protocol + '] ' + data.toString()));
  }),
  // A plain node HTTP server with keep-alive; GET /status is ordinary HTTP,
  // and an upgrade request on the same connection is handed to ws.
  'http-keepalive': () => {
    const wss = new WebSocket.Server({ noServer: true, perMessageDeflate: false });
    const srv = http.createServer((req, res) => {
      const body = 'status: ok\n';
      res.writeHead(req.url === '/status' ? 200 : 404,
        { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    srv.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => echo(ws));
    });
    srv.listen(port, host);
    return srv;
  },
};

// ---- clients ----------------------------------------------------------

function url(path) {
  const h = host.includes(':') ? '[' + host + ']' : host;
  return 'ws://' + h + ':' + port + path;
}

// Sends each message and waits for its echo, in order; then runs done().
function exchange(ws, msgs, done) {
  let i = 0;
  const next = () => {
    if (i === msgs.length) { done(); return; }
    ws.send(msgs[i].data, { binary: !!msgs[i].binary });
  };
  ws.on('message', (data, isBinary) => {
    const want = msgs[i];
    const got = isBinary ? data : data.toString();
    const same = isBinary ? Buffer.compare(got, want.data) === 0 : got === want.data;
    if (!same) fail('unexpected echo ' + JSON.stringify(got.toString()));
    i += 1;
    next();
  });
  next();
}

function closeAndExit(ws, code, reason) {
  ws.on('close', (c, r) => { log('client: closed', c, r.toString()); process.exit(0); });
  ws.close(code, reason);
}

const clients = {
  // Plain echo: a few text and binary messages, close 1000 from the client.
  echo: () => {
    const ws = new WebSocket(url('/echo'), { perMessageDeflate: false });
    ws.on('open', () => exchange(ws, [
      { data: 'echo this' },
      { data: 'and this, a little longer, with UTF-8: caf\u00e9 \u2713' },
      { data: Buffer.from([0xde, 0xad, 0xbe, 0xef]), binary: true },
    ], () => closeAndExit(ws, 1000)));
  },
  // Keep-alive: three pings with payloads, each answered by a pong carrying
  // the same bytes; then one unsolicited pong (allowed: a one-way heartbeat).
  ping: () => {
    const ws = new WebSocket(url('/ping'), { perMessageDeflate: false });
    const payloads = ['keepalive 1', 'keepalive 2', 'keepalive 3'];
    let n = 0;
    ws.on('open', () => ws.ping(payloads[0]));
    ws.on('pong', (data) => {
      if (data.toString() !== payloads[n]) fail('pong carries ' + data.toString());
      n += 1;
      if (n < payloads.length) { setTimeout(() => ws.ping(payloads[n]), 50); return; }
      ws.pong('heartbeat');
      setTimeout(() => closeAndExit(ws, 1000), 50);
    });
  },
  // The client offers two subprotocols; the server selects chat.v1.
  subprotocol: () => {
    const ws = new WebSocket(url('/chat'), ['chat.v2', 'chat.v1'], { perMessageDeflate: false });
    ws.on('open', () => {
      if (ws.protocol !== 'chat.v1') fail('negotiated ' + ws.protocol);
      ws.send('hello in chat.v1');
    });
    ws.on('message', (data) => {
      if (data.toString() !== '[chat.v1] hello in chat.v1') fail('got ' + data.toString());
      closeAndExit(ws, 1000);
    });
  },
  // A text and a binary message sent in fragments with {fin: false}.
  fragmented: () => {
    const ws = new WebSocket(url('/fragmented'), { perMessageDeflate: false });
    const want = ['fragmented text', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9])];
    let got = 0;
    ws.on('open', () => {
      ws.send('frag', { fin: false });
      ws.send('mented ', { fin: false });
      ws.send('text', { fin: true });
      ws.send(Buffer.from([1, 2, 3, 4]), { binary: true, fin: false });
      ws.send(Buffer.from([5, 6, 7, 8, 9]), { binary: true, fin: true });
    });
    ws.on('message', (data, isBinary) => {
      const ok = isBinary ? Buffer.compare(data, want[got]) === 0 : data.toString() === want[got];
      if (!ok) fail('unexpected echo');
      got += 1;
      if (got === want.length) closeAndExit(ws, 1000);
    });
  },
  // The client closes with an application code and a reason: 4000 "bye".
  'close-reason': () => {
    const ws = new WebSocket(url('/close-reason'), { perMessageDeflate: false });
    ws.on('open', () => exchange(ws, [{ data: 'leaving soon' }], () => closeAndExit(ws, 4000, 'bye')));
  },
};

if (role === 'server' && servers[scenario]) {
  servers[scenario]();
  log('server', scenario, 'listening on', host, port);
} else if (role === 'client' && clients[scenario]) {
  setTimeout(() => fail('timed out'), 30000).unref();
  clients[scenario]();
} else {
  log('usage: node ws_peer.js server|client SCENARIO HOST PORT');
  process.exit(2);
}
