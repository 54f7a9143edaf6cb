#!/usr/bin/env python3
"""A loopback HTTP(S) server for the HttpClient tests (Python standard library only).

Routes: /echo (method, path, headers and body back as JSON), /bytes?n=N (N bytes),
/slow?ms=N (answers after N ms), /redirect (302 elsewhere), /status/N (status N).
"""
import argparse
import json
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/echo":
            self.reply(200, json.dumps({
                "method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }).encode())
        elif url.path == "/bytes":
            self.reply(200, b"x" * int(query["n"][0]), "application/octet-stream")
        elif url.path == "/slow":
            time.sleep(int(query["ms"][0]) / 1000)
            self.reply(200, b'{"slow": true}')
        elif url.path == "/redirect":
            self.reply(302, b"", headers=[("Location", "http://127.0.0.2:9/stolen")])
        elif url.path.startswith("/status/"):
            self.reply(int(url.path.split("/")[2]), b'{"error": "as requested"}')
        else:
            self.reply(404, b'{"error": "not found"}')

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
