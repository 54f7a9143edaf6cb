#!/usr/bin/env python3
"""An emulator of the retake.tv agent API (shared/reference/retake-api.md), on loopback.

It follows the contract strictly and rejects what the real service rejects: calls without a
valid Bearer token get 401, a stale RTMP key is refused at publish time (nginx-rtmp's
on_publish asks /_hooks/on_publish), thumbnails must be multipart with a JPEG/PNG file in
field "image", comments without an active session get 409. Skill 2.1.2: registration needs a
ticker of 1-10 characters; a registered agent is not verified until /agent/verify is called,
after /agent/prepare-verify, with the URL of an x.com / twitter.com status whose text (posted
through /_control/tweet, since the emulator cannot read Twitter/X) contains the code.

Test control (no auth, loopback only):
  POST /_control/fault     {"path": "/agent/stream/status", "status": 500, "count": 1,
                            "delay_ms": 0, "body": "..."}  next `count` calls to path get this
  POST /_control/comments  {"count": N, "author": "viewer", "text", "type": "tip", "tip_amount": 10}
                           adds N viewer comments (tips with tip_data.amount)
  POST /_control/revoke    invalidates every access token (later calls get 401)
  POST /_control/hold_live {"seconds": S}  stream/status says not live for the next S seconds
  POST /_control/skill     {"version": "2.1.0"}
  POST /_control/agent     {"access_token", "userDbId", "agent_name", "verified": true}  adds an agent
  POST /_control/verified  {"verified": bool}  flips every agent's verification
  POST /_control/tweet     {"url": "...", "text": "..."}  a tweet the owner "posted"
  GET  /_control/log       every request so far: method, path, time, auth
  GET  /_control/state     keys issued, session, publishing key, live

Socket.IO (chat-protocols.md 1.6 and 4): GET /socket.io/?EIO=4&transport=websocket, WebSocket only,
Engine.IO v4 / Socket.IO v5 as the reference server speaks it: the open packet first, the client's
first packet must be a CONNECT of "/", pings every pingInterval and the connection closed when a
pong is later than pingTimeout; joinRoom {roomId} joins a room. Every comment added through
/_control/comments is also emitted as 42["message", <the REST record>] to the sockets in the
room of the agents' userDbId (REST and socket carry the same chat_event_id).
  POST /_control/socketio  {"ping_interval_ms", "ping_timeout_ms", "withhold_pings": bool,
                            "refuse_handshake": HTTP status or 0, "refuse_connect": bool,
                            "kill": true (drop every socket, no closing handshake)}
  POST /_control/socketio_state  {"clients", "connected", "rooms": [...], "sessions": total, "pongs"}
  POST /_control/socket_flood {"count": N, "per_s": R}  N socket-only messages at R a second
"""
import argparse
import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import websocket_server

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
STATUS_URL = re.compile(r"^https://(www\.|mobile\.)?(x|twitter)\.com/[A-Za-z0-9_]{1,15}/status/[0-9]{1,25}(\?[^#\s]*)?$")


def base58_decode(text):
    number = 0
    for char in text:
        if char not in ALPHABET:
            return None
        number = number * 58 + ALPHABET.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


class State:
    def __init__(self, rtmp_base):
        self.lock = threading.Lock()
        self.rtmp_base = rtmp_base
        self.agents = {}          # token -> agent dict
        self.names = set()
        self.keys_issued = []
        self.current_key = None
        self.session_id = None    # set by stream/start for the current key
        self.started_key = None
        self.publishing_key = None
        self.comments = []        # oldest first
        self.next_comment_id = 1000
        self.faults = []
        self.log = []
        self.skill_version = "2.1.2"
        self.tweets = {}          # url -> text, "posted" through /_control/tweet
        self.started_at = None
        self.live_held_until = 0.0  # stream/status says not live before this time (hold_live)
        self.socketio = {"ping_interval_ms": 25000, "ping_timeout_ms": 20000, "withhold_pings": False,
                         "refuse_handshake": 0, "refuse_connect": False}
        self.sockets = []         # the Engine.IO sessions open now
        self.socket_sessions = 0
        self.pongs = 0

    def agent_rooms(self):
        return {agent["userDbId"] for agent in self.agents.values()}


class SocketSession:
    """One Engine.IO v4 session over a WebSocket, with its Socket.IO state."""

    def __init__(self, peer, state):
        self.peer = peer
        self.state = state
        self.sid = secrets.token_urlsafe(15)
        self.rooms = set()
        self.connected = False
        self.last_pong = time.time()
        self.stop = threading.Event()

    def run(self):
        settings = dict(self.state.socketio)
        interval, timeout = settings["ping_interval_ms"] / 1000, settings["ping_timeout_ms"] / 1000
        self.peer.send_text("0" + json.dumps({"sid": self.sid, "upgrades": [], "pingInterval": settings["ping_interval_ms"],
                                              "pingTimeout": settings["ping_timeout_ms"], "maxPayload": 1000000}))
        threading.Thread(target=self.pinger, args=(interval, timeout), daemon=True).start()
        first = True
        while True:
            message = self.peer.receive()
            if message is None:
                break
            opcode, data = message
            if opcode != websocket_server.TEXT:
                continue  # no binary attachments in this emulator
            text = data.decode()
            if first and not text.startswith("40"):
                break  # the reference server closes a session whose first packet is no CONNECT
            first = False
            if text == "3":
                with self.state.lock:
                    self.last_pong = time.time()
                    self.state.pongs += 1
            elif text.startswith("40"):
                if self.state.socketio["refuse_connect"]:
                    self.peer.send_text('44{"message":"Not authorized"}')
                else:
                    self.connected = True
                    self.peer.send_text("40" + json.dumps({"sid": secrets.token_urlsafe(15)}))
            elif text.startswith("42"):
                self.event(text[2:])
            elif text in ("41", "1"):
                break
        self.stop.set()
        self.peer.close()

    def event(self, payload):
        try:
            event = json.loads(payload)
        except ValueError:
            return
        if (self.connected and isinstance(event, list) and len(event) == 2 and event[0] == "joinRoom"
                and isinstance(event[1], dict) and isinstance(event[1].get("roomId"), str) and event[1]["roomId"]):
            with self.state.lock:
                self.rooms.add(event[1]["roomId"])

    def pinger(self, interval, timeout):
        while not self.stop.wait(interval):
            if self.state.socketio["withhold_pings"]:
                continue
            sent = time.time()
            if not self.peer.send_text("2"):
                return
            if self.stop.wait(timeout):
                return
            if self.last_pong < sent:
                self.peer.close(1000)  # "ping timeout", as the reference server does
                return

    def emit(self, name, payload):
        if self.connected:
            self.peer.send_text("42" + json.dumps([name, payload]))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    # --- plumbing -------------------------------------------------------------------------
    def send_json(self, status, payload, raw=None):
        body = raw.encode() if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def agent(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.state.agents.get(header[len("Bearer "):])

    def record(self, path, authorized):
        with self.state.lock:
            self.state.log.append({"t": time.time(), "method": self.command, "path": path,
                                   "auth": authorized, "query": urlparse(self.path).query,
                                   "authorization_header": "Authorization" in self.headers})

    def take_fault(self, path):
        with self.state.lock:
            for fault in self.state.faults:
                if fault["path"] == path and fault["count"] > 0:
                    fault["count"] -= 1
                    return dict(fault)
        return None

    # --- dispatch -------------------------------------------------------------------------
    def handle_any(self):
        url = urlparse(self.path)
        path = url.path
        body = self.read_body()
        if path == "/socket.io/" and self.command == "GET" and "Upgrade" in self.headers:
            return self.socketio(parse_qs(url.query))
        if path.startswith("/_control/"):
            return self.control(path, body)
        if path == "/_hooks/on_publish":
            return self.on_publish(body)
        if path == "/_hooks/on_publish_done":
            return self.on_publish_done(body)
        if path == "/skill.json":
            self.record(path, None)
            return self.send_json(200, {"version": self.state.skill_version, "name": "retake"})
        if not path.startswith("/api/v1/"):
            return self.send_json(404, {"error": "not found"})
        endpoint = path[len("/api/v1"):]
        agent = self.agent()
        self.record(endpoint, agent is not None)
        if self.command == "GET" and endpoint.startswith("/users/streamer/"):
            return self.streamer(unquote(endpoint[len("/users/streamer/"):]))
        fault = self.take_fault(endpoint)
        if fault:
            time.sleep(fault.get("delay_ms", 0) / 1000)
            if fault.get("status"):
                return self.send_json(fault["status"], {"error": "injected"}, fault.get("body"))
        if endpoint == "/agent/register" and self.command == "POST":
            return self.register(body)
        if agent is None:
            return self.send_json(401, {"error": "Invalid or missing access_token"})
        routes = {
            ("POST", "/agent/prepare-verify"): self.prepare_verify,
            ("POST", "/agent/verify"): self.verify,
            ("GET", "/agent/verification-status"): self.verification_status,
            ("POST", "/agent/rtmp"): self.rtmp,
            ("POST", "/agent/stream/start"): self.stream_start,
            ("GET", "/agent/stream/status"): self.stream_status,
            ("POST", "/agent/update-thumbnail"): lambda a, b: self.thumbnail(a, b),
            ("POST", "/agent/stream/stop"): self.stream_stop,
            ("POST", "/agent/stream/chat/send"): self.chat_send,
            ("GET", "/agent/stream/comments"): lambda a, b: self.comments(a, parse_qs(url.query)),
        }
        route = routes.get((self.command, endpoint))
        if route is None:
            return self.send_json(404, {"error": "not found"})
        return route(agent, body)

    do_GET = do_POST = handle_any

    # --- the agent API --------------------------------------------------------------------
    def register(self, body):
        try:
            data = json.loads(body)
        except ValueError:
            return self.send_json(400, {"error": "invalid JSON"})
        for field in ("agent_name", "agent_description", "image_url", "wallet_address"):
            if not isinstance(data.get(field), str) or not data[field]:
                return self.send_json(400, {"error": f"{field} is required"})
        ticker = data.get("ticker")
        if not isinstance(ticker, str) or not ticker:
            return self.send_json(400, {"error": "ticker is required"})
        if len(ticker) > 10:
            return self.send_json(400, {"error": "ticker must be at most 10 characters"})
        decoded = base58_decode(data["wallet_address"])
        if decoded is None or len(decoded) != 32:
            return self.send_json(400, {"error": "wallet_address must be a Solana public key"})
        with self.state.lock:
            if data["agent_name"] in self.state.names:
                return self.send_json(400, {"error": "agent_name is already taken"})
            self.state.names.add(data["agent_name"])
            token = "rtk_" + secrets.token_hex(16)
            agent = {"access_token": token, "agent_id": "agent_" + secrets.token_hex(4),
                     "userDbId": str(uuid.uuid4()), "wallet_address": data["wallet_address"],
                     "agent_name": data["agent_name"], "ticker": ticker, "token_address": "", "token_ticker": "",
                     "verified": False, "verification_code": None}
            self.state.agents[token] = agent
        return self.send_json(200, {k: agent[k] for k in ("access_token", "agent_id", "userDbId",
                                                          "wallet_address", "token_address", "token_ticker")})

    def prepare_verify(self, agent, body):
        with self.state.lock:
            agent["verification_code"] = secrets.token_hex(4).upper()
            message = "Claiming my Livestreaming Agent on @retakedottv. Code: " + agent["verification_code"]
        return self.send_json(200, {"verification_message": message})

    def verify(self, agent, body):
        try:
            data = json.loads(body)
        except ValueError:
            return self.send_json(400, {"error": "invalid JSON"})
        url = data.get("tweet_url") if isinstance(data, dict) else None
        with self.state.lock:
            code = agent.get("verification_code")
            if not code:
                return self.send_json(400, {"error": "No verification message prepared - call /agent/prepare-verify first"})
            if not isinstance(url, str) or not STATUS_URL.match(url):
                return self.send_json(400, {"error": "tweet_url must be an x.com or twitter.com status URL"})
            if code not in self.state.tweets.get(url, ""):
                return self.send_json(400, {"error": "The tweet does not contain the verification code"})
            agent["verified"] = True
        return self.send_json(200, {"verified": True})

    def verification_status(self, agent, body):
        return self.send_json(200, {"verified": bool(agent.get("verified"))})

    def streamer(self, name):
        with self.state.lock:
            for agent in self.state.agents.values():
                if agent["agent_name"] == name:
                    return self.send_json(200, {"streamer_id": agent["userDbId"], "username": name,
                                                "token_address": agent["token_address"]})
        return self.send_json(404, {"error": "Streamer not found"})

    def rtmp(self, agent, body):
        with self.state.lock:
            key = "sk_" + secrets.token_hex(12)
            self.state.keys_issued.append(key)
            self.state.current_key = key
            self.state.started_key = None
        return self.send_json(200, {"url": self.state.rtmp_base, "key": key})

    def stream_start(self, agent, body):
        with self.state.lock:
            self.state.session_id = str(uuid.uuid4())
            self.state.started_key = self.state.current_key
            if not agent["token_address"]:
                agent["token_address"] = "Tok" + secrets.token_hex(20)
                agent["token_ticker"] = agent.get("ticker") or agent["agent_name"][:5].upper()
        return self.send_json(200, {"success": True, "token": {
            "name": agent["agent_name"], "ticker": agent["token_ticker"], "imageUrl": "",
            "tokenAddress": agent["token_address"], "tokenType": "meteora"}})

    def live(self):
        if time.time() < self.state.live_held_until:
            return False
        return (self.state.publishing_key is not None and self.state.publishing_key == self.state.started_key)

    def stream_status(self, agent, body):
        with self.state.lock:
            live = self.live()
            uptime = int(time.time() - self.state.started_at) if live and self.state.started_at else 0
        return self.send_json(200, {"is_live": live, "viewers": 3 if live else 0, "uptime_seconds": uptime,
                                    "token_address": agent["token_address"], "userDbId": agent["userDbId"]})

    def thumbnail(self, agent, body):
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data") or "boundary=" not in content_type:
            return self.send_json(400, {"error": "multipart/form-data with field image required"})
        boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
        for part in body.split(b"--" + boundary):
            head, _, data = part.partition(b"\r\n\r\n")
            if b'name="image"' not in head or b"filename=" not in head:
                continue
            data = data[:-2] if data.endswith(b"\r\n") else data
            if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
                return self.send_json(200, {"message": "Thumbnail updated",
                                            "thumbnail_url": "https://cdn.example/thumb.jpg"})
            return self.send_json(400, {"error": "image must be a JPEG or PNG file"})
        return self.send_json(400, {"error": "field image is required"})

    def stream_stop(self, agent, body):
        with self.state.lock:
            duration = int(time.time() - self.state.started_at) if self.state.started_at else 0
            self.state.session_id = None
            self.state.started_key = None
        return self.send_json(200, {"status": "stopped", "duration_seconds": duration, "viewers": 3})

    def chat_send(self, agent, body):
        try:
            data = json.loads(body)
        except ValueError:
            return self.send_json(400, {"error": "invalid JSON"})
        if not isinstance(data.get("message"), str) or not data["message"]:
            return self.send_json(400, {"error": "message is required"})
        if not isinstance(data.get("destination_user_id"), str) or not data["destination_user_id"]:
            return self.send_json(400, {"error": "destination_user_id is required"})
        with self.state.lock:
            self.state.next_comment_id += 1
            self.state.comments.append({"chat_event_id": str(self.state.next_comment_id),
                                        "sender_user_id": agent["userDbId"], "sender_username": agent["agent_name"],
                                        "text": data["message"], "timestamp": str(int(time.time() * 1000)),
                                        "type": "message", "destination": data["destination_user_id"]})
        return self.send_json(200, {"message_id": str(self.state.next_comment_id), "sent_at": int(time.time())})

    def comments(self, agent, query):
        if self.state.session_id is None:
            return self.send_json(409, {"error": "No active session - call /agent/stream/start first"})
        if query.get("userDbId", [""])[0] != agent["userDbId"]:
            return self.send_json(404, {"error": "user not found"})
        limit = min(int(query.get("limit", ["50"])[0]), 100)
        before = query.get("beforeId", [None])[0]
        with self.state.lock:
            newest_first = list(reversed(self.state.comments))
        if before is not None:
            newest_first = [c for c in newest_first if int(c["chat_event_id"]) < int(before)]
        return self.send_json(200, {"comments": newest_first[:limit]})

    # --- Socket.IO -------------------------------------------------------------------------
    def socketio(self, query):
        if query.get("EIO") != ["4"]:
            return self.send_json(400, {"code": 5, "message": "Unsupported protocol version"})
        if query.get("transport") != ["websocket"]:
            return self.send_json(400, {"code": 0, "message": "Transport unknown"})
        problem = websocket_server.handshake_problem(self)
        if problem:
            return self.send_json(400, {"code": 3, "message": problem})
        refuse = self.state.socketio["refuse_handshake"]
        if refuse:
            return self.send_json(refuse, {"error": "refused"})
        session = SocketSession(websocket_server.accept(self), self.state)
        with self.state.lock:
            self.state.sockets.append(session)
            self.state.socket_sessions += 1
        try:
            session.run()
        finally:
            with self.state.lock:
                self.state.sockets.remove(session)

    def broadcast(self, records):
        with self.state.lock:
            rooms = self.state.agent_rooms()
            targets = [s for s in self.state.sockets if s.rooms & rooms]
        for record in records:
            for session in targets:
                session.emit("message", record)

    def socket_flood(self, count, per_s):
        with self.state.lock:
            rooms = self.state.agent_rooms()
            targets = [s for s in self.state.sockets if s.rooms & rooms]
            first = self.state.next_comment_id + 1
            self.state.next_comment_id += count
        start = time.time()
        for i in range(count):
            record = {"chat_event_id": str(first + i), "sender_user_id": "flood", "sender_username": "flood",
                      "text": f"flood #{first + i}", "timestamp": str(int(time.time() * 1000)), "type": "message"}
            for session in targets:
                session.emit("message", record)
            delay = start + (i + 1) / per_s - time.time()
            if delay > 0:
                time.sleep(delay)

    # --- nginx-rtmp hooks and test control ------------------------------------------------
    def on_publish(self, body):
        name = parse_qs(body.decode()).get("name", [""])[0]
        with self.state.lock:
            fresh = name == self.state.current_key and name == self.state.started_key
            self.state.log.append({"t": time.time(), "method": "HOOK", "path": "on_publish",
                                   "auth": fresh, "query": ""})
            if fresh:
                self.state.publishing_key = name
                self.state.started_at = time.time()
        return self.send_json(200 if fresh else 403, {})

    def on_publish_done(self, body):
        name = parse_qs(body.decode()).get("name", [""])[0]
        with self.state.lock:
            if name == self.state.publishing_key:
                self.state.publishing_key = None
        return self.send_json(200, {})

    def control(self, path, body):
        data = json.loads(body) if body else {}
        with self.state.lock:
            if path == "/_control/fault":
                data.setdefault("count", 1)
                self.state.faults.append(data)
            elif path == "/_control/comments":
                added = []
                for _ in range(int(data.get("count", 1))):
                    self.state.next_comment_id += 1
                    n = self.state.next_comment_id
                    record = {"chat_event_id": str(n), "sender_user_id": str(uuid.uuid4()),
                              "sender_username": data.get("author", "viewer"),
                              "text": data.get("text", "comment") + f" #{n}",
                              "timestamp": str(int(time.time() * 1000)), "type": data.get("type", "message")}
                    if "tip_amount" in data:
                        record["tip_data"] = {"amount": data["tip_amount"]}
                    self.state.comments.append(record)
                    added.append(self.state.comments[-1])
                threading.Thread(target=self.broadcast, args=(added,), daemon=True).start()
            elif path == "/_control/socketio":
                for key in ("ping_interval_ms", "ping_timeout_ms", "withhold_pings", "refuse_handshake", "refuse_connect"):
                    if key in data:
                        self.state.socketio[key] = data[key]
                if data.get("kill"):
                    for session in self.state.sockets:
                        session.peer.abort()
            elif path == "/_control/socketio_state":
                return self.send_json(200, {"clients": len(self.state.sockets),
                                            "connected": sum(1 for s in self.state.sockets if s.connected),
                                            "rooms": sorted({r for s in self.state.sockets for r in s.rooms}),
                                            "sessions": self.state.socket_sessions, "pongs": self.state.pongs})
            elif path == "/_control/socket_flood":
                threading.Thread(target=self.socket_flood, args=(int(data["count"]), float(data.get("per_s", 1000))),
                                 daemon=True).start()
            elif path == "/_control/hold_live":
                self.state.live_held_until = time.time() + float(data["seconds"])
            elif path == "/_control/revoke":
                self.state.agents = {}
            elif path == "/_control/skill":
                self.state.skill_version = data["version"]
            elif path == "/_control/agent":
                self.state.agents[data["access_token"]] = dict(
                    data, token_address="", token_ticker="", verified=data.get("verified", True))
                self.state.names.add(data.get("agent_name", ""))
            elif path == "/_control/verified":
                for agent in self.state.agents.values():
                    agent["verified"] = bool(data["verified"])
            elif path == "/_control/tweet":
                self.state.tweets[data["url"]] = data["text"]
            elif path == "/_control/chat":
                return self.send_json(200, self.state.comments)
            elif path == "/_control/log":
                return self.send_json(200, self.state.log)
            elif path == "/_control/state":
                return self.send_json(200, {"keys_issued": self.state.keys_issued, "current_key": self.state.current_key,
                                            "started_key": self.state.started_key, "live": self.live(), "live_held_until": self.state.live_held_until,
                                            "session": self.state.session_id})
            else:
                return self.send_json(404, {"error": "no such control"})
        return self.send_json(200, {"ok": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rtmp-base", default="rtmp://127.0.0.1:1935/live")
    args = parser.parse_args()
    Handler.state = State(args.rtmp_base)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
