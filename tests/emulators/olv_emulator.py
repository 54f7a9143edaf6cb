#!/usr/bin/env python3
"""An emulator of Open-LLM-VTuber's /proxy-ws (chat-protocols.md §2), on loopback, standard library only.

Behaves like the real proxy and server: on connect it says "Connection established", start-mic
and set-model-and-conf; text-input messages are queued FIFO and released one at a time, only
while no conversation is active; a turn is conversation-chain-start, full-text "Thinking...",
the scripted audio messages in order (complete WAV files, base64, at the script's rates, mono;
or audio: null), backend-synth-complete twice, and then it BLOCKS until a client sends
frontend-playback-complete before force-new-message and conversation-chain-end, which frees the
queue for the next text-input. Everything is broadcast to every client; heartbeat gets
heartbeat-ack. Text frames only: a binary frame closes the socket (1003).

Test control (loopback only):
  POST /_control/script {"sentences": [{"text", "rate", "ms", "hz"} | {"text", "audio": null} |
                         {"text", "raw_base64": "..."}], "gap_ms": 200, "stall": false}  what each turn
                        says; stall: the turn hangs after "Thinking..." (a language model that never
                        answers) until an interrupt-signal or the last client leaving ends it
  POST /_control/kill   drops every socket without a closing handshake
  POST /_control/state  inputs [{text, at}], interrupts [{text, at}], turns [{started, audio_sent: [{at, ms, voiced}],
                        synth_at, playback_complete_at, ended, abandoned}], connections, sessions
When the last client leaves, the queue is cleared and a turn in progress is abandoned, as the
real proxy does (it closes its upstream connection).
"""
import argparse
import array
import base64
import json
import math
import os
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import websocket_server  # noqa: E402

CHARACTER = "Mao"


def wav(rate, ms, hz):
    """A complete RIFF/WAVE file: a 16-bit mono sine as pydub would export it."""
    frames = rate * ms // 1000
    step = 2 * math.pi * hz / rate
    samples = array.array("h", (int(12000 * math.sin(step * i)) for i in range(frames)))
    if sys.byteorder != "little":
        samples.byteswap()
    samples = samples.tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(samples)) + samples


class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.peers = []
        self.sessions = 0
        self.queue = []
        self.active = False
        self.playback_complete = False
        self.abandoned = False
        self.inputs = []
        self.interrupts = []
        self.turns = []
        self.script = {"sentences": [{"text": "Hello there!", "rate": 24000, "ms": 800, "hz": 440}],
                       "gap_ms": 200}

    def broadcast(self, message):
        data = json.dumps(message)
        for peer in list(self.peers):
            peer.send_text(data)


def turn_runner(state):
    """Releases queued text-inputs one at a time and plays each turn's script."""
    while True:
        with state.lock:
            while state.active or not state.queue:
                state.lock.wait()
            state.queue.pop(0)
            state.active = True
            state.playback_complete = False
            state.abandoned = False
            turn = {"started": time.time(), "audio_sent": [], "synth_at": None, "playback_complete_at": None,
                    "ended": None}
            state.turns.append(turn)
            script = json.loads(json.dumps(state.script))
        state.broadcast({"type": "control", "text": "conversation-chain-start"})
        state.broadcast({"type": "full-text", "text": "Thinking..."})
        if script.get("stall"):
            with state.lock:
                while not state.abandoned:
                    state.lock.wait()
        for sentence in script["sentences"]:
            time.sleep(script.get("gap_ms", 200) / 1000)
            if state.abandoned:
                break
            display = {"text": sentence.get("text", ""), "name": CHARACTER, "avatar": None}
            if "raw_base64" in sentence:
                audio, ms = sentence["raw_base64"], 0
            elif "rate" in sentence:
                audio = base64.b64encode(wav(sentence["rate"], sentence["ms"], sentence.get("hz", 440))).decode()
                ms = sentence["ms"]
            else:
                audio, ms = None, 0
            state.broadcast({"type": "audio", "audio": audio, "volumes": [0.5] * (ms // 20) if audio else [],
                             "slice_length": 20, "display_text": display, "actions": None, "forwarded": False})
            with state.lock:
                turn["audio_sent"].append({"at": time.time(), "ms": ms, "voiced": audio is not None})
        spoke = any(entry["voiced"] for entry in turn["audio_sent"])
        if spoke and not state.abandoned:
            # Sent in single_conversation and again in finalize_conversation_turn.
            state.broadcast({"type": "backend-synth-complete"})
            state.broadcast({"type": "backend-synth-complete"})
            with state.lock:
                turn["synth_at"] = time.time()
                while not state.playback_complete:
                    state.lock.wait()
        with state.lock:
            if state.abandoned:
                # The last client left: the proxy closed upstream, the turn died with it.
                turn["abandoned"] = True
                state.active = False
                state.lock.notify_all()
                continue
        state.broadcast({"type": "force-new-message"})
        with state.lock:
            turn["ended"] = time.time()  # before the chain-end leaves: a client may answer at once
        state.broadcast({"type": "control", "text": "conversation-chain-end"})
        with state.lock:
            state.active = False
            state.lock.notify_all()


class Handler(BaseHTTPRequestHandler):
    state = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("olv-emulator: " + (fmt % args) + "\n")

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if urlparse(self.path).path != "/proxy-ws":
            return self.send_json(404, {"detail": "Not Found"})
        problem = websocket_server.handshake_problem(self)
        if problem:
            return self.send_json(400, {"detail": problem})
        peer = websocket_server.accept(self)
        peer.max_message = 16 << 20
        state = self.state
        with state.lock:
            state.peers.append(peer)
            state.sessions += 1
        peer.send_text(json.dumps({"type": "full-text", "text": "Connection established"}))
        peer.send_text(json.dumps({"type": "control", "text": "start-mic"}))
        peer.send_text(json.dumps({"type": "set-model-and-conf", "model_info": {"name": "mao_pro"},
                                   "conf_name": "mao_pro", "conf_uid": "mao_pro_001", "client_uid": "proxy"}))
        try:
            while True:
                received = peer.receive()
                if received is None:
                    return
                opcode, data = received
                if opcode != websocket_server.TEXT:
                    peer.close(1003)
                    return
                self.on_message(json.loads(data))
        finally:
            with state.lock:
                state.peers.remove(peer)
                if not state.peers:
                    # As the real proxy: the last client gone, upstream is closed and the queue
                    # cleared; a turn in progress ends.
                    state.queue.clear()
                    if state.active:
                        state.abandoned = True
                        state.playback_complete = True
                    state.lock.notify_all()

    def on_message(self, message):
        state = self.state
        kind = message.get("type")
        with state.lock:
            if kind == "text-input":
                state.inputs.append({"text": message.get("text", ""), "at": time.time()})
                state.queue.append(message)
                state.lock.notify_all()
            elif kind == "interrupt-signal":
                # The server cancels the turn and keeps the heard part; the proxy frees the queue.
                state.interrupts.append({"text": message.get("text", ""), "at": time.time()})
                if state.active:
                    state.abandoned = True
                    state.playback_complete = True
                    state.lock.notify_all()
            elif kind == "frontend-playback-complete":
                if state.turns and state.turns[-1]["playback_complete_at"] is None and state.active:
                    state.turns[-1]["playback_complete_at"] = time.time()
                state.playback_complete = True
                state.lock.notify_all()
        if kind == "heartbeat":
            state.broadcast({"type": "heartbeat-ack"})

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        data = json.loads(self.rfile.read(length) or b"{}")
        state = self.state
        if url.path == "/_control/script":
            with state.lock:
                state.script = data
        elif url.path == "/_control/kill":
            with state.lock:
                for peer in state.peers:
                    peer.abort()
        elif url.path == "/_control/state":
            with state.lock:
                return self.send_json(200, {"inputs": state.inputs, "turns": state.turns, "interrupts": state.interrupts,
                                            "connections": len(state.peers), "sessions": state.sessions,
                                            "queued": len(state.queue), "active": state.active})
        else:
            return self.send_json(404, {"error": "no such control"})
        return self.send_json(200, {"ok": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    Handler.state = State()
    threading.Thread(target=turn_runner, args=(Handler.state,), daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
