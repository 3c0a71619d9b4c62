#!/usr/bin/env python3
"""cluster_load.py - a write-and-read load on imagier for the fault tests.

Usage: cluster_load.py URL TOKEN POST_ID TAG SECONDS [THREADS]

Each thread comments on POST_ID in a loop, every comment with its own
Idempotency-Key, and reads the latest feed and the post's comments between
writes. A write that gets no answer, a 502, 503 or 504 is retried with the
same key until it is answered (for at most 60 s): that is what the API
promises a client (docs/API.md, "Idempotency-Key"). A write answered 201 is
acknowledged; the thread then reads the post's comments and expects its
comment there (read-your-writes).

Prints one JSON object: acknowledged comments (their ids and texts), reads
and their statuses, write retries and their statuses, and read-your-writes
misses. The caller checks the database against it.
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

URL, TOKEN, POST, TAG = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
SECONDS = float(sys.argv[5])
THREADS = int(sys.argv[6]) if len(sys.argv) > 6 else 4
RETRYABLE = (0, 502, 503, 504)

lock = threading.Lock()
out = {"acked": [], "reads": {}, "retries": {}, "writes_failed": [], "ryw_missing": 0,
       "longest_write_ms": 0}


def call(method, path, body=None, key=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:  # no answer: connection refused, reset, timeout
        return 0, b""


def count(table, status):
    with lock:
        table[str(status)] = table.get(str(status), 0) + 1


def worker(n):
    end = time.time() + SECONDS
    i = 0
    while time.time() < end:
        i += 1
        text = "%s %d %d" % (TAG, n, i)
        key = "%s-%d-%d" % (TAG, n, i)
        began = time.time()
        give_up = began + 60
        while True:
            st, body = call("POST", "/api/v1/posts/%s/comments" % POST, {"text": text}, key)
            if st not in RETRYABLE or time.time() > give_up:
                break
            count(out["retries"], st)
            time.sleep(0.2)
        with lock:
            out["longest_write_ms"] = max(out["longest_write_ms"], int((time.time() - began) * 1000))
        if st != 201:
            with lock:
                if len(out["writes_failed"]) < 10:
                    out["writes_failed"].append([text, st, body[:200].decode("utf-8", "replace")])
            if st == 429:
                return  # the caller set the limits too low: said above
            continue
        try:
            ans = json.loads(body)
            # a retry whose first try committed, but stopped before its
            # answer was recorded, is answered {"id","url","replayed":true}
            cid = ans["comment"]["id"] if "comment" in ans else ans["id"]
            if "comment" not in ans:
                with lock:
                    out["replayed_bare"] = out.get("replayed_bare", 0) + 1
        except (ValueError, KeyError, TypeError):
            with lock:
                out["writes_failed"].append([text, st, body[:300].decode("utf-8", "replace")])
            continue
        with lock:
            out["acked"].append([cid, text])
        # read-your-writes: the comment is there in the next read
        st, body = call("GET", "/api/v1/posts/%s/comments?cursor=%d" % (POST, cid - 1))
        count(out["reads"], st)
        if st == 200:
            seen = False
            try:
                items = json.loads(body).get("items", [])
                seen = any(c.get("id") == cid for c in items)
            except ValueError:
                pass
            if not seen:
                with lock:
                    out["ryw_missing"] += 1
        st, _ = call("GET", "/api/v1/feed?kind=latest")
        count(out["reads"], st)


threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(out))
