"""A small HTTP server on 127.0.0.1 for the fetch tests.

Usage: fetch_server.py ROOT PORT_FILE LOG_FILE

Serves the files under ROOT with byte ranges (Range: bytes=N-), strong
ETags and If-Range, and writes the port it listens on to PORT_FILE. Each
request is logged to LOG_FILE as one line: path, then the Range and
If-Range headers ("-" when absent).

The first path component may ask for misbehaviour:
  /interrupt-once/F  the first request for F without a Range header gets
                     the headers of the whole file, half of its bytes, and
                     a closed connection; later requests are served
  /noranges/F        ignores Range and always sends the whole file
  /slow/F            sends F in small pieces, 1 KiB every 0.2 s
"""

import hashlib
import http.server
import os
import sys
import time

ROOT, PORT_FILE, LOG_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
interrupted = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, path):
        with open(LOG_FILE, "a") as log:
            log.write("%s %s %s\n" % (path,
                                      self.headers.get("Range", "-"),
                                      self.headers.get("If-Range", "-")))

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        mode = parts[0] if len(parts) == 2 and parts[0] in (
            "interrupt-once", "noranges", "slow") else ""
        rel = parts[1] if mode else self.path.lstrip("/")
        self.record(self.path)
        full = os.path.realpath(os.path.join(ROOT, rel))
        if not full.startswith(os.path.realpath(ROOT) + os.sep) or \
                not os.path.isfile(full):
            self.send_error(404)
            return
        with open(full, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        start = 0
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and mode != "noranges" and (if_range is None or
                                              if_range == etag):
            spec = wanted.strip()
            if not spec.startswith("bytes=") or not spec.endswith("-"):
                self.send_error(400)
                return
            start = int(spec[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Connection", "close")
        self.end_headers()
        if mode == "interrupt-once" and not wanted and \
                rel not in interrupted:
            interrupted.add(rel)
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "slow":
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.wfile.write(body)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
