#!/usr/bin/env node
// The reference Socket.IO server (the `socket.io` package from npm, v4: Engine.IO v4 and
// Socket.IO v5) set up as retake.tv's realtime chat is documented (chat-protocols.md 1.6): a
// client joins rooms with joinRoom {roomId}; the test relays retake-shaped events into rooms.
// The box must interoperate with this server, not only with our own emulator.
//
//   node socketio_relay.js --port N
//   POST /emit   {"room": "...", "event": "message", "payload": {...}}  -> {"delivered": sockets}
//   POST /rooms  -> {"rooms": {"<room>": sockets, ...}}
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: socketio_relay.js --port N');
  process.exit(2);
}

function readJson(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      try { resolve(body ? JSON.parse(body) : {}); } catch (error) { reject(error); }
    });
  });
}

function rooms(io) {
  const counts = {};
  for (const [room, members] of io.of('/').adapter.rooms) {
    if (!io.of('/').sockets.has(room)) counts[room] = members.size;  // not a socket's own room
  }
  return counts;
}

const server = http.createServer(async (request, response) => {
  if (request.url.startsWith('/socket.io/')) return;  // the Engine.IO server answers these
  let answer;
  try {
    const body = await readJson(request);
    if (request.method === 'POST' && request.url === '/emit') {
      const delivered = (await io.in(body.room).fetchSockets()).length;
      io.to(body.room).emit(body.event, body.payload);
      answer = { delivered };
    } else if (request.method === 'POST' && request.url === '/rooms') {
      answer = { rooms: rooms(io) };
    } else {
      response.writeHead(404).end();
      return;
    }
  } catch (error) {
    response.writeHead(400).end(String(error));
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
});

const io = new Server(server, { pingInterval: 2000, pingTimeout: 2000, transports: ['websocket'] });
io.on('connection', (socket) => {
  socket.on('joinRoom', (data) => {
    if (data && typeof data.roomId === 'string' && data.roomId) socket.join(data.roomId);
  });
});
server.listen(port, '127.0.0.1', () => console.log(`socket.io ${require('socket.io/package.json').version} on ${port}`));
