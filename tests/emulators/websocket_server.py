"""The server side of RFC 6455 for the emulators, on a connection that http.server accepted.

Strict where a real server is: the handshake needs GET, Upgrade: websocket, Connection: Upgrade,
Sec-WebSocket-Version 13 and a 16-byte Sec-WebSocket-Key; client frames must be masked (else
close 1002); control frames must be short and unfragmented; a text message must be valid
UTF-8 (else close 1007); a message over `max_message` closes with 1009. Pings are answered.
"""
import base64
import hashlib
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def handshake_problem(handler):
    """Why the request is not a valid WebSocket handshake, or None."""
    headers = handler.headers
    if handler.command != "GET":
        return "WebSocket handshakes use GET"
    if headers.get("Upgrade", "").lower() != "websocket":
        return "Upgrade: websocket missing"
    if "upgrade" not in headers.get("Connection", "").lower():
        return "Connection: Upgrade missing"
    if headers.get("Sec-WebSocket-Version") != "13":
        return "Sec-WebSocket-Version 13 required"
    try:
        if len(base64.b64decode(headers.get("Sec-WebSocket-Key", ""), validate=True)) != 16:
            return "Sec-WebSocket-Key must be 16 bytes"
    except ValueError:
        return "Sec-WebSocket-Key is not base64"
    return None


def accept(handler):
    """Answers a valid handshake with 101 and returns the connection's Peer."""
    key = handler.headers["Sec-WebSocket-Key"]
    digest = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", digest)
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    return Peer(handler.connection, handler.rfile)


class Peer:
    def __init__(self, sock, rfile, max_message=1 << 20):
        self.sock = sock
        self.rfile = rfile
        self.max_message = max_message
        self.lock = threading.Lock()
        self.closed = False

    def send_text(self, text):
        return self.send(TEXT, text.encode())

    def send_binary(self, data):
        return self.send(BINARY, bytes(data))

    def send(self, opcode, payload):
        size = len(payload)
        if size < 126:
            header = struct.pack(">BB", 0x80 | opcode, size)
        elif size < 65536:
            header = struct.pack(">BBH", 0x80 | opcode, 126, size)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 127, size)
        with self.lock:
            if self.closed:
                return False
            try:
                self.sock.sendall(header + payload)
                return True
            except OSError:
                self.closed = True
                return False

    def close(self, code=1000):
        self.send(CLOSE, struct.pack(">H", code))
        self.abort()

    def abort(self):
        """Ends the TCP connection without a closing handshake (a server that died)."""
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(2)
        except OSError:
            pass

    def _read(self, count):
        data = self.rfile.read(count)
        if data is None or len(data) < count:
            raise EOFError
        return data

    def receive(self):
        """(opcode, payload) of the next data message, or None when the connection ends."""
        message, message_opcode = bytearray(), None
        try:
            while True:
                first, second = self._read(2)
                fin, opcode = first & 0x80, first & 0x0F
                if not second & 0x80:
                    self.close(1002)  # RFC 6455 5.1: a client masks every frame
                    return None
                size = second & 0x7F
                if size == 126:
                    size = struct.unpack(">H", self._read(2))[0]
                elif size == 127:
                    size = struct.unpack(">Q", self._read(8))[0]
                if opcode >= 0x8 and (size > 125 or not fin):
                    self.close(1002)
                    return None
                if len(message) + size > self.max_message:
                    self.close(1009)
                    return None
                mask = self._read(4)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(size)))
                if opcode == CLOSE:
                    self.close(1000)
                    return None
                if opcode == PING:
                    self.send(PONG, payload)
                    continue
                if opcode == PONG:
                    continue
                if opcode in (TEXT, BINARY):
                    message_opcode, message = opcode, bytearray(payload)
                elif opcode == 0x0 and message_opcode is not None:
                    message += payload
                else:
                    self.close(1002)
                    return None
                if fin:
                    if message_opcode == TEXT:
                        try:
                            bytes(message).decode("utf-8")
                        except UnicodeDecodeError:
                            self.close(1007)
                            return None
                    return message_opcode, bytes(message)
        except (EOFError, OSError, ValueError):
            self.abort()
            return None
