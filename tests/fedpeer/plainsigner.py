#!/usr/bin/env python3
"""tests/fedpeer/plainsigner.py - a signer that is not Fedify, for the
self-test: proves the peer accepts an HTTP signature made the way a
Mastodon-like server (or imagier, in C) makes it, not only Fedify's own.

    plainsigner.py INBOX OBJECT

Serves one actor (http://127.0.0.1:PORT/actor, an RSA key made with the
openssl command line, its PEM in publicKey) and its inbox on a free port;
POSTs to INBOX a Follow of OBJECT signed draft-cavage rsa-sha256 over
"(request-target) host date digest content-type", then waits (10 s at most)
for the Accept. Prints one JSON line: {"status": the inbox's answer,
"received": [types of what its own inbox got]}. Exits by itself.
"""
import base64
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from email.utils import formatdate


def main():
    inbox, target = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="plainsigner.")
    key = os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    pub = subprocess.run(["openssl", "rsa", "-in", key, "-pubout"], check=True, capture_output=True).stdout.decode()
    with open(key, "rb") as f:
        key_pem = f.read()
    shutil.rmtree(tmp)
    received = []
    got = threading.Event()
    state = {}

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            base = state["base"]
            actor = {
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": base + "/actor",
                "type": "Person",
                "preferredUsername": "plain",
                "inbox": base + "/inbox",
                "publicKey": {"id": base + "/actor#main-key", "owner": base + "/actor", "publicKeyPem": pub},
            }
            if self.path.split("#")[0] != "/actor":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            b = json.dumps(actor).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/activity+json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(min(n, 1 << 20))
            try:
                received.append(json.loads(body).get("type"))
            except ValueError:
                received.append(None)
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            got.set()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    state["base"] = "http://127.0.0.1:%d" % srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = state["base"]

    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": base + "/follows/1",
        "type": "Follow",
        "actor": base + "/actor",
        "object": target,
    }
    body = json.dumps(activity).encode()
    u = urllib.parse.urlsplit(inbox)
    headers = {
        "host": u.netloc,
        "date": formatdate(usegmt=True),
        "digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "content-type": "application/activity+json",
    }
    lines = ["(request-target): post " + (u.path or "/")] + ["%s: %s" % (k, headers[k]) for k in headers]
    with tempfile.NamedTemporaryFile(prefix="plainsigner.", suffix=".pem") as k:
        k.write(key_pem)
        k.flush()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", k.name], input="\n".join(lines).encode(),
                             check=True, capture_output=True).stdout
    headers["signature"] = 'keyId="%s",algorithm="rsa-sha256",headers="(request-target) %s",signature="%s"' % (
        base + "/actor#main-key", " ".join(headers), base64.b64encode(sig).decode())
    req = urllib.request.Request(inbox, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    if 200 <= status < 300:
        got.wait(10)
    time.sleep(0.1)
    srv.shutdown()
    print(json.dumps({"status": status, "actor": base + "/actor", "received": received}))


if __name__ == "__main__":
    main()
