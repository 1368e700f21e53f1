#!/usr/bin/env python3
"""A small forward proxy for the proxy tests (stdlib only), on loopback.

  CONNECT host:port    tunnels bytes both ways (HTTPS through the proxy)
  GET http://h:p/path  absolute-form requests are forwarded (plain HTTP)
  --auth USER:PASS     require `Proxy-Authorization: Basic ...` (407 otherwise)
  --log FILE           append one JSON line per proxied request or tunnel
                       (method, target, whether Proxy-Authorization was sent)

Only loopback targets (127.0.0.0/8, ::1, localhost) are forwarded; anything
else is refused with 403, so a test can never reach out of the machine.
Binds 127.0.0.1 on --port (0: a free port) and prints `PORT <n>`.
"""
import argparse
import base64
import ipaddress
import json
import select
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def loopback(host):
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = None

    def log_message(self, fmt, *args):
        pass

    def record(self, target):
        if not self.opts.log:
            return
        entry = {
            "method": self.command,
            "target": target,
            "auth": self.headers.get("Proxy-Authorization") is not None,
        }
        with LOCK, open(self.opts.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def refuse(self, code, text):
        body = text.encode()
        self.send_response(code)
        if code == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def authorised(self):
        if not self.opts.auth:
            return True
        want = "Basic " + base64.b64encode(self.opts.auth.encode()).decode()
        return self.headers.get("Proxy-Authorization") == want

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        self.record(self.path)
        if not self.authorised():
            return self.refuse(407, "proxy auth")
        if not loopback(host):
            return self.refuse(403, "only loopback targets")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError as e:
            return self.refuse(502, str(e))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        conns = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(conns, [], [], 30)
                if not ready:
                    break
                for r in ready:
                    data = r.recv(65536)
                    if not data:
                        return
                    (upstream if r is self.connection else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        self.record(self.path)
        if not self.authorised():
            return self.refuse(407, "proxy auth")
        if u.scheme != "http" or not u.hostname or not loopback(u.hostname):
            return self.refuse(403, "only absolute http:// URLs to loopback")
        try:
            upstream = socket.create_connection((u.hostname, u.port or 80), timeout=10)
        except OSError as e:
            return self.refuse(502, str(e))
        path = urllib.parse.urlunsplit(("", "", u.path or "/", u.query, ""))
        lines = [f"GET {path} HTTP/1.0", f"Host: {u.netloc}"]
        for k, v in self.headers.items():
            if k.lower() not in ("host", "proxy-authorization", "proxy-connection", "connection"):
                lines.append(f"{k}: {v}")
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while True:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            data += chunk
        upstream.close()
        # HTTP/1.0 upstream: the answer ends at close; hand it on and close.
        self.close_connection = True
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *headers = head.decode("latin-1").split("\r\n")
        out = [status_line.replace("HTTP/1.0", "HTTP/1.1", 1)]
        out += [h for h in headers if not h.lower().startswith(("connection", "content-length"))]
        out += [f"Content-Length: {len(body)}", "Connection: close"]
        self.wfile.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth")
    p.add_argument("--log")
    a = p.parse_args()
    Proxy.opts = a
    server = Server(("127.0.0.1", a.port), Proxy)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
