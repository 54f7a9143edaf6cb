#!/usr/bin/python3
"""An emulator of Douyin's webcast push server (chat-protocols.md §3), on loopback.

Speaks the real framing through Google's protobuf runtime (python3-protobuf) from its own
proto (douyin/webcast.proto, fuller than the box's): binary WebSocket messages holding a
PushFrame whose payload is a gzip'd Response (headers compress_type, im-cursor,
im-internal_ext), each Message a protobuf of the named type. It is strict where the real one
is: the handshake needs the room's signed URL (the signature covers the room and client
fields, not cursor/internal_ext), the ttwid cookie the signer gave and a browser user agent;
every "msg" frame asks for an ack (PushFrame{logId, "ack", payload = internalExt}) and is
pushed again every 1.5 s until acked; a client that sends no heartbeat frame ("hb") for
hb_timeout_s is disconnected; text frames close the socket (1003). A reconnect's `cursor`
resumes after the last message it names; without one the last 15 messages are pushed again
(need_persist_msg_count).

It also plays the owner's signer service: GET /sign?room_id=<id> answers {"url", "cookie",
"user_agent"} with a fresh signature (the box does not sign: Douyin's signature comes from
obfuscated JavaScript).

Test control (loopback only):
  POST /_control/events  {"events": [{"kind": "chat"|"gift"|"like"|"enter"|"follow"|"share"|
                          "room_stats"|"control"|"emoji", "user", "user_id", "text", "gift",
                          "count", "total", "status"}], "per_frame": N}  pushed to every socket
  POST /_control/flood   {"count": N, "per_s": R}  N chat messages at R a second
  POST /_control/hostile {}  to every socket: bytes that are no PushFrame, a "gzip" payload that
                          is not gzip, a gzip bomb (20 MiB of zeros), a chat message that is not
                          a ChatMessage; none asks for an ack
  POST /_control/silence {}  every open socket goes quiet: it answers heartbeats and pushes
                          nothing more (what breaks real listeners); new sockets are not quiet
  POST /_control/refuse  {"status": 415}  handshakes refused with this status (0: accepted)
  POST /_control/signer  {"status": 500}  the signer fails with this status (0: it signs)
  POST /_control/kill    {}  drops every socket without a closing handshake
  POST /_control/settings {"hb_timeout_s", "resend_ms"}
  POST /_control/state   sockets, sessions, quiet, heartbeats, acks, bad_acks, resent,
                          refused, signs, handshakes [{cursor, internal_ext, user_agent}]
"""
import argparse
import gzip
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import websocket_server  # noqa: E402

from google.protobuf import descriptor_pb2, message_factory  # noqa: E402

PUSH_PATH = "/webcast/im/push/v2/"
# The fields X-Bogus signs, in this order (chat-protocols.md §3.2).
SIGNED_KEYS = ["live_id", "aid", "version_code", "webcast_sdk_version", "room_id", "sub_room_id", "sub_channel_id",
               "did_rule", "user_unique_id", "device_platform", "device_type", "ac", "identity"]
USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")
PERSISTED = 15


def load_messages():
    """The message classes of webcast.proto, compiled at start by protoc-c (a build dependency)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "douyin")
    with tempfile.TemporaryDirectory() as scratch:
        descriptor = os.path.join(scratch, "webcast.desc")
        subprocess.run(["protoc-c", "--proto_path=" + here, "--descriptor_set_out=" + descriptor, "webcast.proto"],
                       check=True)
        files = descriptor_pb2.FileDescriptorSet()
        with open(descriptor, "rb") as handle:
            files.ParseFromString(handle.read())
    classes = message_factory.GetMessages(files.file)
    return {name.split(".", 1)[1]: cls for name, cls in classes.items()}


M = load_messages()


def now_ms():
    return int(time.time() * 1000)


class State:
    def __init__(self, room_id):
        self.lock = threading.Lock()
        self.room_id = room_id
        self.secret = secrets.token_bytes(16)
        self.user_unique_id = str(7319483754668557238)
        self.ttwid = "1%7C" + secrets.token_urlsafe(24)
        self.events = []            # [(index, Message)] in push order
        self.next_msg_id = 7_390_000_000_000_000_000
        self.sockets = []
        self.sessions = 0
        self.heartbeats = 0
        self.acks = 0
        self.bad_acks = 0
        self.resent = 0
        self.refused = 0
        self.signs = 0
        self.refuse_status = 0
        self.signer_status = 0
        self.hb_timeout_s = 30.0
        self.resend_ms = 1500
        self.handshakes = []

    def signature(self, params):
        signed = ",".join(f"{key}={params.get(key, '')}" for key in SIGNED_KEYS)
        digest = hashlib.md5(signed.encode()).hexdigest()
        return "DFSz" + hmac.new(self.secret, digest.encode(), hashlib.sha256).hexdigest()[:24]


def signed_url(state, port):
    params = {
        "app_name": "douyin_web", "version_code": "180800", "webcast_sdk_version": "1.0.14-beta.0",
        "update_version_code": "1.0.14-beta.0", "compress": "gzip", "device_platform": "web",
        "cookie_enabled": "true", "browser_language": "zh-CN", "browser_platform": "Win32",
        "browser_name": "Mozilla", "browser_online": "true", "tz_name": "Asia/Shanghai",
        "cursor": f"d-1_u-1_fh-7392091211001140287_t-{now_ms()}_r-1",
        "internal_ext": f"internal_src:dim|wss_push_room_id:{state.room_id}|wss_push_did:{state.user_unique_id}"
                        f"|first_req_ms:{now_ms()}|fetch_time:{now_ms()}|seq:1|wss_info:0-{now_ms()}-0-0",
        "host": "https://live.douyin.com", "aid": "6383", "live_id": "1", "did_rule": "3", "endpoint": "live_pc",
        "support_wrds": "1", "user_unique_id": state.user_unique_id, "im_path": "/webcast/im/fetch/",
        "identity": "audience", "need_persist_msg_count": str(PERSISTED), "insert_task_id": "", "live_reason": "",
        "room_id": state.room_id, "heartbeatDuration": "0",
    }
    params["signature"] = state.signature(params)
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())
    return f"ws://127.0.0.1:{port}{PUSH_PATH}?{query}"


def user(name, user_id):
    return M["User"](id=int(user_id), shortId=int(user_id) % 100000, nickName=name, gender=1, Level=3,
                     AvatarThumb=M["Image"](urlListList=["https://p3.douyinpic.com/aweme/100x100/a.jpeg"]),
                     displayId=f"dy{user_id}", secUid="MS4wLjABAAAA" + str(user_id), idStr=str(user_id))


def build_message(state, spec):
    """One Message (method + protobuf payload) from a control spec."""
    msg_id = state.next_msg_id
    state.next_msg_id += 1
    common = M["Common"](msgId=msg_id, roomId=int(state.room_id), createTime=now_ms(), isShowMsg=True)
    who = user(spec.get("user", "viewer"), spec.get("user_id", 1000 + msg_id % 1000))
    kind = spec.get("kind", "chat")
    if kind == "chat":
        common.method = "WebcastChatMessage"
        payload = M["ChatMessage"](common=common, user=who, content=spec.get("text", ""), eventTime=now_ms() // 1000,
                                   rtfContent=M["Text"](key="", defaultPattern=spec.get("text", "")))
        method = "WebcastChatMessage"
    elif kind == "gift":
        count = int(spec.get("count", 1))
        gift = M["GiftStruct"](id=463, name=spec.get("gift", "Rose"), diamondCount=1, combo=True, type=1)
        payload = M["GiftMessage"](common=common, giftId=463, repeatCount=count, comboCount=count, user=who,
                                   repeatEnd=1, groupId=msg_id, gift=gift, totalCount=count)
        method = "WebcastGiftMessage"
    elif kind == "like":
        payload = M["LikeMessage"](common=common, count=int(spec.get("count", 1)), total=int(spec.get("total", 100)),
                                   user=who)
        method = "WebcastLikeMessage"
    elif kind == "enter":
        payload = M["MemberMessage"](common=common, user=who, memberCount=int(spec.get("total", 10)), action=1)
        method = "WebcastMemberMessage"
    elif kind in ("follow", "share"):
        payload = M["SocialMessage"](common=common, user=who, action=1 if kind == "follow" else 3,
                                     shareType=0 if kind == "follow" else 1, followCount=42)
        method = "WebcastSocialMessage"
    elif kind == "room_stats":
        total = int(spec.get("total", 1234))
        payload = M["RoomUserSeqMessage"](common=common, total=total, totalUser=total * 3,
                                          onlineUserForAnchor=str(total), totalPvForAnchor="4.3万")
        method = "WebcastRoomUserSeqMessage"
    elif kind == "control":
        payload = M["ControlMessage"](common=common, status=int(spec.get("status", 3)))
        method = "WebcastControlMessage"
    elif kind == "emoji":  # a type the box does not read: skipped, never a problem
        payload = M["EmojiChatMessage"](common=common, user=who, emojiId=7, defaultContent="[smile]")
        method = "WebcastEmojiChatMessage"
    else:
        raise ValueError("unknown kind " + kind)
    return M["Message"](method=method, payload=payload.SerializeToString(), msgId=msg_id, msgType=0)


def hostile_frames():
    def msg_frame(payload, gzipped):
        headers = [M["HeadersList"](key="compress_type", value="gzip")] if gzipped else []
        return M["PushFrame"](logId=1, payloadType="msg", payloadEncoding="pb", headersList=headers,
                              payload=payload).SerializeToString()

    not_a_chat = M["Response"](messagesList=[M["Message"](method="WebcastChatMessage", payload=b"\xff\xff\xff",
                                                          msgId=1)]).SerializeToString()
    return [b"\xff\xff\xff\xff\xff",
            msg_frame(b"this is not gzip", True),
            msg_frame(gzip.compress(bytes(20 << 20)), True),
            msg_frame(not_a_chat, False)]


class Session:
    """One push socket: a reader (the handler's thread) and a writer thread."""

    def __init__(self, peer, state, backlog, gzipped):
        self.peer = peer
        self.state = state
        self.gzipped = gzipped
        self.quiet = False
        self.seq = 0
        self.unacked = {}          # logId -> [frame bytes, internal_ext, last sent]
        self.outbox = list(backlog)
        self.wake = threading.Condition()
        self.last_hb = time.time()
        self.done = False

    def frame_for(self, messages):
        self.seq += 1
        last_index = messages[-1][0]
        cursor = f"d-1_u-1_fh-{last_index}_t-{now_ms()}_r-1"
        internal_ext = (f"internal_src:pushserver|wss_push_room_id:{self.state.room_id}|wss_push_did:"
                        f"{self.state.user_unique_id}|first_req_ms:{now_ms()}|fetch_time:{now_ms()}|seq:{self.seq}"
                        f"|wss_info:0-{now_ms()}-0-0|wrds_v:7392094459690748497")
        response = M["Response"](messagesList=[message for _, message in messages], cursor=cursor, fetchInterval=0,
                                 now=now_ms(), internalExt=internal_ext, fetchType=0, heartbeatDuration=0,
                                 needAck=True, pushServer="", liveCursor=cursor, historyNoMore=True)
        response.routeParams["room_id"] = self.state.room_id
        payload = response.SerializeToString()
        headers = [M["HeadersList"](key="im-now", value=str(now_ms())),
                   M["HeadersList"](key="im-cursor", value=cursor),
                   M["HeadersList"](key="im-internal_ext", value=internal_ext)]
        if self.gzipped:
            payload = gzip.compress(payload)
            headers.insert(0, M["HeadersList"](key="compress_type", value="gzip"))
        log_id = random.getrandbits(63)
        frame = M["PushFrame"](seqId=self.seq, logId=log_id, service=0, method=0, headersList=headers,
                               payloadEncoding="pb", payloadType="msg", payload=payload)
        return log_id, frame.SerializeToString(), internal_ext

    def push(self, messages):
        with self.wake:
            if not self.quiet:
                self.outbox.extend(messages)
                self.wake.notify()

    def writer(self, per_frame):
        while not self.done:
            with self.wake:
                self.wake.wait(0.1)
                batch, self.outbox = self.outbox, []
            for start in range(0, len(batch), per_frame):
                log_id, frame, internal_ext = self.frame_for(batch[start:start + per_frame])
                with self.wake:
                    self.unacked[log_id] = [frame, internal_ext, time.time()]
                if not self.peer.send_binary(frame):
                    self.done = True
            now = time.time()
            with self.wake:
                waiting = list(self.unacked.values())
            for entry in waiting:
                if now - entry[2] >= self.state.resend_ms / 1000 and not self.quiet:
                    entry[2] = now
                    with self.state.lock:
                        self.state.resent += 1
                    self.peer.send_binary(entry[0])
            if now - self.last_hb > self.state.hb_timeout_s:
                self.peer.close(1000)
                self.done = True

    def reader(self):
        while True:
            received = self.peer.receive()
            if received is None:
                return
            opcode, data = received
            if opcode != websocket_server.BINARY:
                self.peer.close(1003)
                return
            frame = M["PushFrame"]()
            try:
                frame.ParseFromString(data)
            except Exception:  # noqa: BLE001 - any parse failure ends the socket, as a server would
                self.peer.close(1007)
                return
            if frame.payloadType == "hb":
                self.last_hb = time.time()
                with self.state.lock:
                    self.state.heartbeats += 1
                self.peer.send_binary(M["PushFrame"](payloadType="hb").SerializeToString())
            elif frame.payloadType == "ack":
                with self.wake:
                    entry = self.unacked.get(frame.logId)
                    good = entry is not None and frame.payload == entry[1].encode()
                    if good:
                        del self.unacked[frame.logId]
                with self.state.lock:
                    if good:
                        self.state.acks += 1
                    else:
                        self.state.bad_acks += 1

    def run(self, per_frame):
        writer = threading.Thread(target=self.writer, args=(per_frame,), daemon=True)
        writer.start()
        self.reader()
        self.done = True
        writer.join(2)


class Handler(BaseHTTPRequestHandler):
    state = None
    per_frame = 20
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("douyin-emulator: " + (fmt % args) + "\n")

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == PUSH_PATH:
            return self.push_socket(parse_qs(url.query, keep_blank_values=True))
        if url.path == "/sign":
            return self.sign(parse_qs(url.query))
        return self.send_json(404, {"error": "not found"})

    def sign(self, query):
        state = self.state
        with state.lock:
            state.signs += 1
            failing = state.signer_status
        if failing:
            return self.send_json(failing, {"error": "the signer failed"})
        if query.get("room_id") != [state.room_id]:
            return self.send_json(404, {"error": "no such room"})
        return self.send_json(200, {"url": signed_url(state, self.server.server_address[1]),
                                    "cookie": f"ttwid={state.ttwid}", "user_agent": USER_AGENT})

    def handshake_refusal(self, params):
        state = self.state
        problem = websocket_server.handshake_problem(self)
        if problem:
            return 400, problem
        if state.refuse_status:
            return state.refuse_status, "device blocked"
        if params.get("room_id") != state.room_id:
            return 404, "no such room"
        if not hmac.compare_digest(params.get("signature", ""), state.signature(params)):
            return 403, "bad signature"
        if f"ttwid={state.ttwid}" not in self.headers.get("Cookie", ""):
            return 403, "no ttwid cookie"
        if not self.headers.get("User-Agent", "").startswith("Mozilla/5.0"):
            return 403, "not a browser"
        return None

    def push_socket(self, query):
        state = self.state
        params = {key: values[0] for key, values in query.items()}
        refusal = self.handshake_refusal(params)
        with state.lock:
            state.handshakes.append({"cursor": params.get("cursor", ""), "internal_ext": params.get("internal_ext", ""),
                                     "user_agent": self.headers.get("User-Agent", ""),
                                     "refused": refusal[0] if refusal else 0})
            if refusal:
                state.refused += 1
        if refusal:
            return self.send_json(refusal[0], {"status_code": refusal[0], "message": refusal[1]})
        match = re.search(r"_fh-(\d+)_", params.get("cursor", ""))
        with state.lock:
            known = match is not None and int(match.group(1)) <= len(state.events)
            after = int(match.group(1)) if known else None
            backlog = ([entry for entry in state.events if entry[0] > after] if after is not None
                       else state.events[-PERSISTED:])
            session = Session(websocket_server.accept(self), state, backlog, params.get("compress") == "gzip")
            state.sockets.append(session)
            state.sessions += 1
        try:
            session.run(self.per_frame)
        finally:
            with state.lock:
                state.sockets.remove(session)

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        data = json.loads(self.rfile.read(length) or b"{}")
        state = self.state
        if url.path == "/_control/events":
            with state.lock:
                messages = []
                for spec in data.get("events", []):
                    entry = (len(state.events) + 1, build_message(state, spec))
                    state.events.append(entry)
                    messages.append(entry)
                sockets = list(state.sockets)
            for session in sockets:
                session.push(messages)
            return self.send_json(200, {"ids": [str(message.msgId) for _, message in messages]})
        if url.path == "/_control/flood":
            threading.Thread(target=self.flood, args=(int(data["count"]), float(data["per_s"])), daemon=True).start()
        elif url.path == "/_control/hostile":
            with state.lock:
                sockets = list(state.sockets)
            for session in sockets:
                for frame in hostile_frames():
                    session.peer.send_binary(frame)
        elif url.path == "/_control/silence":
            with state.lock:
                for session in state.sockets:
                    with session.wake:
                        session.quiet = True
        elif url.path == "/_control/refuse":
            state.refuse_status = int(data.get("status", 0))
        elif url.path == "/_control/signer":
            state.signer_status = int(data.get("status", 0))
        elif url.path == "/_control/settings":
            state.hb_timeout_s = float(data.get("hb_timeout_s", state.hb_timeout_s))
            state.resend_ms = int(data.get("resend_ms", state.resend_ms))
        elif url.path == "/_control/kill":
            with state.lock:
                for session in state.sockets:
                    session.peer.abort()
        elif url.path == "/_control/state":
            with state.lock:
                return self.send_json(200, {
                    "sockets": len(state.sockets), "sessions": state.sessions,
                    "quiet": sum(1 for session in state.sockets if session.quiet),
                    "heartbeats": state.heartbeats, "acks": state.acks, "bad_acks": state.bad_acks,
                    "resent": state.resent, "refused": state.refused, "signs": state.signs,
                    "events": len(state.events), "handshakes": state.handshakes})
        else:
            return self.send_json(404, {"error": "no such control"})
        return self.send_json(200, {"ok": True})

    def flood(self, count, per_s):
        started = time.time()
        for number in range(count):
            delay = started + number / per_s - time.time()
            if delay > 0:
                time.sleep(delay)
            with self.state.lock:
                entry = (len(self.state.events) + 1,
                         build_message(self.state, {"kind": "chat", "user": "flood", "text": f"flood {number}"}))
                self.state.events.append(entry)
                sockets = list(self.state.sockets)
            for session in sockets:
                session.push([entry])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--room-id", default="7392091211001140287")
    args = parser.parse_args()
    Handler.state = State(args.room_id)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
