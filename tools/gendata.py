#!/usr/bin/env python3
"""gendata.py - fill an imagier stack with a realistic volume of data, fast.

Usage:
  tools/gendata.py [--var DIR] [--users N] [--posts N] [--likes N]
                   [--comments N] [--follows N] [--tags N] [--images N]
                   [--seed S] [--scale F] [--force] [--keep-files]
  tools/gendata.py --verify [--var DIR]

Defaults: 100k users, 1M posts, 10M likes, 2M comments, 1M follows, 2000
tags, a pool of 200 images. --scale F multiplies every default (the image
pool and the tag count never go below 20 and 50); explicit counts win, so
`--scale 0.01` is a quick 10k-post set. --var defaults to $IMAGIER_VAR, else
<repo>/var; the stack there must run (tools/stack.sh start).

What it does:
 1. Refuses (exit 3) when the database already holds more than 1000 posts,
    unless --force (a forced run adds a second data set next to the first).
 2. Through the running stack's API (http://127.0.0.1:$(cat $VAR/run/port)):
    creates (or logs in) the known accounts bench1..bench5, password
    "bench-password-1", and uploads as bench1 the images that the pool still
    lacks (made by build/rel/tests/mkimage, PNG and JPEG, several shapes),
    so they are real images rows with real media files. The upload posts are
    deleted again; every generated post reuses one of the pool images.
 3. Generates users, tags, posts (with remixes), post_tags, likes, comments,
    follows and tag_follows as TSV files in $VAR/tmp/gendata/, streaming, and
    bulk-loads each with LOAD DATA LOCAL INFILE (foreign_key_checks and
    unique_checks off) while the next one is generated. If LOCAL INFILE is
    refused it is switched on (SET GLOBAL local_infile=1), and if that fails
    too the rows are sent as multi-row INSERTs instead.
 4. Every counter (posts.like_count, comment_count, remix_count;
    users.post_count, follower_count, following_count; tags.post_count,
    follower_count) is computed while generating; rows that existed before
    are recounted in SQL. Stored following timelines are made for 2% of the
    generated people (the recently active) and, through one API read each,
    for the bench accounts. Then ANALYZE TABLE, memcached is flushed, and
    the bench accounts' "for you" candidates are gathered (bin/imagier
    foryou-refresh; docs/RANKING.md section 7).
 5. Writes $VAR/gendata.json: seed, counts, id ranges, bench accounts,
    timings, so a benchmark can reuse the data set it finds there.

Distributions: usernames "user0001234" or word-based ("misty_heron_1234");
nobody can log in as a generated user (a valid argon2id string of an unknown
password). Posts span the last 365 days, recent days denser; authors are
Zipf-like (about a third of the people never post); prompts come from word
lists (colours, subjects, scenes, styles, lighting) so FULLTEXT search finds
them; 1-3 tags per post, Zipf over the tags, the first usually a word of the
prompt; likes per post heavy-tailed (log-normal, capped at 10% of users),
likers Zipf over users, no duplicate pair, created after the post (most
within a day); comments follow likes, 10% are replies to a top-level comment
of the same post, 1% are deleted; follows Zipf over followees, never oneself;
5% of people follow some tags; 5% of posts are remixes of an earlier post
(parent_id, root_id, depth, and the parent's remix_count). The bench
accounts follow ~200 people (prolific ones) and ~10 tags and have liked ~300
posts, so their following and for-you feeds have content.

--verify checks the database instead of generating: table counts, every
counter against its rows, no self-follow, no orphan rows, likes after their
post, replies on the same post as their top-level parent, remix lineage
(root_id and depth), then GET /api/v1/feed?kind=latest. It exits 1 on any
mismatch (0 when everything holds).

Exit status: 0 ok, 1 failure, 2 bad usage, 3 refused (database not empty).
Stdlib only. Memory stays bounded by a few arrays per post and per user:
likes and comments are streamed, and duplicates are avoided by sampling
without replacement per post (or per follower), never by a global set.
"""

import argparse
import array
import bisect
import itertools
import json
import math
import os
import pwd
import queue
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULTS = {
    "users": 100_000,
    "posts": 1_000_000,
    "likes": 10_000_000,
    "comments": 2_000_000,
    "follows": 1_000_000,
    "tags": 2000,
    "images": 200,
}
MINIMUM = {"tags": 50, "images": 20}  # floors when --scale shrinks them

BENCH_USERS = ["bench%d" % i for i in range(1, 6)]
BENCH_PASSWORD = "bench-password-1"
BENCH_FOLLOWS, BENCH_TAGS, BENCH_LIKES = 200, 10, 300
# People "seen lately" (a stored following timeline kept for them): every
# 1/ACTIVE_SHARE-th generated person, over the newest TIMELINE_RECENT of posts.
ACTIVE_SHARE, TIMELINE_RECENT = 0.02, 0.01

# A well-formed argon2id hash of a password nobody knows (random salt and
# digest): the generated accounts exist, but nobody can log in as them.
NOLOGIN_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$Z2VuZGF0YW5vbG9naW4$"
                "QmVuY2hEYXRhT25seU5vYm9keUtub3dzVGhpc1Bhc3M")

DAY = 86400
SPAN = 365 * DAY  # posts are spread over the last year
REFUSE_POSTS = 1000

# ---- word lists -------------------------------------------------------------

COLOURS = ("red crimson scarlet orange amber golden yellow lime green emerald "
           "teal turquoise cyan azure blue cobalt indigo violet purple magenta "
           "pink rose coral peach ivory silver grey black white neon pastel "
           "iridescent sepia monochrome").split()
ADJECTIVES = ("ancient tiny giant lonely cozy misty glowing ruined floating "
              "frozen sunlit moonlit forgotten enchanted mechanical crystal "
              "overgrown stormy quiet bustling surreal dreamy haunted majestic "
              "minimalist futuristic retro whimsical serene wild abandoned "
              "shimmering colossal delicate fractal luminous weathered hidden "
              "vibrant melancholic").split()
SUBJECTS = [
    "cat", "fox", "owl", "dragon", "robot", "astronaut", "lighthouse", "castle",
    "forest", "mountain", "waterfall", "city", "village", "ship", "submarine",
    "train", "tree", "flower", "garden", "koi", "whale", "jellyfish", "wolf",
    "deer", "horse", "tiger", "bear", "rabbit", "hummingbird", "butterfly",
    "samurai", "knight", "witch", "wizard", "girl", "old man", "dancer",
    "musician", "cyborg", "android", "temple", "pagoda", "bridge", "windmill",
    "cabin", "greenhouse", "library", "cafe", "market", "skyscraper",
    "spaceship", "satellite", "planet", "nebula", "galaxy", "moon", "comet",
    "volcano", "glacier", "desert", "oasis", "island", "reef", "lagoon",
    "canyon", "meadow", "sunflower", "mushroom", "cactus", "bonsai", "teapot",
    "bicycle", "motorcycle", "vintage car", "typewriter", "clock tower",
    "hot air balloon", "umbrella", "lantern", "crown"]
SCENES = [
    "at sunset", "at dawn", "under a starry sky", "in the rain",
    "in a snowstorm", "in heavy fog", "on a quiet beach", "in a neon-lit alley",
    "deep in the ocean", "on the surface of mars", "in a bamboo forest",
    "in a desert at noon", "above the clouds", "in a flooded city",
    "in an autumn park", "in a field of lavender", "on a rooftop at night",
    "inside a cathedral", "in a cyberpunk megacity", "in a fairy tale kingdom",
    "at the edge of the world", "in a japanese garden",
    "under the northern lights", "by a frozen lake", "in a sunflower field",
    "in a steampunk workshop", "on a floating island", "in a crystal cave",
    "in a busy night market", "in a tiny apartment", "on an alien planet",
    "in a misty valley", "in the arctic tundra", "in a tropical jungle",
    "in an underground station", "at a country fair", "in a candlelit room",
    "among cherry blossoms", "in a thunderstorm", "in the golden hour"]
STYLES = [
    "watercolor", "oil painting", "pixel art", "pencil sketch", "ink drawing",
    "vaporwave", "synthwave", "studio ghibli style", "art nouveau", "art deco",
    "ukiyo-e", "impressionist", "cubist", "low poly", "isometric", "claymation",
    "papercut", "stained glass", "charcoal", "gouache", "digital painting",
    "concept art", "matte painting", "photorealistic", "cinematic still",
    "35mm film photo", "polaroid", "macro photography", "long exposure",
    "tilt-shift", "double exposure", "baroque", "renaissance fresco",
    "comic book", "manga", "children's book illustration", "blueprint",
    "mosaic", "embroidery", "3d render"]
LIGHTING = [
    "soft light", "volumetric light", "rim lighting", "dramatic shadows",
    "golden light", "neon glow", "candlelight", "moonlight", "backlit",
    "overcast light", "harsh noon sun", "bioluminescent glow", "god rays",
    "studio lighting", "chiaroscuro"]
DETAILS = [
    "highly detailed", "intricate details", "8k", "sharp focus", "bokeh",
    "wide angle", "close-up", "aerial view", "symmetrical composition",
    "rule of thirds", "shallow depth of field", "vivid colors",
    "muted palette", "high contrast", "film grain", "trending on artstation",
    "masterpiece", "dreamlike atmosphere", "cozy mood", "epic scale"]
MATERIALS = ("glass paper porcelain moss brass clouds candy ice lava origami "
             "wool marble").split()
TEMPLATES = (
    "{a_adj} {colour} {subject} {scene}, {style}, {lighting}",
    "{style} of {a_adj} {subject} {scene}, {colour} tones, {detail}",
    "{adj} {subject} {scene}, {colour} and {colour2} palette, {style}, "
    "{detail}, {lighting}",
    "portrait of {a_colour} {subject}, {style}, {lighting}, {detail}",
    "{subject} {scene}",
    "{a_subject} made of {material} {scene}, {style}, {detail}",
)
CAPTIONS = [
    "first try!", "remixed from a friend's idea", "what do you think?",
    "made this at 3am", "love how the light came out",
    "part of my {subject} series", "day {n} of daily prompts",
    "\u2728 new experiment \u2728", "caf\u00e9 vibes \u2615",
    "could not stop generating these", "tried a new seed",
    "which one is your favourite?", "inspired by an old photo",
    "the {colour} turned out better than expected", "for my sister",
    "no edits, straight out of the generator", "wallpaper material",
    "a little {style} study", "my best one this week", "\u00bfqu\u00e9 os parece?"]
COMMENTS = [
    "wow", "this is gorgeous", "love the {colour} tones",
    "what seed did you use?", "the lighting is perfect", "great composition",
    "how did you get the {style} look?", "remixing this!", "so {adj}",
    "\U0001f60d", "saved", "this belongs in a museum", "the {subject} is adorable",
    "reminds me of something {scene}", "more please",
    "can you share the settings?", "not my style but well done",
    "haha love it", "incredible detail", "this made my day",
    "the {subject} looks so {adj}", "needs more {colour}", "beautiful work",
    "following for more {style}", "magnifique \U0001f44f"]
BIOS = [
    "{style} enthusiast", "I make {adj} {subject}s", "prompt engineer by night",
    "mostly {colour} things", "{subject}s and {style}, forever",
    "learning every day", "daily prompts, weekly remixes",
    "hobbyist. tea. {subject}s.", "I remix everything", "\U0001f3a8 + \U0001f916"]
NAME_ADJ = ("misty neon lucky sleepy cosmic silent brave fuzzy pixel lunar "
            "solar rusty velvet hidden electric paper quiet wild happy tiny "
            "amber frosty").split()
NAME_NOUN = ("fox owl heron otter panda comet raven lynx koala moth badger "
             "robin gecko wombat falcon walrus shrimp dreamer painter "
             "wanderer maker pilot").split()
GENERIC_TAGS = (
    "aiart digitalart generativeart aiartwork stablediffusion midjourney "
    "dalle fantasyart conceptart surreal landscape portrait animals scifi "
    "cyberpunk fantasy nature abstract cute dark minimalism wallpaper art "
    "illustration photography anime space architecture retro dreamcore "
    "cozy cinematic characterdesign worldbuilding remix").split()

# Prompt components, in packing order: the prompt of a post is one integer.
PARTS = (("template", TEMPLATES), ("adj", ADJECTIVES), ("colour", COLOURS),
         ("colour2", COLOURS), ("subject", SUBJECTS), ("scene", SCENES),
         ("style", STYLES), ("lighting", LIGHTING), ("detail", DETAILS),
         ("material", MATERIALS))
RADIX = [len(words) for _, words in PARTS]
# Per template: the parts (indexes into PARTS) its text shows.
USED_PARTS = [sorted({[n for n, _ in PARTS].index(f.replace("a_", ""))
                      for f in re.findall(r"{(\w+)}", tpl)}) for tpl in TEMPLATES]


def article(word):
    """'a fox' / 'an owl'."""
    return ("an " if word[0] in "aeiou" else "a ") + word


def slug(text):
    """A tag name from words: lower case, [a-z0-9-]."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")
    return s[:32]


def pack(idx):
    code = 0
    for i in range(len(RADIX) - 1, -1, -1):
        code = code * RADIX[i] + idx[i]
    return code


def unpack(code):
    idx = []
    for r in RADIX:
        code, v = divmod(code, r)
        idx.append(v)
    return idx


def prompt_words(idx):
    w = {name: words[idx[i]] for i, (name, words) in enumerate(PARTS)}
    if w["colour2"] == w["colour"]:
        w["colour2"] = COLOURS[(idx[3] + 1) % len(COLOURS)]
    w["a_adj"] = article(w["adj"])
    w["a_colour"] = article(w["colour"])
    w["a_subject"] = article(w["subject"])
    return w


def prompt_text(code):
    idx = unpack(code)
    return TEMPLATES[idx[0]].format(**prompt_words(idx))


def fill(template, rnd):
    """A caption/comment/bio template with random words."""
    if "{" not in template:
        return template
    return template.format(colour=rnd.choice(COLOURS), adj=rnd.choice(ADJECTIVES),
                           subject=rnd.choice(SUBJECTS), style=rnd.choice(STYLES),
                           scene=rnd.choice(SCENES), n=rnd.randint(2, 365))


# ---- small helpers ----------------------------------------------------------

T0 = time.monotonic()


def log(msg):
    print("[%7.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def die(msg, code=1):
    print("gendata: error: %s" % msg, file=sys.stderr, flush=True)
    sys.exit(code)


def fmt_n(n):
    return "{:,}".format(n)


def cum(weights):
    return list(itertools.accumulate(weights))


def apportion(rnd, weights, total, cap):
    """Integer counts proportional to weights, each <= cap, summing exactly
    to total (which must be <= len(weights) * cap)."""
    n = len(weights)
    capped = [False] * n
    counts = array.array("q", bytes(8 * n))
    remaining = total
    free = [i for i in range(n) if weights[i] > 0] or list(range(n))
    for _ in range(4):  # water filling: re-spread what the caps cut off
        s = sum(weights[i] for i in free) or 1.0
        f = remaining / s
        nxt = []
        for i in free:
            v = weights[i] * f
            if v >= cap:
                counts[i] = cap
                capped[i] = True
            else:
                nxt.append(i)
        remaining = total - sum(counts[i] for i in range(n) if capped[i])
        if len(nxt) == len(free):
            break
        free = nxt
    s = sum(weights[i] for i in free) or 1.0
    f = remaining / s
    for i in free:
        counts[i] = min(cap, int(weights[i] * f + rnd.random()))
    diff = total - sum(counts)
    guard = 0
    while diff != 0 and guard < 50 * (abs(diff) + n):
        i = rnd.randrange(n)
        guard += 1
        if diff > 0 and counts[i] < cap:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 0:
            counts[i] -= 1
            diff += 1
    return counts


def sample_unique(rnd, pop, cw, k, exclude, lo, hi, taken=None):
    """k distinct ids drawn from pop (cumulative weights cw), none in
    exclude (a single id) or taken; falls back to uniform ids in [lo, hi)."""
    chosen = set(taken) if taken else set()
    need = k - len(chosen)
    rounds = 0
    choices = rnd.choices
    while need > 0 and rounds < 6:
        for u in choices(pop, cum_weights=cw, k=need + (need >> 2) + 2):
            if u != exclude and u not in chosen:
                chosen.add(u)
                need -= 1
                if not need:
                    break
        rounds += 1
    while need > 0:
        u = rnd.randrange(lo, hi)
        if u != exclude and u not in chosen:
            chosen.add(u)
            need -= 1
    return chosen


# ---- the stack: config, database, HTTP ----------------------------------------

class Stack:
    def __init__(self, var):
        self.var = os.path.abspath(var)
        self.sock = os.path.join(self.var, "run", "mysqld.sock")
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.db = os.environ.get("IMAGIER_DB_NAME") or "imagier"
        port = ""
        try:
            with open(os.path.join(self.var, "run", "port")) as f:
                port = f.read().strip()
        except OSError:
            pass
        self.port = int(port or os.environ.get("IMAGIER_PORT") or 8080)
        self.url = "http://127.0.0.1:%d" % self.port
        self.tmp = os.path.join(self.var, "tmp", "gendata")
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def cmd(self, local_infile=False):
        c = ["mariadb", "--no-defaults", "--socket=" + self.sock, "-u", self.user,
             "--batch", "--skip-column-names", "--default-character-set=utf8mb4"]
        if local_infile:
            c.append("--local-infile=1")
        return c + [self.db]

    def sql(self, query, local_infile=False, check=True):
        """Run SQL; returns rows (lists of str). Raises on error if check."""
        p = subprocess.run(self.cmd(local_infile), input=query.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode and check:
            raise RuntimeError("mariadb: %s" % p.stderr.decode(errors="replace").strip())
        out = p.stdout.decode(errors="replace")
        return [line.split("\t") for line in out.splitlines()]

    def val(self, query):
        rows = self.sql(query)
        v = rows[0][0] if rows and rows[0] else None
        return None if v in (None, "NULL") else v

    def ival(self, query):
        v = self.val(query)
        return int(v) if v is not None else 0

    def http(self, method, path, body=None, ctype=None, token=None, timeout=60):
        """(status, parsed JSON or None) of one request to the stack."""
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                status, data = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, data = e.code, e.read()
        try:
            return status, json.loads(data.decode() or "null")
        except ValueError:
            return status, None

    def flush_memcached(self):
        path = os.path.join(self.var, "run", "memcached.sock")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(path)
                s.sendall(b"flush_all\r\n")
                return s.recv(64).startswith(b"OK")
        except OSError:
            return False


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total


# ---- accounts and the image pool through the API -------------------------------

def bench_accounts(st):
    """Create or log in bench1..5; returns [(username, id, token)]."""
    out = []
    for name in BENCH_USERS:
        body = json.dumps({"username": name, "password": BENCH_PASSWORD}).encode()
        status, data = st.http("POST", "/api/v1/accounts", body, "application/json")
        if status not in (201, 409):
            die("creating %s through %s/api/v1/accounts: HTTP %d %s" % (name, st.url, status, data))
        status, data = st.http("POST", "/api/v1/sessions", body, "application/json")
        if status != 200 or not data or "token" not in data:
            die("logging in as %s: HTTP %d %s (did someone change its password?)"
                % (name, status, data))
        out.append((name, int(data["user"]["id"]), data["token"]))
    return out


def multipart(fields, file_field, filename, ctype, content):
    boundary = "----gendata%016x" % random.getrandbits(64)
    parts = []
    for k, v in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                      % (boundary, k, v)).encode())
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  "Content-Type: %s\r\n\r\n" % (boundary, file_field, filename, ctype)).encode())
    parts.append(content)
    parts.append(("\r\n--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


POOL_SHAPES = [(640, 640), (768, 512), (512, 768), (1024, 768), (768, 1024), (800, 800),
               (1024, 576)]


def make_pool(st, token, need, seed, first):
    """Upload `need` new images; returns their post ids."""
    mkimage = os.path.join(ROOT, "build", "rel", "tests", "mkimage")
    if not os.access(mkimage, os.X_OK):
        die("%s is not built: run `make %s`" % (mkimage, os.path.relpath(mkimage, ROOT)))
    os.makedirs(st.tmp, exist_ok=True)
    rnd = random.Random(seed * 7919 + first)
    jobs = []
    for i in range(need):
        w, h = POOL_SHAPES[(first + i) % len(POOL_SHAPES)]
        fmt = "png" if (first + i) % 3 == 0 else "jpeg"
        code = pack([rnd.randrange(r) for r in RADIX])
        jobs.append((i, fmt, w, h, (seed & 0xFFFFF) * 100000 + first + i + 1, prompt_text(code)))
    post_ids, errors = [], []
    lock = threading.Lock()
    work = queue.Queue()
    for j in jobs:
        work.put(j)

    def worker():
        while True:
            try:
                i, fmt, w, h, s, prompt = work.get_nowait()
            except queue.Empty:
                return
            path = os.path.join(st.tmp, "pool-%d.%s" % (i, fmt))
            p = subprocess.run([mkimage, fmt, str(w), str(h), path, str(s)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if p.returncode:
                with lock:
                    errors.append("mkimage: %s" % p.stderr.decode(errors="replace").strip())
                return
            with open(path, "rb") as f:
                content = f.read()
            os.unlink(path)
            body, ctype = multipart({"prompt": prompt}, "image", os.path.basename(path),
                                    "image/png" if fmt == "png" else "image/jpeg", content)
            for attempt in range(6):  # 503: e.g. a deadlock between two uploads
                status, data = st.http("POST", "/api/v1/posts", body, ctype, token, timeout=120)
                if status != 503:
                    break
                time.sleep(0.2 * (attempt + 1))
            with lock:
                if status == 201 and data and "post" in data:
                    post_ids.append(int(data["post"]["id"]))
                    if len(post_ids) % 50 == 0:
                        log("  uploaded %d/%d pool images" % (len(post_ids), need))
                else:
                    errors.append("upload: HTTP %d %s" % (status, data))
                    return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if post_ids:  # the upload posts are not wanted, only their images
        st.sql("DELETE FROM posts WHERE id IN (%s)" % ",".join(map(str, post_ids)))
    if errors:
        die("making the image pool failed: %s" % errors[0])
    return post_ids


# ---- loading ------------------------------------------------------------------

def sql_quote(v):
    if v == "\\N":
        return "NULL"
    if re.fullmatch(r"-?[0-9]+", v):
        return v
    v = v.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Loader(threading.Thread):
    """Loads finished TSV files one after the other, in the background."""

    SESSION = "SET SESSION foreign_key_checks=0; SET SESSION unique_checks=0; "

    def __init__(self, st, keep_files):
        super().__init__(daemon=True)
        self.st, self.keep = st, keep_files
        self.q = queue.Queue()
        self.error = None
        self.timings = {}
        self.mode = "infile"
        self.restore_infile = False  # we switched local_infile on: off again at the end

    def add(self, table, path, cols, rows):
        self.q.put((table, path, cols, rows))

    def finish(self):
        self.q.put(None)
        self.join()
        if self.restore_infile:
            self.st.sql("SET GLOBAL local_infile=0", check=False)
        if self.error:
            die(self.error)

    def run(self):
        while True:
            job = self.q.get()
            if job is None:
                return
            if self.error:
                continue
            table, path, cols, rows = job
            t = time.monotonic()
            try:
                if rows:
                    self.load(table, path, cols, rows)
            except Exception as e:  # noqa: BLE001 - reported by finish()
                self.error = "loading %s: %s" % (table, e)
                continue
            dt = time.monotonic() - t
            self.timings[table] = round(dt, 1)
            log("loaded %-11s %11s rows in %6.1fs" % (table, fmt_n(rows), dt))
            if not self.keep:
                os.unlink(path)

    def load(self, table, path, cols, rows):
        if self.mode == "infile":
            q = (self.SESSION + "LOAD DATA LOCAL INFILE '%s' INTO TABLE %s CHARACTER SET "
                 "utf8mb4 (%s); SELECT ROW_COUNT(); SHOW COUNT(*) WARNINGS; "
                 "SHOW WARNINGS LIMIT 3;" % (path.replace("'", "\\'"), table, ", ".join(cols)))
            err = self.infile(q, rows)
            if err is None:
                return
            if not re.search(r"\b(1148|4166)\b", err):
                raise RuntimeError(err)
            log("LOAD DATA LOCAL refused (%s); trying SET GLOBAL local_infile=1" % err)
            self.st.sql("SET GLOBAL local_infile=1", check=False)
            err = self.infile(q, rows)
            if err is None:
                self.restore_infile = True
                return
            log("still refused: sending multi-row INSERTs instead")
            self.mode = "insert"
        self.load_inserts(table, path, cols, rows)

    def infile(self, q, rows):
        """Run a LOAD DATA; None when all rows went in, else the error."""
        p = subprocess.run(self.st.cmd(True), input=q.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode:
            lines = p.stderr.decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else "mariadb exited with %d" % p.returncode
        out = p.stdout.decode(errors="replace").splitlines()
        got = int(out[0]) if out else -1
        if got != rows:  # LOCAL turns errors into warnings: count the rows
            raise RuntimeError("LOAD DATA stored %d of %d rows; warnings: %s"
                               % (got, rows, " | ".join(out[2:5])))
        return None

    def load_inserts(self, table, path, cols, rows):
        p = subprocess.Popen(self.st.cmd(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        head = "INSERT INTO %s (%s) VALUES " % (table, ", ".join(cols))
        p.stdin.write((self.SESSION + "START TRANSACTION;\n").encode())
        batch, size = [], 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                v = "(" + ",".join(sql_quote(x) for x in line.rstrip("\n").split("\t")) + ")"
                batch.append(v)
                size += len(v)
                if size > 1 << 20:
                    p.stdin.write((head + ",".join(batch) + ";\n").encode())
                    batch, size = [], 0
        if batch:
            p.stdin.write((head + ",".join(batch) + ";\n").encode())
        p.stdin.write(b"COMMIT;\n")
        p.stdin.close()
        err = p.stderr.read().decode(errors="replace").strip()
        if p.wait():
            raise RuntimeError(err)


class TSV:
    """A TSV file written in big chunks; counts its rows."""

    def __init__(self, st, name):
        self.path = os.path.join(st.tmp, name + ".tsv")
        self.f = open(self.path, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.rows = 0
        self.buf = []

    def add(self, line):
        self.buf.append(line)
        if len(self.buf) >= 20000:
            self.flush()

    def flush(self):
        self.rows += len(self.buf)
        self.f.write("".join(self.buf))
        self.buf = []

    def close(self):
        self.flush()
        self.f.close()
        return self.rows


# ---- generation ---------------------------------------------------------------

class Gen:
    def __init__(self, st, args, counts):
        self.st, self.args, self.c = st, args, counts
        self.rnd = random.Random(args.seed)
        self.now = int(time.time())
        self.loader = Loader(st, args.keep_files)
        self.stats = {}

    # -- state already in the database
    def survey(self, bench):
        st = self.st
        self.bench = bench
        self.uid0 = st.ival("SELECT IFNULL(MAX(id), 0) + 1 FROM users")
        self.tid0 = st.ival("SELECT IFNULL(MAX(id), 0) + 1 FROM tags")
        # Rows an interrupted run loaded before the rows they point at: they
        # would collide with this run's ids. (Counters of the users and tags
        # that exist are recounted at the end anyway.)
        n = st.ival("SELECT COUNT(*) FROM posts WHERE user_id >= %d" % self.uid0)
        if n:
            log("deleting %s posts of people who do not exist (an interrupted run)" % fmt_n(n))
            st.sql("SET SESSION foreign_key_checks=0; DELETE FROM post_tags WHERE post_id IN "
                   "(SELECT id FROM posts WHERE user_id >= %d); DELETE FROM posts WHERE "
                   "user_id >= %d" % (self.uid0, self.uid0))
        self.pid0 = st.ival("SELECT IFNULL(MAX(id), 0) + 1 FROM posts")
        u, p, t = self.uid0, self.pid0, self.tid0
        left = st.sql(
            "SELECT (SELECT COUNT(*) FROM likes WHERE post_id >= %d OR user_id >= %d), "
            "(SELECT COUNT(*) FROM comments WHERE post_id >= %d OR user_id >= %d), "
            "(SELECT COUNT(*) FROM follows WHERE follower_id >= %d OR followee_id >= %d), "
            "(SELECT COUNT(*) FROM tag_follows WHERE user_id >= %d OR tag_id >= %d), "
            "(SELECT COUNT(*) FROM post_tags WHERE post_id >= %d OR tag_id >= %d)"
            % (p, u, p, u, u, u, u, t, p, t))[0]
        if any(int(x) for x in left):
            log("deleting rows left by an interrupted run: %s" % ", ".join(
                "%s %s" % (k, fmt_n(int(x))) for k, x in
                zip(("likes", "comments", "follows", "tag_follows", "post_tags"), left)))
            st.sql("SET SESSION foreign_key_checks=0; "
                   "DELETE FROM likes WHERE post_id >= %d OR user_id >= %d; "
                   "DELETE FROM comments WHERE post_id >= %d OR user_id >= %d; "
                   "DELETE FROM follows WHERE follower_id >= %d OR followee_id >= %d; "
                   "DELETE FROM tag_follows WHERE user_id >= %d OR tag_id >= %d; "
                   "DELETE FROM post_tags WHERE post_id >= %d OR tag_id >= %d;"
                   % (p, u, p, u, u, u, u, t, p, t))
        self.cid0 = st.ival("SELECT IFNULL(MAX(id), 0) + 1 FROM comments")
        self.names = {r[0].lower() for r in st.sql("SELECT username FROM users")}
        self.old_tags = {r[1]: int(r[0]) for r in st.sql("SELECT id, name FROM tags")}

    def post_times(self, n):
        """n sorted unix times over the last year, recent days denser
        (density grows 4x over the year) and none in the last 2 minutes."""
        a = math.log(4.0)
        ea = math.exp(a) - 1
        rnd = self.rnd.random
        xs = sorted(math.log1p(rnd() * ea) / a for _ in range(n))
        start = self.now - SPAN
        return array.array("q", (min(start + int(x * SPAN), self.now - 120) for x in xs))

    def run(self):
        c, rnd = self.c, self.rnd
        U, P = c["users"], c["posts"]
        uid0, pid0 = self.uid0, self.pid0
        uids = range(uid0, uid0 + U)
        os.makedirs(self.st.tmp, exist_ok=True)
        self.loader.start()
        self.minact = array.array("q", [self.now] * U)  # first activity per user

        # ---- people: who posts, who likes, who gets followed
        t = time.monotonic()
        order = list(uids)
        rnd.shuffle(order)
        posters = order[: max(1, int(U * 0.66))]  # a third never post
        author_cw = cum((r + 30) ** -1.0 for r in range(len(posters)))
        order2 = list(uids)
        rnd.shuffle(order2)
        liker_cw = cum((r + 100) ** -0.9 for r in range(U))
        self.likers, self.liker_cw = order2, liker_cw

        # ---- tags
        self.make_tags()

        # ---- posts: time, author, image, prompt, tags decided up front
        times = self.post_times(P)
        authors = array.array("q", rnd.choices(posters, cum_weights=author_cw, k=P))
        codes = array.array("Q", (pack([rnd.randrange(r) for r in RADIX]) for _ in range(P)))
        # likes per post: log-normal, fewer on posts only hours old
        wts = []
        for i in range(P):
            age = self.now - times[i]
            wts.append(math.exp(rnd.gauss(0.0, 1.8)) * (1.0 - math.exp(-age / DAY)))
        like_cap = max(1, min(U // 10 if U >= 50 else U - 1, 50_000))
        L = min(c["likes"], like_cap * P)
        likes_n = apportion(rnd, wts, L, like_cap)
        log("planned %s posts, %s likes (max %s on one post) in %.1fs"
            % (fmt_n(P), fmt_n(L), fmt_n(max(likes_n) if P else 0), time.monotonic() - t))

        # ---- remixes: 5% of posts remix an earlier one (popular or recent)
        t = time.monotonic()
        parent = array.array("q", bytes(8 * P))  # index + 1, 0 = none
        root = array.array("q", bytes(8 * P))    # index + 1 of the root
        depth = array.array("i", bytes(4 * P))
        remixes = array.array("i", bytes(4 * P))
        pop_cw = cum(n + 0.5 for n in likes_n)
        nremix = 0
        for i in range(1, P):
            if rnd.random() >= 0.05:
                continue
            if rnd.random() < 0.6:
                j = bisect.bisect_left(pop_cw, rnd.random() * pop_cw[i - 1], 0, i - 1)
            else:
                j = rnd.randrange(max(0, i - 5000), i)
            j = min(j, i - 1)
            parent[i] = j + 1
            root[i] = root[j] or (j + 1)
            depth[i] = depth[j] + 1
            remixes[j] += 1
            # a remix changes one or two of the words its parent's prompt shows
            idx = unpack(codes[j])
            used = USED_PARTS[idx[0]]
            for k in rnd.sample(used, min(len(used), rnd.randint(1, 2))):
                idx[k] = (idx[k] + rnd.randrange(1, RADIX[k])) % RADIX[k]
            codes[i] = pack(idx)
            nremix += 1
        del pop_cw
        self.stats["remixes"] = nremix
        log("planned %s remixes (deepest chain %d) in %.1fs"
            % (fmt_n(nremix), max(depth) if P else 0, time.monotonic() - t))

        # ---- bench accounts' likes: on popular posts, inside the planned counts
        bench_ids = [b[1] for b in self.bench]
        bench_likes = {}
        elig = [i for i in range(P) if likes_n[i] >= len(bench_ids) + 1]
        if elig and bench_ids:
            ecw = cum(likes_n[i] for i in elig)
            want = min(BENCH_LIKES, len(elig))
            for b in bench_ids:
                got = set()
                for _ in range(20):
                    for j in rnd.choices(elig, cum_weights=ecw, k=want):
                        got.add(j)
                        if len(got) >= want:
                            break
                    if len(got) >= want:
                        break
                for j in got:
                    bench_likes.setdefault(j, []).append(b)

        # ---- likes file (the biggest; the loader starts on it at once)
        self.gen_likes(times, authors, likes_n, bench_likes)

        # ---- comments
        self.gen_comments(times, authors, likes_n)

        # ---- follows and tag follows
        self.post_count = array.array("i", bytes(4 * U))
        for a in authors:
            self.post_count[a - uid0] += 1
        self.gen_follows()
        self.gen_tag_follows()

        # ---- posts and post_tags
        self.gen_posts(times, authors, codes, likes_n, parent, root, depth, remixes)
        del wts

        # ---- users (their first activity is known now) and tags
        self.gen_users()
        self.write_tags()
        self.loader.finish()

    # -- tags ------------------------------------------------------------------
    def make_tags(self):
        rnd, T = self.rnd, self.c["tags"]
        names, seen = [], set()

        def add(n):
            if n and n not in seen and len(names) < T:
                seen.add(n)
                names.append(n)

        for n in GENERIC_TAGS:
            add(n)
        vocab = [slug(w) for w in SUBJECTS + STYLES + COLOURS + ADJECTIVES + MATERIALS]
        rnd.shuffle(vocab)
        for n in vocab:
            add(n)
        combos = [slug(a + "-" + b) for a in COLOURS + ADJECTIVES + STYLES
                  for b in SUBJECTS + MATERIALS]
        rnd.shuffle(combos)
        for n in combos:
            if len(names) >= T:
                break
            add(n)
        i = 0
        while len(names) < T:
            i += 1
            add("tag%d" % i)
        # ids: reuse the ones of tags that exist already
        self.tag_names = names
        self.tag_ids = []
        self.new_tags = []
        nxt = self.tid0
        for n in names:
            if n in self.old_tags:
                self.tag_ids.append(self.old_tags[n])
            else:
                self.tag_ids.append(nxt)
                self.new_tags.append((nxt, n))
                nxt += 1
        self.tag_rank = {n: i for i, n in enumerate(names)}
        self.tag_cw = cum((r + 3) ** -1.0 for r in range(T))
        self.tag_posts = array.array("i", bytes(4 * T))
        self.tag_followers = array.array("i", bytes(4 * T))

    def write_tags(self):
        f = TSV(self.st, "tags")
        new = {tid for tid, _ in self.new_tags}
        for i, n in enumerate(self.tag_names):
            if self.tag_ids[i] in new:
                f.add("%d\t%s\t%d\t%d\n" % (self.tag_ids[i], n, self.tag_posts[i],
                                            self.tag_followers[i]))
        self.loader.add("tags", f.path, ["id", "name", "post_count", "follower_count"], f.close())
        self.stats["tags_new"] = len(new)

    def post_tags_of(self, idx):
        """Tag ranks of a post: the first usually from its prompt."""
        rnd = self.rnd
        n = 1 + (rnd.random() >= 0.4) + (rnd.random() >= 0.58)
        out = []
        if rnd.random() < 0.7:
            word = STYLES[idx[6]] if rnd.random() < 0.5 else SUBJECTS[idx[4]]
            r = self.tag_rank.get(slug(word))
            if r is not None:
                out.append(r)
        for r in rnd.choices(range(len(self.tag_names)), cum_weights=self.tag_cw, k=n + 2):
            if len(out) >= n:
                break
            if r not in out:
                out.append(r)
        return out

    # -- likes -----------------------------------------------------------------
    def delay(self, span):
        """Seconds after a post for a like/comment: mostly within a day."""
        rnd = self.rnd
        if rnd.random() < 0.75:
            d = int(rnd.expovariate(1.0 / (6 * 3600)))
        else:
            d = int(rnd.random() * span)
        return 1 + min(d, span - 1)

    def gen_likes(self, times, authors, likes_n, bench_likes):
        t = time.monotonic()
        rnd, U, uid0, now = self.rnd, self.c["users"], self.uid0, self.now
        f = TSV(self.st, "likes")
        minact, likers, cw = self.minact, self.likers, self.liker_cw
        liked = array.array("i", bytes(4 * U))  # likes given, for the report
        delay = self.delay
        total = 0
        step = max(1, len(times) // 10)
        for i in range(len(times)):
            k = likes_n[i]
            if k:
                pid = self.pid0 + i
                pt = times[i]
                span = now - pt
                taken = bench_likes.get(i)
                chosen = sample_unique(rnd, likers, cw, k, authors[i], uid0, uid0 + U, taken)
                lines = []
                for u in sorted(chosen):
                    lt = pt + delay(span)
                    lines.append("%d\t%d\t%d\n" % (pid, u, lt))
                    if u >= uid0:
                        j = u - uid0
                        liked[j] += 1
                        if lt < minact[j]:
                            minact[j] = lt
                f.buf.extend(lines)
                if len(f.buf) >= 20000:
                    f.flush()
                total += k
            if (i + 1) % step == 0:
                log("  likes: %3d%% of posts, %s rows" % ((i + 1) * 100 // len(times), fmt_n(total)))
        rows = f.close()
        self.loader.add("likes", f.path, ["post_id", "user_id", "created_at"], rows)
        self.stats["likes"] = rows
        self.stats["max_likes_given"] = max(liked) if U else 0
        log("generated likes: %s rows in %.1fs" % (fmt_n(rows), time.monotonic() - t))

    # -- comments --------------------------------------------------------------
    def gen_comments(self, times, authors, likes_n):
        t = time.monotonic()
        rnd, c = self.rnd, self.c
        U, uid0, now, P = c["users"], self.uid0, self.now, len(times)
        C = c["comments"]
        wts = [((likes_n[i] + 1) ** 0.9) * math.exp(rnd.gauss(0, 0.8)) for i in range(P)]
        per = apportion(rnd, wts, C, max(1, min(5000, C)))
        del wts
        f = TSV(self.st, "comments")
        self.com_n = array.array("i", bytes(4 * P))  # live (not deleted) comments
        minact, likers, cw = self.minact, self.likers, self.liker_cw
        cid = self.cid0
        texts = [fill(tpl, rnd) for tpl in COMMENTS for _ in range(8)]
        replies = deleted = 0
        for i in range(P):
            n = per[i]
            if not n:
                continue
            pid, pt, span = self.pid0 + i, times[i], now - times[i]
            ts = sorted(pt + self.delay(span) for _ in range(n))
            users = rnd.choices(likers, cum_weights=cw, k=n)
            tops = []
            lines = []
            live = 0
            for j in range(n):
                u = users[j]
                par = "\\N"
                if tops and rnd.random() < 0.10:
                    par = str(rnd.choice(tops))
                    replies += 1
                    if rnd.random() < 0.3:
                        u = authors[i]  # the author answers
                else:
                    tops.append(cid)
                if rnd.random() < 0.01:
                    text, dl = "", 1
                    deleted += 1
                else:
                    text, dl = rnd.choice(texts), 0
                    live += 1
                lines.append("%d\t%d\t%d\t%s\t%s\t%d\t%d\n" % (cid, pid, u, par, text, ts[j], dl))
                k = u - uid0
                if 0 <= k < U and ts[j] < minact[k]:
                    minact[k] = ts[j]
                cid += 1
            self.com_n[i] = live
            f.buf.extend(lines)
            if len(f.buf) >= 20000:
                f.flush()
        rows = f.close()
        self.loader.add("comments", f.path,
                        ["id", "post_id", "user_id", "parent_id", "text", "created_at", "deleted"],
                        rows)
        self.stats.update(comments=rows, replies=replies, comments_deleted=deleted)
        log("generated comments: %s rows (%s replies, %s deleted) in %.1fs"
            % (fmt_n(rows), fmt_n(replies), fmt_n(deleted), time.monotonic() - t))

    # -- follows ---------------------------------------------------------------
    def follow_time(self):
        a = math.log(4.0)
        x = math.log1p(self.rnd.random() * (math.exp(a) - 1)) / a
        return min(self.now - SPAN + int(x * SPAN), self.now - 60)

    def gen_follows(self):
        t = time.monotonic()
        rnd, U, uid0 = self.rnd, self.c["users"], self.uid0
        minact = self.minact
        # Followees: prolific posters are followed most (plus noise), Zipf-like.
        pop = sorted(range(U), key=lambda j: -(self.post_count[j] + 0.5) ** 0.8
                     * math.exp(rnd.gauss(0, 1.0)))
        followee_ids = [uid0 + j for j in pop]
        fcw = cum((r + 10) ** -1.0 for r in range(U))
        self.followers = array.array("i", bytes(4 * U))
        self.following = array.array("i", bytes(4 * U))
        f = TSV(self.st, "follows")
        nbench = 0
        # bench accounts first: their ids are lower, so the file stays sorted
        for _, b, _ in self.bench:
            k = min(BENCH_FOLLOWS, U)
            for v in sorted(sample_unique(rnd, followee_ids, fcw, k, b, uid0, uid0 + U)):
                ft = self.follow_time()
                f.add("%d\t%d\t%d\n" % (b, v, ft))
                self.followers[v - uid0] += 1
                if ft < minact[v - uid0]:
                    minact[v - uid0] = ft
                nbench += 1
        F = max(0, min(self.c["follows"] - nbench, U * (U - 1)))
        cap = max(1, min(U - 1, 5000))
        outdeg = apportion(rnd, [math.exp(rnd.gauss(0, 1.3)) for _ in range(U)], min(F, cap * U),
                           cap)
        for j in range(U):
            k = outdeg[j]
            if not k:
                continue
            u = uid0 + j
            lines = []
            for v in sorted(sample_unique(rnd, followee_ids, fcw, k, u, uid0, uid0 + U)):
                ft = self.follow_time()
                lines.append("%d\t%d\t%d\n" % (u, v, ft))
                vj = v - uid0
                self.followers[vj] += 1
                if ft < minact[vj]:
                    minact[vj] = ft
                if ft < minact[j]:
                    minact[j] = ft
            self.following[j] = k
            f.buf.extend(lines)
            if len(f.buf) >= 20000:
                f.flush()
        rows = f.close()
        self.loader.add("follows", f.path, ["follower_id", "followee_id", "created_at"], rows)
        self.stats["follows"] = rows
        log("generated follows: %s rows in %.1fs" % (fmt_n(rows), time.monotonic() - t))

    def gen_tag_follows(self):
        rnd, U, uid0 = self.rnd, self.c["users"], self.uid0
        T = len(self.tag_names)
        f = TSV(self.st, "tag_follows")
        old = set()
        if self.bench:
            ids = ",".join(str(b[1]) for b in self.bench)
            old = {(int(r[0]), int(r[1])) for r in
                   self.st.sql("SELECT user_id, tag_id FROM tag_follows WHERE user_id IN (%s)" % ids)}
        top = min(T, 100)
        for _, b, _ in self.bench:
            for r in sorted(rnd.sample(range(top), min(BENCH_TAGS, top)),
                            key=lambda r: self.tag_ids[r]):
                if (b, self.tag_ids[r]) in old:
                    continue
                f.add("%d\t%d\t%d\n" % (b, self.tag_ids[r], self.follow_time()))
                self.tag_followers[r] += 1
        for j in range(U):
            if rnd.random() >= 0.05:
                continue
            rs = set(rnd.choices(range(T), cum_weights=self.tag_cw, k=rnd.randint(1, 10)))
            for r in sorted(rs, key=lambda r: self.tag_ids[r]):
                ft = self.follow_time()
                f.add("%d\t%d\t%d\n" % (uid0 + j, self.tag_ids[r], ft))
                self.tag_followers[r] += 1
                if ft < self.minact[j]:
                    self.minact[j] = ft
        rows = f.close()
        self.loader.add("tag_follows", f.path, ["user_id", "tag_id", "created_at"], rows)
        self.stats["tag_follows"] = rows

    # -- posts -----------------------------------------------------------------
    def gen_posts(self, times, authors, codes, likes_n, parent, root, depth, remixes):
        t = time.monotonic()
        rnd, pid0, uid0 = self.rnd, self.pid0, self.uid0
        pool = self.pool
        f = TSV(self.st, "posts")
        g = TSV(self.st, "post_tags")
        captions = [fill(tpl, rnd) for tpl in CAPTIONS for _ in range(6)]
        for i in range(len(times)):
            idx = unpack(codes[i])
            ranks = self.post_tags_of(idx)
            names = " ".join(self.tag_names[r] for r in ranks)
            for r in ranks:
                self.tag_posts[r] += 1
                g.buf.append("%d\t%d\n" % (self.tag_ids[r], pid0 + i))
            cap = rnd.choice(captions) if rnd.random() < 0.6 else ""
            a = authors[i]
            if times[i] < self.minact[a - uid0]:
                self.minact[a - uid0] = times[i]
            f.buf.append("%d\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\n" % (
                pid0 + i, a, pool[rnd.randrange(len(pool))],
                str(pid0 + parent[i] - 1) if parent[i] else "\\N",
                str(pid0 + root[i] - 1) if root[i] else "\\N",
                depth[i], remixes[i], likes_n[i], self.com_n[i],
                TEMPLATES[idx[0]].format(**prompt_words(idx)), cap, names, times[i]))
            if len(f.buf) >= 20000:
                f.flush()
            if len(g.buf) >= 20000:
                g.flush()
        rows = f.close()
        self.loader.add("posts", f.path,
                        ["id", "user_id", "image_id", "parent_id", "root_id", "depth",
                         "remix_count", "like_count", "comment_count", "prompt", "caption", "tags",
                         "created_at"], rows)
        prow = g.close()
        self.loader.add("post_tags", g.path, ["tag_id", "post_id"], prow)
        self.stats.update(posts=rows, post_tags=prow)
        log("generated posts: %s rows, post_tags: %s rows in %.1fs"
            % (fmt_n(rows), fmt_n(prow), time.monotonic() - t))

    # -- users -----------------------------------------------------------------
    def gen_users(self):
        t = time.monotonic()
        rnd, U, uid0, now = self.rnd, self.c["users"], self.uid0, self.now
        f = TSV(self.st, "users")
        bios = [fill(tpl, rnd) for tpl in BIOS for _ in range(5)]
        pool = self.pool
        first = now - SPAN - 35 * DAY
        for j in range(U):
            u = uid0 + j
            if rnd.random() < 0.6:
                name = "user%07d" % u
            else:
                name = "%s_%s_%d" % (rnd.choice(NAME_ADJ), rnd.choice(NAME_NOUN), u)
            while name in self.names:  # an account made by hand took it
                name = "%s%d" % (name[:24], rnd.randrange(100000))
            self.names.add(name)
            m = self.minact[j]
            if m >= now:  # never did anything
                created = rnd.randrange(first, now - 60)
            else:
                created = max(first, m - rnd.randrange(3600, 30 * DAY))
            bio = rnd.choice(bios) if rnd.random() < 0.4 else ""
            avatar = str(pool[rnd.randrange(len(pool))]) if rnd.random() < 0.3 else "\\N"
            f.add("%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n" % (
                u, name, NOLOGIN_HASH, bio, avatar, self.post_count[j], self.followers[j],
                self.following[j], created))
        rows = f.close()
        self.loader.add("users", f.path,
                        ["id", "username", "password_hash", "bio", "avatar_image_id",
                         "post_count", "follower_count", "following_count", "created_at"], rows)
        self.stats["users"] = rows
        log("generated users: %s rows in %.1fs" % (fmt_n(rows), time.monotonic() - t))


# ---- after loading ----------------------------------------------------------------

def recount_old(st, gen):
    """Counters of rows that existed before (bench accounts, old tags)."""
    stmts = []
    if gen.uid0 > 1:
        stmts.append(
            "UPDATE users u SET "
            "post_count = (SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id), "
            "follower_count = (SELECT COUNT(*) FROM follows f WHERE f.followee_id = u.id), "
            "following_count = (SELECT COUNT(*) FROM follows f WHERE f.follower_id = u.id) "
            "WHERE u.id < %d" % gen.uid0)
    if gen.tid0 > 1:
        stmts.append(
            "UPDATE tags t SET "
            "post_count = (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id), "
            "follower_count = (SELECT COUNT(*) FROM tag_follows tf WHERE tf.tag_id = t.id) "
            "WHERE t.id < %d" % gen.tid0)
    # The bench accounts were made today; their likes and follows go back a year.
    ids = ",".join(str(b[1]) for b in gen.bench)
    if ids:
        stmts.append("UPDATE users SET created_at = LEAST(created_at, %d) WHERE id IN (%s)"
                     % (gen.now - SPAN - 30 * DAY, ids))
    if stmts:
        st.sql(";\n".join(stmts) + ";")


def timelines(st, gen, counts, bench):
    """Stored following timelines (sql/018), as the site keeps them for the
    people seen lately: for a share of the generated people (ACTIVE_SHARE,
    every k-th id) one INSERT ... SELECT of the posts of the people and tags
    they follow among the newest TIMELINE_RECENT of all posts (floor_id there:
    older pages come from the live query), and for the bench accounts one
    following-feed read each through the API, which builds theirs as a
    returning person's is."""
    t = time.monotonic()
    U, P = counts["users"], counts["posts"]
    top = st.ival("SELECT IFNULL(MAX(id), 0) FROM posts")
    floor = max(1, top - max(1, int(P * TIMELINE_RECENT)) + 1)
    step = max(1, int(round(1 / ACTIVE_SHARE)))
    lo, hi = gen.uid0, gen.uid0 + U - 1
    active = "u.id BETWEEN %d AND %d AND (u.id - %d) %% %d = 0" % (lo, hi, lo, step)
    st.sql(
        "SET SESSION foreign_key_checks = 0; "
        "INSERT IGNORE INTO timeline_state (user_id, ready, floor_id, seen_at) "
        "SELECT u.id, 1, %d, UNIX_TIMESTAMP() FROM users u WHERE %s; "
        "INSERT INTO timelines (user_id, post_id, reason) "
        "SELECT x.user_id, x.post_id, MIN(x.reason) FROM ("
        " SELECT f.follower_id AS user_id, p.id AS post_id, "
        "  CONCAT('1because you follow @', a.username) AS reason "
        " FROM users u JOIN follows f ON f.follower_id = u.id "
        " JOIN posts p ON p.user_id = f.followee_id AND p.id >= %d "
        " JOIN users a ON a.id = p.user_id WHERE %s"
        " UNION ALL"
        " SELECT tf.user_id, pt.post_id, CONCAT('2because you follow #', tg.name) "
        " FROM users u JOIN tag_follows tf ON tf.user_id = u.id "
        " JOIN post_tags pt ON pt.tag_id = tf.tag_id AND pt.post_id >= %d "
        " JOIN tags tg ON tg.id = tf.tag_id "
        " JOIN posts p ON p.id = pt.post_id AND p.user_id <> tf.user_id WHERE %s"
        ") x GROUP BY x.user_id, x.post_id "
        "ON DUPLICATE KEY UPDATE reason = LEAST(timelines.reason, VALUES(reason))"
        % (floor, active, floor, active, floor, active))
    # The bench accounts were made (and may have read a feed) through the
    # API before their follows were loaded in bulk: a timeline kept from
    # then holds nothing. Forgotten, the read below builds it again.
    ids = ",".join(str(int(b[1])) for b in bench)
    if ids:
        st.sql("DELETE FROM timelines WHERE user_id IN (%s); "
               "DELETE FROM timeline_state WHERE user_id IN (%s)" % (ids, ids))
    st.flush_memcached()
    for name, _, token in bench:
        status, _ = st.http("GET", "/api/v1/feed?kind=following", token=token, timeout=300)
        if status != 200:
            die("reading %s's following feed: HTTP %d" % (name, status))
    st.sql("ANALYZE TABLE timelines, timeline_state")
    n = st.sql("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM timelines")[0]
    gen.stats["timelines"] = int(n[0])
    log("timelines: %s rows for %s people (every %d-th generated person and the bench "
        "accounts) in %.1fs" % (fmt_n(int(n[0])), fmt_n(int(n[1])), step, time.monotonic() - t))


def generate(st, args, counts):
    tstart = time.monotonic()
    nposts = st.ival("SELECT COUNT(*) FROM posts")
    if nposts > REFUSE_POSTS and not args.force:
        prev = ""
        try:
            with open(os.path.join(st.var, "gendata.json")) as f:
                j = json.load(f)
            prev = " (gendata.json: seed %s, %s posts)" % (j.get("seed"),
                                                          fmt_n(j["counts"].get("posts", 0)))
        except (OSError, ValueError, KeyError):
            pass
        die("the database in %s already has %s posts%s; refusing to add more without --force "
            "(or start an empty stack with another IMAGIER_VAR)" % (st.var, fmt_n(nposts), prev), 3)
    shutil.rmtree(st.tmp, ignore_errors=True)
    os.makedirs(st.tmp, exist_ok=True)
    log("var %s, database %s, %s" % (st.var, st.db, st.url))
    log("target: " + ", ".join("%s %s" % (k, fmt_n(v)) for k, v in counts.items())
        + ", seed %d" % args.seed)
    timings = {}

    # 1. accounts and the image pool through the API
    t = time.monotonic()
    bench = bench_accounts(st)
    have = [int(r[0]) for r in st.sql("SELECT id FROM images ORDER BY id")]
    need = max(0, counts["images"] - len(have))
    if need:
        log("uploading %d pool images as %s through the API" % (need, bench[0][0]))
        make_pool(st, bench[0][2], need, args.seed, len(have))
        have = [int(r[0]) for r in st.sql("SELECT id FROM images ORDER BY id")]
    pool = have[-counts["images"]:]
    timings["api"] = round(time.monotonic() - t, 1)
    log("bench accounts %s; image pool: %d images (ids %d..%d) in %.1fs"
        % (",".join(b[0] for b in bench), len(pool), pool[0], pool[-1], timings["api"]))

    # 2. generate and load
    t = time.monotonic()
    gen = Gen(st, args, counts)
    gen.pool = pool
    gen.survey(bench)
    gen.run()
    timings["generate_and_load"] = round(time.monotonic() - t, 1)
    timings["load"] = gen.loader.timings

    # 3. counters of old rows, timelines, statistics, caches
    t = time.monotonic()
    recount_old(st, gen)
    st.sql("ANALYZE TABLE users, posts, tags, post_tags, likes, comments, follows, tag_follows")
    timelines(st, gen, counts, bench)
    flushed = st.flush_memcached()
    timings["finish"] = round(time.monotonic() - t, 1)
    timings["total"] = round(time.monotonic() - tstart, 1)
    log("recounted old rows, analyzed tables%s in %.1fs"
        % (", flushed memcached" if flushed else "", timings["finish"]))
    # The "for you" candidates of the bench accounts, as imagier-gen's job
    # would gather them (docs/RANKING.md section 7); tools/bench.sh gathers
    # them again before measuring, since a row over an hour old is rebuilt
    # by the first page that finds it.
    cli = os.path.join(ROOT, "bin", "imagier")
    if os.path.exists(cli):
        r = subprocess.run([cli, "foryou-refresh"] + [b[0] for b in bench],
                           env=dict(os.environ, IMAGIER_VAR=st.var),
                           capture_output=True, text=True)
        log("for you: " + (r.stdout.strip() if r.returncode == 0
                           else "not gathered: " + r.stderr.strip()))
    if not args.keep_files:
        shutil.rmtree(st.tmp, ignore_errors=True)

    info = {
        "version": 1,
        "seed": args.seed,
        "scale": args.scale,
        "generated_at": gen.now,
        "requested": counts,
        "counts": {k: gen.stats.get(k) for k in
                   ("users", "posts", "likes", "comments", "follows", "tag_follows",
                    "post_tags", "remixes", "replies", "comments_deleted", "tags_new")},
        "images": pool,
        "ids": {"users": [gen.uid0, gen.uid0 + counts["users"] - 1],
                "posts": [gen.pid0, gen.pid0 + counts["posts"] - 1],
                "comments": [gen.cid0, gen.cid0 + gen.stats.get("comments", 0) - 1]},
        "bench_users": [{"username": b[0], "id": b[1]} for b in bench],
        "bench_password": BENCH_PASSWORD,
        "timings": timings,
        "db_bytes": du(os.path.join(st.var, "db")),
        "previous": None,
    }
    path = os.path.join(st.var, "gendata.json")
    try:
        with open(path) as f:  # the run before this one, without its own history
            info["previous"] = {k: v for k, v in json.load(f).items() if k != "previous"}
    except (OSError, ValueError):
        pass
    with open(path + ".tmp", "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    log("done in %.1fs; database %.2f GB on disk; wrote %s"
        % (timings["total"], info["db_bytes"] / 1e9, path))
    log("check it with: %s --verify --var %s" % (os.path.relpath(__file__), st.var))


# ---- verify -------------------------------------------------------------------------

CHECKS = [
    ("posts.like_count = likes",
     "SELECT COUNT(*) FROM posts p LEFT JOIN (SELECT post_id, COUNT(*) n FROM likes "
     "GROUP BY post_id) x ON x.post_id = p.id WHERE p.like_count <> IFNULL(x.n, 0)"),
    ("posts.comment_count = live comments",
     "SELECT COUNT(*) FROM posts p LEFT JOIN (SELECT post_id, COUNT(*) n FROM comments "
     "WHERE deleted = 0 GROUP BY post_id) x ON x.post_id = p.id "
     "WHERE p.comment_count <> IFNULL(x.n, 0)"),
    ("posts.remix_count = remixes",
     "SELECT COUNT(*) FROM posts p LEFT JOIN (SELECT parent_id, COUNT(*) n FROM posts "
     "WHERE parent_id IS NOT NULL GROUP BY parent_id) x ON x.parent_id = p.id "
     "WHERE p.remix_count <> IFNULL(x.n, 0)"),
    ("users.post_count = posts",
     "SELECT COUNT(*) FROM users u LEFT JOIN (SELECT user_id, COUNT(*) n FROM posts "
     "GROUP BY user_id) x ON x.user_id = u.id WHERE u.post_count <> IFNULL(x.n, 0)"),
    ("users.follower_count = follows",
     "SELECT COUNT(*) FROM users u LEFT JOIN (SELECT followee_id, COUNT(*) n FROM follows "
     "GROUP BY followee_id) x ON x.followee_id = u.id WHERE u.follower_count <> IFNULL(x.n, 0)"),
    ("users.following_count = follows",
     "SELECT COUNT(*) FROM users u LEFT JOIN (SELECT follower_id, COUNT(*) n FROM follows "
     "GROUP BY follower_id) x ON x.follower_id = u.id "
     "WHERE u.following_count <> IFNULL(x.n, 0)"),
    ("tags.post_count = post_tags",
     "SELECT COUNT(*) FROM tags t LEFT JOIN (SELECT tag_id, COUNT(*) n FROM post_tags "
     "GROUP BY tag_id) x ON x.tag_id = t.id WHERE t.post_count <> IFNULL(x.n, 0)"),
    ("tags.follower_count = tag_follows",
     "SELECT COUNT(*) FROM tags t LEFT JOIN (SELECT tag_id, COUNT(*) n FROM tag_follows "
     "GROUP BY tag_id) x ON x.tag_id = t.id WHERE t.follower_count <> IFNULL(x.n, 0)"),
    ("no self-follows", "SELECT COUNT(*) FROM follows WHERE follower_id = followee_id"),
    ("likes after their post",
     "SELECT COUNT(*) FROM likes l JOIN posts p ON p.id = l.post_id "
     "WHERE l.created_at < p.created_at"),
    ("replies: parent is a top-level comment of the same post",
     "SELECT COUNT(*) FROM comments c LEFT JOIN comments t ON t.id = c.parent_id "
     "WHERE c.parent_id IS NOT NULL AND (t.id IS NULL OR t.post_id <> c.post_id "
     "OR t.parent_id IS NOT NULL)"),
    ("remix lineage: root_id and depth follow the parent",
     "SELECT COUNT(*) FROM posts p JOIN posts q ON q.id = p.parent_id "
     "WHERE p.root_id <> IFNULL(q.root_id, q.id) OR p.depth <> q.depth + 1"),
    ("roots have no root_id and depth 0",
     "SELECT COUNT(*) FROM posts WHERE parent_id IS NULL AND (root_id IS NOT NULL OR depth <> 0)"),
    ("posts: author and image exist",
     "SELECT COUNT(*) FROM posts p LEFT JOIN users u ON u.id = p.user_id "
     "LEFT JOIN images i ON i.id = p.image_id WHERE u.id IS NULL OR i.id IS NULL"),
    ("likes: post and person exist",
     "SELECT COUNT(*) FROM likes l LEFT JOIN posts p ON p.id = l.post_id "
     "LEFT JOIN users u ON u.id = l.user_id WHERE p.id IS NULL OR u.id IS NULL"),
    ("comments: post and person exist",
     "SELECT COUNT(*) FROM comments c LEFT JOIN posts p ON p.id = c.post_id "
     "LEFT JOIN users u ON u.id = c.user_id WHERE p.id IS NULL OR u.id IS NULL"),
    ("follows: both people exist",
     "SELECT COUNT(*) FROM follows f LEFT JOIN users a ON a.id = f.follower_id "
     "LEFT JOIN users b ON b.id = f.followee_id WHERE a.id IS NULL OR b.id IS NULL"),
    ("post_tags and tag_follows: rows exist",
     "SELECT (SELECT COUNT(*) FROM post_tags pt LEFT JOIN tags t ON t.id = pt.tag_id "
     "LEFT JOIN posts p ON p.id = pt.post_id WHERE t.id IS NULL OR p.id IS NULL) + "
     "(SELECT COUNT(*) FROM tag_follows tf LEFT JOIN tags t ON t.id = tf.tag_id "
     "LEFT JOIN users u ON u.id = tf.user_id WHERE t.id IS NULL OR u.id IS NULL)"),
    ("users: avatar images exist",
     "SELECT COUNT(*) FROM users u LEFT JOIN images i ON i.id = u.avatar_image_id "
     "WHERE u.avatar_image_id IS NOT NULL AND i.id IS NULL"),
]

TABLES = ["users", "images", "media_files", "posts", "tags", "post_tags", "likes", "comments",
          "follows", "tag_follows", "generations", "notifications"]


def verify(st):
    bad = 0
    t0 = time.monotonic()
    counts = {}
    for tname in TABLES:
        counts[tname] = st.ival("SELECT COUNT(*) FROM %s" % tname)
    log("rows: " + ", ".join("%s %s" % (k, fmt_n(v)) for k, v in counts.items()))
    for name, q in CHECKS:
        t = time.monotonic()
        n = st.ival(q)
        ok = n == 0
        bad += not ok
        log("%-4s %-55s %s (%.1fs)" % ("ok" if ok else "FAIL", name,
                                        "" if ok else "%s rows disagree" % fmt_n(n),
                                        time.monotonic() - t))
    # The bench accounts: content for the following and for-you feeds.
    for name in BENCH_USERS:
        row = st.sql("SELECT u.id, u.following_count, (SELECT COUNT(*) FROM tag_follows t "
                     "WHERE t.user_id = u.id), (SELECT COUNT(*) FROM likes l WHERE "
                     "l.user_id = u.id) FROM users u WHERE u.username = '%s'" % name)
        if not row:
            log("FAIL %s does not exist" % name)
            bad += 1
            continue
        _, fol, tags, likes = (int(x) for x in row[0])
        ok = fol > 0 and tags > 0 and likes > 0
        bad += not ok
        log("%-4s %s follows %d people and %d tags, liked %d posts"
            % ("ok" if ok else "FAIL", name, fol, tags, likes))
    # The API shows the newest posts.
    maxid = st.ival("SELECT IFNULL(MAX(id), 0) FROM posts")
    # nginx's microcache may answer once with a stale page while it updates.
    for attempt in range(3):
        status, data = st.http("GET", "/api/v1/feed?kind=latest")
        items = (data or {}).get("items") or [] if isinstance(data, dict) else []
        ok = status == 200 and len(items) > 0 and int(items[0].get("id", 0)) == maxid
        if ok:
            break
        time.sleep(1.5)
    bad += not ok
    log("%-4s GET /api/v1/feed?kind=latest: HTTP %d, %d items, first id %s (newest post %d)"
        % ("ok" if ok else "FAIL", status, len(items), items[0].get("id") if items else "-",
           maxid))
    if items:
        p = items[0]
        log("     e.g. #%s by @%s: %r tags %s, %s likes"
            % (p.get("id"), (p.get("author") or {}).get("username"), p.get("prompt"),
               p.get("tags"), p.get("like_count", "?")))
    log("verify: %s in %.1fs" % ("all checks passed" if not bad else "%d checks FAILED" % bad,
                                 time.monotonic() - t0))
    return 1 if bad else 0


# ---- main ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        prog="gendata.py", description="Fill an imagier stack with generated data "
        "(see the docstring of tools/gendata.py).")
    ap.add_argument("--var", default=os.environ.get("IMAGIER_VAR") or os.path.join(ROOT, "var"),
                    help="the stack's var dir (default $IMAGIER_VAR, else <repo>/var)")
    for k, v in DEFAULTS.items():
        ap.add_argument("--" + k, type=int, default=None, metavar="N",
                        help="how many %s (default %s, times --scale)" % (k, fmt_n(v)))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every default by F")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true",
                    help="generate even if the database has more than %d posts" % REFUSE_POSTS)
    ap.add_argument("--keep-files", action="store_true",
                    help="keep the TSV files in $VAR/tmp/gendata/")
    ap.add_argument("--verify", action="store_true",
                    help="only check counts, counters and integrity; exit 1 on a mismatch")
    args = ap.parse_args()
    if args.scale <= 0:
        ap.error("--scale must be > 0")
    counts = {}
    for k, v in DEFAULTS.items():
        given = getattr(args, k)
        if given is not None:
            if given < 0:
                ap.error("--%s must be >= 0" % k)
            counts[k] = given
        else:
            counts[k] = max(MINIMUM.get(k, 1), int(round(v * args.scale)))
            if k in MINIMUM:
                counts[k] = min(counts[k], max(v, int(round(v * args.scale))))
    if counts["users"] < 2 or counts["posts"] < 1 or counts["images"] < 1 or counts["tags"] < 1:
        ap.error("need at least 2 users, 1 post, 1 image and 1 tag")

    st = Stack(args.var)
    if not os.path.exists(st.sock):
        die("no MariaDB socket at %s: start the stack first "
            "(IMAGIER_VAR=%s tools/stack.sh start)" % (st.sock, st.var))
    try:
        st.sql("SELECT 1")
    except RuntimeError as e:
        die(str(e))
    if args.verify:
        sys.exit(verify(st))
    status, _ = st.http("GET", "/healthz")
    if status != 200:
        die("%s/healthz answers %d, not 200: is the stack running?" % (st.url, status))
    generate(st, args, counts)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        die("interrupted", 130)
    except RuntimeError as e:
        die(str(e))
