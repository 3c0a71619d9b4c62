#!/usr/bin/env python3
"""fakegen.py - a fake image generation server speaking the OpenAI images API and
the Stable Diffusion WebUI (A1111) API, for tests. Standard library only.

Usage: fakegen.py --port P [--key K] [--log FILE]

Listens on 127.0.0.1 only. With --port 0 it picks a free port. It always prints
"listening on PORT" as its first stdout line. With --key K, /v1/* requires
"Authorization: Bearer K" and /sdapi/* accepts that or HTTP Basic with K as
"user:password". With --log FILE every request is appended as one JSON line:
method, path, headers (the Authorization value replaced by its scheme and
what the check found, e.g. "Bearer [ok]"), auth ("ok", "wrong", "none", or
"present" without --key), and the JSON body or the multipart fields (text
values, and for files their filename, type, size and detected kind). The
log line is written before the response is sent.

Endpoints: POST /v1/images/generations, POST /v1/images/edits (multipart, needs
an image part), POST /sdapi/v1/txt2img, POST /sdapi/v1/img2img (needs
init_images), GET /files/NAME (images left for "url" responses), GET /health.
Images are solid-colour PNGs of the requested size (8..2048 per side).

Magic words in the prompt drive failure modes:
  [slow:S]        sleep S seconds first
  [fail:CODE]     answer CODE with an error body of the endpoint's protocol
  [badkey]        401 {"error": {"message": "Incorrect API key provided"}}
  [quota]         429 with code insufficient_quota
  [garbage]       200 with a body that is not JSON
  [notimage]      200 with valid JSON holding base64 of text
  [badb64]        200 with valid JSON holding invalid base64
  [huge]          200 with a 40 MB body and no Content-Length
  [hugecl]        200 with a 40 MB body announced by Content-Length
  [redirect]      302 to another host
  [flaky:N]       503 for the first N calls with this prompt, then success
  [url]           (OpenAI) answer with a "url" on this server instead of b64_json
  [url-elsewhere] (OpenAI) answer with a "url" on another host (localhost)
  [ctlmsg]        400 whose message holds control characters
  [longmsg]       400 whose message is 5000 characters long
  [close]         close the connection without answering
  [jpeg]          answer with a (tiny, header-only) JPEG instead of a PNG
"""

import argparse
import base64
import binascii
import email.parser
import email.policy
import hashlib
import json
import os
import re
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 << 20
HUGE = 40 << 20
MAGIC = re.compile(r"\[([a-z-]+)(?::([^\]]*))?\]")
DEFAULT_OPENAI_MODEL = "fake-image-1"
DEFAULT_SD_MODEL = "fake-sd-15"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def png(width, height, rgb):
    """A valid solid-colour RGB PNG."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def side(v, default):
    try:
        v = int(v)
    except (TypeError, ValueError):
        return default
    return max(8, min(2048, v))


def colour(prompt):
    return hashlib.sha256(prompt.encode("utf-8", "replace")).digest()[:3]


def kind_of(data):
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "other"


class State:
    def __init__(self, key, log):
        self.key = key
        self.log = log
        self.lock = threading.Lock()
        self.flaky = {}
        self.files = {}
        self.port = 0

    def record(self, entry):
        if not self.log:
            return
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()

    def flaky_hit(self, prompt, n):
        """True while this prompt has failed fewer than n times."""
        with self.lock:
            seen = self.flaky.get(prompt, 0)
            self.flaky[prompt] = seen + 1
            return seen < n


class Handler(BaseHTTPRequestHandler):
    server_version = "fakegen/1"

    def log_message(self, fmt, *args):
        pass

    @property
    def st(self):
        return self.server.state

    # ---- plumbing ----------------------------------------------------------

    def send(self, status, body, ctype="application/json", length=True, extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length:
                self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def send_huge(self, with_length):
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if with_length:
                self.send_header("Content-Length", str(HUGE))
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"A" * (1 << 20)
            for _ in range(HUGE // len(block)):
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            return None
        return self.rfile.read(n) if n else b""

    def auth_state(self):
        """ok / wrong / none / present, and the value to log for the header."""
        got = self.headers.get("Authorization")
        if got is None:
            return "none"
        if self.st.key is None:
            return "present"
        if got == "Bearer " + self.st.key:
            return "ok"
        if self.path.startswith("/sdapi/") and got.startswith("Basic "):
            try:
                if base64.b64decode(got[6:], validate=True).decode() == self.st.key:
                    return "ok"
            except (binascii.Error, UnicodeDecodeError):
                pass
        return "wrong"

    def headers_for_log(self, auth):
        h = {}
        for k, v in self.headers.items():
            if k.lower() == "authorization":
                v = "%s [%s]" % (v.split(" ", 1)[0], auth)
            h[k] = v
        return h

    def error(self, status, message, code=None):
        if self.path.startswith("/sdapi/"):
            if status == 422:
                body = {"detail": [{"loc": ["body", "prompt"], "msg": message,
                                    "type": "value_error"}]}
            elif status >= 500:
                body = {"error": "RuntimeError", "detail": "", "body": "",
                        "errors": message}
            else:
                body = {"detail": message}
        else:
            body = {"error": {"message": message, "type": "invalid_request_error",
                              "param": None, "code": code}}
        self.send(status, body)

    # ---- request parsing ---------------------------------------------------

    def parse_multipart(self, body):
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            return None, None
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        if not msg.is_multipart():
            return None, None
        fields, files = {}, {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = {"filename": filename, "type": part.get_content_type(),
                               "size": len(data), "kind": kind_of(data)}
                files[name]["_data"] = data
            else:
                fields[name] = data.decode("utf-8", "replace")
        return fields, files

    # ---- verbs -------------------------------------------------------------

    def do_GET(self):
        if self.path == "/health":
            self.send(200, {"ok": True})
            return
        m = re.fullmatch(r"/files/([a-z0-9]+)\.(png|jpg)", self.path)
        auth = self.auth_state()
        self.st.record({"method": "GET", "path": self.path, "auth": auth,
                        "headers": self.headers_for_log(auth)})
        if m and m.group(1) in self.st.files:
            data = self.st.files[m.group(1)]
            self.send(200, data, "image/png" if m.group(2) == "png" else "image/jpeg")
            return
        self.send(404, {"detail": "Not Found"})

    def do_POST(self):
        auth = self.auth_state()
        entry = {"method": "POST", "path": self.path, "auth": auth,
                 "headers": self.headers_for_log(auth)}
        body = self.read_body()
        if body is None:
            self.st.record(entry)
            self.send(413, {"detail": "body too large"})
            return
        handlers = {
            "/v1/images/generations": self.openai_generations,
            "/v1/images/edits": self.openai_edits,
            "/sdapi/v1/txt2img": self.a1111,
            "/sdapi/v1/img2img": self.a1111,
        }
        h = handlers.get(self.path)
        if h is None:
            self.st.record(entry)
            self.send(404, {"detail": "Not Found"})
            return
        h(entry, body, auth)

    # ---- the two protocols -------------------------------------------------

    def check_auth(self, auth):
        if self.st.key is None or auth == "ok":
            return True
        if self.path.startswith("/sdapi/"):
            self.send(401, {"detail": "Incorrect username or password"},
                      extra={"WWW-Authenticate": "Basic"})
            return False
        presented = self.headers.get("Authorization", "")
        presented = presented[7:] if presented.startswith("Bearer ") else ""
        if presented:
            msg = "Incorrect API key provided: %s." % presented
        else:
            msg = "You didn't provide an API key."
        self.error(401, msg, "invalid_api_key")
        return False

    def magic(self, prompt):
        """Apply the magic words. Returns True when the response was sent."""
        words = {m.group(1): m.group(2) for m in MAGIC.finditer(prompt)}
        if "slow" in words:
            time.sleep(float(words["slow"] or 1))
        if "close" in words:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return True
        if "fail" in words:
            code = int(words["fail"] or 500)
            self.error(code, "fake failure %d for this prompt" % code)
            return True
        if "flaky" in words and self.st.flaky_hit(prompt, int(words["flaky"] or 1)):
            self.error(503, "flaky: not yet")
            return True
        if "badkey" in words:
            self.send(401, {"error": {"message": "Incorrect API key provided",
                                      "type": "invalid_request_error",
                                      "code": "invalid_api_key"}})
            return True
        if "quota" in words:
            self.error(429, "You exceeded your current quota", "insufficient_quota")
            return True
        if "ctlmsg" in words:
            self.error(400, "bad\x07 prompt\nsecond\tline\x1b[31m red")
            return True
        if "longmsg" in words:
            self.error(400, "long " + "x" * 5000)
            return True
        if "garbage" in words:
            self.send(200, "<html><body>502 Bad Gateway</body></html>", "text/html")
            return True
        if "redirect" in words:
            self.send(302, "", "text/plain",
                      extra={"Location": "http://example.invalid/elsewhere"})
            return True
        if "huge" in words or "hugecl" in words:
            self.send_huge("hugecl" in words)
            return True
        return False

    def image_bytes(self, prompt, width, height):
        if "[notimage]" in prompt:
            return b"this is not an image, just some text"
        if "[jpeg]" in prompt:
            return JPEG
        return png(width, height, colour(prompt))

    def b64(self, prompt, data):
        if "[badb64]" in prompt:
            return "!!!not base64!!!"
        return base64.b64encode(data).decode()

    def openai_generations(self, entry, body, auth):
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        entry["json"] = req
        self.st.record(entry)
        if not self.check_auth(auth):
            return
        if not isinstance(req, dict) or not isinstance(req.get("prompt"), str):
            self.error(400, "'prompt' is a required property")
            return
        self.openai_answer(req.get("prompt"), req.get("size", "1024x1024"),
                           req.get("response_format", "url"))

    def openai_edits(self, entry, body, auth):
        fields, files = self.parse_multipart(body)
        if fields is not None:
            entry["fields"] = fields
            entry["files"] = {k: {kk: vv for kk, vv in v.items() if kk != "_data"}
                              for k, v in files.items()}
        self.st.record(entry)
        if not self.check_auth(auth):
            return
        if fields is None:
            self.error(400, "expected multipart/form-data")
            return
        img = files.get("image")
        if not img or img["kind"] not in ("png", "jpeg", "webp"):
            self.error(400, "'image' must be a PNG, JPEG or WebP file")
            return
        if not fields.get("prompt"):
            self.error(400, "'prompt' is a required property")
            return
        self.openai_answer(fields["prompt"], fields.get("size", "1024x1024"),
                           fields.get("response_format", "url"))

    def openai_answer(self, prompt, size, fmt):
        if self.magic(prompt):
            return
        m = re.fullmatch(r"(\d+)x(\d+)", str(size))
        if not m:
            self.error(400, "Invalid size '%s'" % size)
            return
        data = self.image_bytes(prompt, side(m.group(1), 8), side(m.group(2), 8))
        item = {"revised_prompt": prompt}
        if "[url]" in prompt or "[url-elsewhere]" in prompt or fmt == "url":
            name = hashlib.sha256(data).hexdigest()[:16]
            with self.st.lock:
                self.st.files[name] = data
            host = "localhost" if "[url-elsewhere]" in prompt else "127.0.0.1"
            item["url"] = "http://%s:%d/files/%s.png" % (host, self.st.port, name)
        else:
            item["b64_json"] = self.b64(prompt, data)
        self.send(200, {"created": int(time.time()), "data": [item]})

    def a1111(self, entry, body, auth):
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        logged = dict(req) if isinstance(req, dict) else req
        init = []
        if isinstance(req, dict) and isinstance(req.get("init_images"), list):
            for s in req["init_images"]:
                try:
                    raw = base64.b64decode(s, validate=True)
                    init.append({"bytes": len(raw), "kind": kind_of(raw)})
                except (binascii.Error, TypeError, ValueError):
                    init.append({"bytes": -1, "kind": "bad base64"})
            logged["init_images"] = init
        entry["json"] = logged
        self.st.record(entry)
        if not self.check_auth(auth):
            return
        problem = self.a1111_validate(req, init)
        if problem:
            self.send(422, {"detail": [{"loc": ["body", problem[0]], "msg": problem[1],
                                        "type": "type_error"}]})
            return
        prompt = req.get("prompt", "")
        if self.magic(prompt):
            return
        w, h = side(req.get("width", 512), 512), side(req.get("height", 512), 512)
        data = self.image_bytes(prompt, w, h)
        ov = req.get("override_settings") or {}
        model = ov.get("sd_model_checkpoint") or DEFAULT_SD_MODEL
        info = {"prompt": prompt, "negative_prompt": req.get("negative_prompt", ""),
                "seed": req.get("seed", -1), "sd_model_name": model,
                "sd_model_hash": hashlib.sha256(model.encode()).hexdigest()[:10]}
        params = {k: v for k, v in req.items() if k != "init_images"}
        self.send(200, {"images": [self.b64(prompt, data)], "parameters": params,
                        "info": json.dumps(info)})

    def a1111_validate(self, req, init):
        """(field, message) for a body the real API would reject, else None."""
        if not isinstance(req, dict):
            return ("body", "value is not a valid dict")
        types = {"prompt": str, "negative_prompt": str, "seed": int, "steps": int,
                 "sampler_name": str, "width": int, "height": int,
                 "batch_size": int, "n_iter": int, "denoising_strength": (int, float),
                 "override_settings": dict}
        for k, t in types.items():
            if k in req and (not isinstance(req[k], t) or isinstance(req[k], bool)):
                return (k, "value is not a valid %s" % getattr(t, "__name__", "number"))
        if self.path.endswith("img2img"):
            if not init or any(i["kind"] not in ("png", "jpeg", "webp") for i in init):
                return ("init_images", "init_images must hold base64 images")
        return None


def watch_parent():
    """Exit when the process that started us goes away."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description="fake image generation server")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key")
    ap.add_argument("--log")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.key, args.log)
    server.state.port = server.server_address[1]
    threading.Thread(target=watch_parent, daemon=True).start()
    print("listening on %d" % server.state.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
