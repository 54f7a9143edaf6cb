#!/usr/bin/env python3
"""A loopback receiver of the box's owner notifications (notify.webhook), standard library only.

POST /hook          a notification: must be Content-Type application/json and a JSON object with
                    "event"; kept (or refused with the status given to /_control/fail)
POST /_control/fail {"count": N, "status": 500}  the next N notifications get this status
POST /_control/received  every notification kept so far, oldest first, with "received_at"
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class Handler(BaseHTTPRequestHandler):
    lock = threading.Lock()
    received = []
    failures = {"count": 0, "status": 500}
    attempts = 0
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("webhook-receiver: " + (fmt % args) + "\n")

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        path = urlparse(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        cls = type(self)
        if path == "/hook":
            if self.headers.get("Content-Type") != "application/json":
                return self.send_json(415, {"error": "JSON only"})
            try:
                message = json.loads(body)
            except ValueError:
                return self.send_json(400, {"error": "invalid JSON"})
            if not isinstance(message, dict) or not isinstance(message.get("event"), str):
                return self.send_json(400, {"error": "event missing"})
            with cls.lock:
                cls.attempts += 1
                if cls.failures["count"] > 0:
                    cls.failures["count"] -= 1
                    return self.send_json(cls.failures["status"], {"error": "injected failure"})
                message["received_at"] = time.time()
                cls.received.append(message)
            return self.send_json(200, {"ok": True})
        if path == "/_control/fail":
            data = json.loads(body or b"{}")
            with cls.lock:
                cls.failures = {"count": int(data.get("count", 1)), "status": int(data.get("status", 500))}
            return self.send_json(200, {"ok": True})
        if path == "/_control/received":
            with cls.lock:
                return self.send_json(200, {"received": cls.received, "attempts": cls.attempts})
        return self.send_json(404, {"error": "not found"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
