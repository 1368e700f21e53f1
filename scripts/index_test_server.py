#!/usr/bin/env python3
"""A small static package-index server for the index tests (stdlib only).

Serves DIR like `python3 -m http.server`, plus what that one lacks:
  --ranges            honour `Range: bytes=...` (206 + Content-Range)
  --negotiate         PEP 691 content negotiation: for a directory, serve its
                      index.json as application/vnd.pypi.simple.v1+json when
                      the Accept header prefers it, else its index.html
  --cert F --key F    serve HTTPS with that certificate
  --auth USER:PASS    require HTTP Basic auth for everything
  --status P=CODE     answer CODE for every path starting with P (repeatable)
  --delay P=SECONDS   sleep before answering paths starting with P (repeatable)
  --redirect P=URL    redirect (302) paths starting with P to URL + rest
  --flaky P=N         answer 503 to the first N requests for paths starting with P
  --log FILE          append one JSON line per request (path, range, status,
                      bytes sent, whether Authorization was sent, the client's
                      port: one port per connection, so reuse can be counted,
                      and the conditional headers sent)
  --cache-control P=V send `Cache-Control: V` for paths starting with P
                      (repeatable; the longest matching prefix wins); every
                      200 also gets an ETag (a hash of the body) and a
                      Last-Modified, and a matching If-None-Match /
                      If-Modified-Since is answered 304
  --retry-after P=N:V answer the first N requests for paths starting with P
                      with 503 and `Retry-After: V`
  --latency SECONDS   sleep this long before answering every request (a
                      remote index's round trip)
  --many P=N          for a project page under P (`P<project>/`), serve N
                      generated sdist links `<project>-0.<i>.tar.gz` (PEP 503)
  --many-wheels P=S,N the same with N wheel links of one version, differing
                      in their build tag: `<project>-1.0-<b>-py3-none-any.whl`
                      for b from S to S+N-1
  --pad P=BYTES       serve the project pages under P with about BYTES of
                      junk anchors (`?page=<i>` links) before the real ones
  --pad-text P=BYTES  the same with BYTES of plain text (no tags)
Generated pages are built once per path and kept (memory tests).

Binds 127.0.0.1 on --port (0: a free port) and prints `PORT <n>` once
listening. Used only by tests, on loopback.
"""
import argparse
import base64
import hashlib
import json
import os
import posixpath
import re
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html; charset=utf-8"
LOCK = threading.Lock()
GENERATED = {}


def generated(key, build):
    """The generated page `key`, built once."""
    with LOCK:
        body = GENERATED.get(key)
        if body is None:
            body = GENERATED[key] = build()
    return body


def many_links(project, n):
    parts = [f"<!DOCTYPE html><html><body><h1>Links for {project}</h1>\n"]
    parts.extend(f'<a href="/files/{project}-0.{i}.tar.gz">{project}-0.{i}.tar.gz</a><br/>\n' for i in range(n))
    parts.append("</body></html>\n")
    return "".join(parts).encode()


def many_wheels(project, start, n):
    parts = [f"<!DOCTYPE html><html><body><h1>Links for {project}</h1>\n"]
    for b in range(start, start + n):
        name = f"{project}-1.0-{b}-py3-none-any.whl"
        parts.append(f'<a href="/files/{name}">{name}</a><br/>\n')
    parts.append("</body></html>\n")
    return "".join(parts).encode()


def padded(page, size, text=False):
    junk = '<a href="?page={}" data-note="padding padding padding padding padding">more</a>\n'
    if text:
        junk = "line {} of padding padding padding padding padding padding padding\n"
    parts, total, i = [], 0, 0
    while total < size:
        line = junk.format(i)
        parts.append(line)
        total += len(line)
        i += 1
    head, sep, tail = page.partition(b"<body>")
    if not sep:
        return "".join(parts).encode() + page
    return head + sep + "".join(parts).encode() + tail


def parse_pairs(values):
    out = []
    for v in values or []:
        prefix, _, rest = v.partition("=")
        out.append((prefix, rest))
    return out


def prefers_json(accept):
    """True when the Accept header ranks the PEP 691 JSON type highest."""
    best_json, best_html = 0.0, 0.0
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        mime, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if mime == JSON_TYPE:
            best_json = max(best_json, q)
        elif mime in ("application/vnd.pypi.simple.v1+html", "text/html", "*/*"):
            best_html = max(best_html, q)
    return best_json > 0 and best_json >= best_html


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = None
    # TCP_NODELAY, as real servers: the headers and the body go out in two
    # writes, and on a kept-alive connection Nagle would hold the body back
    # for the client's delayed ACK (40 ms on Linux) after every request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet
        pass

    def record(self, status, sent):
        if not self.opts.log:
            return
        entry = {
            "path": self.path,
            "range": self.headers.get("Range"),
            "accept": self.headers.get("Accept"),
            "auth": self.headers.get("Authorization") is not None,
            "status": status,
            "bytes": sent,
            "port": self.client_address[1],
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
        }
        with LOCK, open(self.opts.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def cache_control(self):
        """The --cache-control value of the longest prefix of this path, if any."""
        path = urllib.parse.urlsplit(self.path).path
        matches = [(len(p), v) for p, v in self.opts.cache_controls if path.startswith(p)]
        return max(matches)[1] if matches else None

    def send(self, status, body=b"", ctype="text/plain", extra=None, head=False):
        if status in (404, 410) and self.cache_control():
            # An absence carries the path's Cache-Control too (no validators),
            # as a CDN-fronted index answers for a project it does not have.
            extra = dict(extra or {}, **{"Cache-Control": self.cache_control()})
        if status in (200, 206) and self.opts.cache_controls:
            extra = dict(extra or {})
            if self.cache_control():
                extra["Cache-Control"] = self.cache_control()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            extra["ETag"] = etag
            extra["Last-Modified"] = "Thu, 01 Jan 2026 00:00:00 GMT"
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if (inm is not None and etag in [t.strip() for t in inm.split(",")]) or (
                inm is None and ims == extra["Last-Modified"]
            ):
                extra.pop("Content-Range", None)
                self.send_response(304)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.record(304, 0)
                self.end_headers()
                return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        # Logged before the body goes out, so a client that has its answer
        # always finds the request in the log.
        self.record(status, 0 if head else len(body))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        path = urllib.parse.urlsplit(self.path).path
        if self.opts.latency:
            time.sleep(self.opts.latency)
        for i, (prefix, spec) in enumerate(self.opts.retry_afters):
            if path.startswith(prefix):
                n, _, value = spec.partition(":")
                with LOCK:
                    left = int(n)
                    if left > 0:
                        self.opts.retry_afters[i] = (prefix, f"{left - 1}:{value}")
                if left > 0:
                    return self.send(503, b"busy", extra={"Retry-After": value}, head=head)
        for prefix, secs in self.opts.delays:
            if path.startswith(prefix):
                time.sleep(float(secs))
        if self.opts.auth:
            want = "Basic " + base64.b64encode(self.opts.auth.encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.send(401, b"auth", extra={"WWW-Authenticate": 'Basic realm="t"'}, head=head)
        for i, (prefix, n) in enumerate(self.opts.flaky):
            if path.startswith(prefix):
                with LOCK:
                    left = int(n)
                    if left > 0:
                        self.opts.flaky[i] = (prefix, str(left - 1))
                if left > 0:
                    return self.send(503, b"flaky", head=head)
        for prefix, code in self.opts.statuses:
            if path.startswith(prefix):
                return self.send(int(code), b"injected", head=head)
        for prefix, target in self.opts.redirects:
            if path.startswith(prefix):
                return self.send(302, extra={"Location": target + path[len(prefix):]}, head=head)
        for prefix, n in self.opts.many:
            if path.startswith(prefix) and path.endswith("/") and len(path) > len(prefix):
                project = path[len(prefix):].strip("/")
                body = generated(("many", path), lambda: many_links(project, int(n)))
                return self.send(200, body, HTML_TYPE, head=head)
        for prefix, spec in self.opts.many_wheels:
            if path.startswith(prefix) and path.endswith("/") and len(path) > len(prefix):
                project = path[len(prefix):].strip("/")
                start, n = (int(x) for x in spec.split(","))
                body = generated(("many-wheels", path), lambda: many_wheels(project, start, n))
                return self.send(200, body, HTML_TYPE, head=head)
        rel = posixpath.normpath(urllib.parse.unquote(path)).lstrip("/")
        if rel.startswith(".."):
            return self.send(403, head=head)
        full = os.path.join(self.opts.dir, rel)
        if os.path.isdir(full):
            if not path.endswith("/"):
                return self.send(301, extra={"Location": path + "/"}, head=head)
            j, h = os.path.join(full, "index.json"), os.path.join(full, "index.html")
            if self.opts.negotiate and os.path.isfile(j) and prefers_json(self.headers.get("Accept")):
                return self.send(200, open(j, "rb").read(), JSON_TYPE, {"Vary": "Accept"}, head)
            if os.path.isfile(h):
                for kind, pads in (("pad", self.opts.pad), ("text", self.opts.pad_text)):
                    for prefix, size in pads:
                        if path.startswith(prefix):
                            body = generated(
                                (kind, path),
                                lambda: padded(open(h, "rb").read(), int(size), kind == "text"),
                            )
                            return self.send(200, body, HTML_TYPE, {"Vary": "Accept"}, head)
                return self.send(200, open(h, "rb").read(), HTML_TYPE, {"Vary": "Accept"}, head)
            return self.send(404, b"no index", head=head)
        if not os.path.isfile(full):
            return self.send(404, b"not found", head=head)
        data = open(full, "rb").read()
        ctype = "application/octet-stream"
        rng = self.headers.get("Range")
        if self.opts.ranges and rng:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            if m and (m.group(1) or m.group(2)):
                size = len(data)
                if m.group(1):
                    start = int(m.group(1))
                    end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                else:
                    start, end = max(0, size - int(m.group(2))), size - 1
                if start >= size or start > end:
                    return self.send(416, extra={"Content-Range": f"bytes */{size}"}, head=head)
                extra = {"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"}
                return self.send(206, data[start:end + 1], ctype, extra, head)
        return self.send(200, data, ctype, head=head)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog (5) drops concurrent connects (a 1 s SYN retry).
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, refused certificates) are expected.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ranges", action="store_true")
    p.add_argument("--negotiate", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--status", action="append")
    p.add_argument("--delay", action="append")
    p.add_argument("--redirect", action="append")
    p.add_argument("--flaky", action="append")
    p.add_argument("--log")
    p.add_argument("--cache-control", action="append")
    p.add_argument("--retry-after", action="append")
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--many", action="append")
    p.add_argument("--many-wheels", action="append")
    p.add_argument("--pad", action="append")
    p.add_argument("--pad-text", action="append")
    a = p.parse_args()
    a.cache_controls = parse_pairs(a.cache_control)
    a.retry_afters = parse_pairs(a.retry_after)
    a.statuses, a.delays, a.redirects = parse_pairs(a.status), parse_pairs(a.delay), parse_pairs(a.redirect)
    a.flaky = parse_pairs(a.flaky)
    a.many, a.pad, a.pad_text = parse_pairs(a.many), parse_pairs(a.pad), parse_pairs(a.pad_text)
    a.many_wheels = parse_pairs(a.many_wheels)
    Handler.opts = a
    server = Server(("127.0.0.1", a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
