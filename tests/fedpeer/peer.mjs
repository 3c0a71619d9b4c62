#!/usr/bin/env node
// tests/fedpeer/peer.mjs - a real ActivityPub server (Fedify) the tests
// federate with, driven over HTTP by shell tests.
//
//   node peer.mjs [--port P] [--name peer] [--log FILE] [--ttl SECONDS]
//
// One actor (a Person, http://127.0.0.1:P/users/NAME), its WebFinger,
// NodeInfo, inbox, outbox, followers and following, and posts. Listens on
// 127.0.0.1 only, plain HTTP. --port 0 (the default) takes a free port;
// the first line on stdout is "fedpeer listening 127.0.0.1 PORT".
// Every activity that reaches the inbox is one JSON line in the log file
// (and in the `log` control verb): accepted ones with verified:true (Fedify
// ran its listeners only after verifying a signature), refused ones with
// refused:true and the status Fedify answered. Control verbs:
// POST /_control/VERB with a JSON body; see README.md.
//
// The process exits by itself when the process --watch-pid names (its
// parent at start, 0 for none) goes away, or after --ttl seconds (1800), so
// a killed test never leaves it behind.
import http from "node:http";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Document,
  Endpoints,
  Follow,
  Like,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Tombstone,
  Undo,
  Update,
  createFederation,
  getDocumentLoader,
  MemoryKvStore,
} from "@fedify/fedify";
import { signRequest, verifyRequest } from "@fedify/fedify/sig";
// Node 20 has no Temporal yet; Fedify brings the polyfill and so do we.
import { Temporal } from "@js-temporal/polyfill";

// ---- options -----------------------------------------------------------------
function parseArgs(argv) {
  const o = {
    port: Number(process.env.FEDPEER_PORT ?? 0),
    name: process.env.FEDPEER_NAME ?? "peer",
    log: process.env.FEDPEER_LOG ?? "",
    ttl: Number(process.env.FEDPEER_TTL ?? 1800),
    debug: process.env.FEDPEER_DEBUG === "1",
    watchPid: Number(process.env.FEDPEER_WATCH_PID ?? process.ppid),
    rsaBits: Number(process.env.FEDPEER_RSA_BITS ?? 2048),
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--port") o.port = Number(v());
    else if (a === "--name") o.name = v();
    else if (a === "--log") o.log = v();
    else if (a === "--ttl") o.ttl = Number(v());
    else if (a === "--watch-pid") o.watchPid = Number(v());
    else if (a === "--rsa-bits") o.rsaBits = Number(v());
    else if (a === "--debug") o.debug = true;
    else usage(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage("bad --port");
  if (!/^[a-z0-9_]{1,30}$/.test(o.name)) usage("--name: 1-30 of a-z 0-9 _");
  if (!(o.ttl > 0)) usage("bad --ttl");
  if (!Number.isInteger(o.watchPid) || o.watchPid < 0) usage("bad --watch-pid");
  if (![2048, 3072, 4096].includes(o.rsaBits)) usage("--rsa-bits: 2048, 3072 or 4096");
  return o;
}
function usage(msg) {
  process.stderr.write(`fedpeer: ${msg}\nusage: node peer.mjs [--port P] [--name NAME] [--log FILE] [--ttl S] [--watch-pid PID] [--rsa-bits N] [--debug]\n`);
  process.exit(2);
}
const opt = parseArgs(process.argv);

if (opt.debug) {
  const { configure, getConsoleSink } = await import("@logtape/logtape");
  await configure({
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: "fedify", sinks: ["console"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
    ],
  });
}

// ---- state (all in memory: one peer lives as long as one test) ---------------
const NAME = opt.name;
// RSA only, as Mastodon: outgoing activities carry a draft-cavage HTTP
// signature (and Fedify's RsaSignature2017 Linked Data signature). 2048
// bits as Mastodon's keys (--rsa-bits 4096 as Fedify's own default; that
// one takes a second or more to make).
const keys = {
  rsa: await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: opt.rsaBits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  ),
};
const followers = new Map(); // actor id -> {id, inbox, sharedInbox, follow}
const following = new Map(); // actor id -> {actor, follow (id), state}
const posts = new Map(); // post id (uuid) -> {content, image, mediaType, inReplyTo, to, cc, published, deleted}
const sent = new Map(); // activity id -> {activity json, recipient actor id or "followers"}
const received = []; // log entries, oldest first
const waiters = new Set(); // {match, resolve}
const mode = { follow: "accept" }; // what an incoming Follow gets: accept | reject | manual | ignore
const pendingFollows = new Map(); // follower id -> {follow, follower}, in manual mode
const logFd = opt.log ? fs.openSync(opt.log, "a") : null;
const files = new Map(); // name -> {type, data}: what GET /files/NAME serves (file verb)

function record(entry) {
  entry.seq = received.length + 1;
  entry.time = new Date().toISOString();
  received.push(entry);
  if (logFd != null) fs.writeSync(logFd, JSON.stringify(entry) + "\n");
  for (const w of waiters) {
    if (w.match(entry)) {
      waiters.delete(w);
      w.resolve(entry);
    }
  }
}
function noteOut(type, activity, to) {
  // outgoing activities go to the log file only (dir:"out"), for debugging
  if (logFd != null)
    fs.writeSync(logFd, JSON.stringify({ dir: "out", time: new Date().toISOString(), type, to, activity }) + "\n");
}

// ---- federation ---------------------------------------------------------------
const federation = createFederation({
  kv: new MemoryKvStore(),
  // No queue: activities are delivered while the control call waits, so its
  // answer says whether the remote inbox took them; inbox listeners run
  // before the inbox answers.
  //
  // The tests run everything on 127.0.0.1 over plain HTTP. Fedify refuses
  // to fetch private addresses by default (SSRF protection); the peer is a
  // test harness that only ever talks to loopback, so it allows them.
  allowPrivateAddress: true,
  // Fedify keeps fetched documents for 5 minutes by default; a test that
  // changes a profile or deletes a post must see it at once: no cache.
  documentLoaderFactory: (o) => getDocumentLoader({ allowPrivateAddress: true, userAgent: o?.userAgent }),
});

function actorId(ctx) {
  return ctx.getActorUri(NAME);
}
function postUri(ctx, id) {
  return ctx.getObjectUri(Note, { identifier: NAME, id });
}
function noteOf(ctx, id) {
  const p = posts.get(id);
  if (p == null || p.deleted) return null;
  return new Note({
    id: postUri(ctx, id),
    attribution: actorId(ctx),
    content: p.content,
    published: Temporal.Instant.from(p.published),
    url: postUri(ctx, id),
    replyTarget: p.inReplyTo ? new URL(p.inReplyTo) : null,
    tos: p.to.map((u) => new URL(u)),
    ccs: p.cc.map((u) => new URL(u)),
    attachments: p.image ? [new Document({ mediaType: p.mediaType, url: new URL(p.image), name: p.imageName ?? null })] : [],
  });
}

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== NAME) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify test peer ${identifier}`,
      summary: "A test peer (Fedify) of imagier's integration tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: mode.follow !== "accept",
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((p) => p.multikey),
    });
  })
  .mapHandle((ctx, username) => (username === NAME ? NAME : null))
  .setKeyPairsDispatcher(async (ctx, identifier) => (identifier === NAME ? [keys.rsa] : []));

federation.setObjectDispatcher(Note, "/users/{identifier}/posts/{id}", (ctx, { identifier, id }) =>
  identifier === NAME ? noteOf(ctx, id) : null,
);

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (ctx, identifier) => {
    if (identifier !== NAME) return null;
    return {
      items: [...followers.values()].map((f) => ({
        id: new URL(f.id),
        inboxId: new URL(f.inbox),
        endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
      })),
    };
  })
  .setCounter((ctx, identifier) => (identifier === NAME ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (ctx, identifier) => {
    if (identifier !== NAME) return null;
    return {
      items: [...following.values()].filter((f) => f.state === "accepted").map((f) => new URL(f.actor)),
    };
  })
  .setCounter((ctx, identifier) =>
    identifier === NAME ? [...following.values()].filter((f) => f.state === "accepted").length : null,
  );

federation
  .setOutboxDispatcher("/users/{identifier}/outbox", (ctx, identifier) => {
    if (identifier !== NAME) return null;
    const items = [];
    for (const [id, p] of [...posts.entries()].reverse()) {
      if (p.deleted) continue;
      items.push(
        new Create({
          id: new URL(`${postUri(ctx, id).href}#create`),
          actor: actorId(ctx),
          object: noteOf(ctx, id),
          tos: p.to.map((u) => new URL(u)),
          ccs: p.cc.map((u) => new URL(u)),
        }),
      );
    }
    return { items };
  })
  .setCounter((ctx, identifier) => (identifier === NAME ? [...posts.values()].filter((p) => !p.deleted).length : null));

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "imagier-fedpeer", version: "1.0.0", homepage: new URL("https://fedify.dev/") },
  protocols: ["activitypub"],
  usage: { users: { total: 1, activeHalfyear: 1, activeMonth: 1 }, localPosts: posts.size, localComments: 0 },
}));

// One entry per activity Fedify accepted: it calls a listener only after a
// valid HTTP signature, Linked Data signature or object integrity proof.
async function logAccepted(ctx, activity) {
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  const meta = inboxPostNow.getStore() ?? {};
  let objectType = null;
  let object = activity.objectId?.href ?? null;
  try {
    const o = await activity.getObject();
    if (o != null) {
      const oj = await o.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
      objectType = oj.type ?? null;
      object = object ?? oj.id ?? null;
    }
  } catch {
    // an object we cannot fetch (e.g. gone): the id is enough
  }
  const entry = {
    dir: "in",
    type: json.type,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object,
    object_type: objectType,
    verified: true,
    http_signature: meta.httpSig ?? null,
    recipient: ctx.recipient ?? null,
    activity: meta.raw ?? json,
  };
  record(entry);
  return entry;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await logAccepted(ctx, follow);
    if (follow.id == null || follow.actorId == null || follow.objectId == null) return;
    if (follow.objectId.href !== actorId(ctx).href) return;
    if (mode.follow === "ignore") return;
    const follower = await follow.getActor();
    if (follower == null || follower.inboxId == null) return;
    if (mode.follow === "manual") {
      pendingFollows.set(follower.id.href, { follow, follower });
      return;
    }
    // Answered once the inbox has answered the Follow, as a server with a
    // queue does (Mastodon): the follower may not expect the Accept before
    // its own POST returns.
    const accept = mode.follow === "accept";
    afterInboxPost(() => answerFollow(ctx, follow, follower, accept));
  })
  .on(Accept, async (ctx, accept) => {
    await logAccepted(ctx, accept);
    for (const f of following.values()) {
      if (f.follow === accept.objectId?.href || (f.actor === accept.actorId?.href && f.state === "pending"))
        f.state = "accepted";
    }
  })
  .on(Reject, async (ctx, reject) => {
    await logAccepted(ctx, reject);
    for (const f of following.values()) {
      if (f.follow === reject.objectId?.href || f.actor === reject.actorId?.href) f.state = "rejected";
    }
  })
  .on(Undo, async (ctx, undo) => {
    const entry = await logAccepted(ctx, undo);
    if (entry.object_type === "Follow" && undo.actorId != null) {
      const f = followers.get(undo.actorId.href);
      if (f != null) followers.delete(undo.actorId.href);
    }
  })
  .on(Create, logAccepted)
  .on(Update, logAccepted)
  .on(Delete, logAccepted)
  .on(Like, logAccepted)
  .on(Announce, logAccepted)
  .on(Activity, logAccepted) // anything else (Block, Flag, Move...): logged too
  .onError((ctx, error) => {
    process.stderr.write(`fedpeer: inbox listener error: ${error?.stack ?? error}\n`);
  });

// answerFollow: a signed Accept (the follower is added) or Reject (removed)
async function answerFollow(ctx, follow, follower, accept) {
  if (accept) {
    followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId.href,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
      follow: follow.id.href,
    });
  } else followers.delete(follower.id.href);
  const Answer = accept ? Accept : Reject;
  const answer = new Answer({ id: newId(ctx), actor: actorId(ctx), object: follow });
  return await deliver(ctx, follower, answer, accept ? "Accept" : "Reject");
}
// afterInboxPost: run fn once the current inbox POST has been answered
function afterInboxPost(fn) {
  const store = inboxPostNow.getStore();
  if (store?.after) store.after.push(fn);
  else setTimeout(fn, 0);
}

// ---- control verbs --------------------------------------------------------------
class ControlError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const bad = (msg) => new ControlError(400, "bad_request", msg);
const MAX_WAIT_MS = 30000;

function str(body, key, { required = true, max = 4096 } = {}) {
  const v = body[key];
  if (v == null) {
    if (required) throw bad(`"${key}" is required`);
    return null;
  }
  if (typeof v !== "string" || v.length > max) throw bad(`"${key}" must be a string of at most ${max} characters`);
  return v;
}
function url(body, key, opts) {
  const v = str(body, key, opts);
  if (v == null) return null;
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    return u;
  } catch {
    throw bad(`"${key}" must be an http(s) URL`);
  }
}

// webfinger ACCT: the JRD of acct:user@host, fetched over plain HTTP (the
// tests' servers have no TLS; Fedify's own lookup always uses https for acct:).
async function webfinger(acct) {
  const m = /^@?([^@\s]+)@([^@\s/]+)$/.exec(acct);
  if (!m) throw bad(`"acct" must look like user@host`);
  const resource = `acct:${m[1]}@${m[2]}`;
  const u = `http://${m[2]}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  let res, text;
  try {
    res = await fetch(u, { headers: { Accept: "application/jrd+json" }, signal: AbortSignal.timeout(10000) });
    text = await res.text();
  } catch (e) {
    throw new ControlError(502, "webfinger_failed", `GET ${u}: ${e?.cause?.message ?? e?.message ?? e}`);
  }
  if (!res.ok) throw new ControlError(502, "webfinger_failed", `GET ${u}: ${res.status} ${text.slice(0, 200)}`);
  let jrd;
  try {
    jrd = JSON.parse(text);
  } catch {
    throw new ControlError(502, "webfinger_failed", `GET ${u}: not JSON`);
  }
  const self = (jrd.links ?? []).find(
    (l) =>
      l.rel === "self" &&
      (l.type === "application/activity+json" ||
        (l.type ?? "").startsWith('application/ld+json; profile="https://www.w3.org/ns/activitystreams"')),
  );
  if (!self?.href) throw new ControlError(502, "webfinger_failed", `${resource}: no rel=self ActivityPub link`);
  return { jrd, actorUrl: new URL(self.href), subject: jrd.subject ?? null };
}

async function resolveActor(ctx, body) {
  let actorUrl;
  let jrd = null;
  if (body.acct != null) {
    const w = await webfinger(str(body, "acct", { max: 512 }));
    actorUrl = w.actorUrl;
    jrd = w.jrd;
  } else if (body.actor != null) {
    actorUrl = url(body, "actor");
  } else throw bad(`"acct" or "actor" is required`);
  const actor = await ctx.lookupObject(actorUrl);
  if (actor == null || actor.inboxId == null)
    throw new ControlError(502, "lookup_failed", `${actorUrl.href}: no actor with an inbox there`);
  return { actor, jrd };
}

// objectAuthor: the object at URL and its author (to address and deliver to),
// or the actor named by body.actor when given.
async function objectAndAuthor(ctx, body) {
  const objectUrl = url(body, "object");
  let author = null;
  if (body.actor != null) author = (await resolveActor(ctx, { actor: body.actor })).actor;
  else {
    const obj = await ctx.lookupObject(objectUrl);
    if (obj == null) throw new ControlError(502, "lookup_failed", `${objectUrl.href}: cannot fetch the object`);
    author = await obj.getAttribution?.();
    if (author == null) throw new ControlError(502, "lookup_failed", `${objectUrl.href}: no attributedTo actor`);
  }
  if (author.inboxId == null) throw new ControlError(502, "lookup_failed", `${author.id?.href}: no inbox`);
  return { objectUrl, author };
}

async function deliver(ctx, recipients, activity, label) {
  const json = await activity.toJsonLd();
  sent.set(activity.id.href, { json, recipients, activity });
  noteOut(json.type, json, recipients === "followers" ? "followers" : recipients.id?.href);
  try {
    await ctx.sendActivity({ identifier: NAME }, recipients, activity, { preferSharedInbox: true });
  } catch (e) {
    throw new ControlError(502, "delivery_failed", `${label}: ${e?.message ?? e}`);
  }
  return json;
}
// deliverFollowers: the activity to each follower's inbox (one delivery per
// shared inbox), each on its own: one follower gone does not stop the
// others. Answers {activity, delivered_to: [actor...], failed: [{actor, error}]}.
async function deliverFollowers(ctx, activity, except = null) {
  const json = await activity.toJsonLd();
  sent.set(activity.id.href, { json, recipients: "followers", activity });
  noteOut(json.type, json, "followers");
  const byInbox = new Map();
  for (const f of followers.values()) {
    if (f.id === except) continue;
    const inbox = f.sharedInbox ?? f.inbox;
    if (!byInbox.has(inbox)) byInbox.set(inbox, []);
    byInbox.get(inbox).push(f);
  }
  const delivered = [];
  const failed = [];
  await Promise.all(
    [...byInbox.values()].map(async (group) => {
      const f = group[0];
      const r = {
        id: new URL(f.id),
        inboxId: new URL(f.inbox),
        endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
      };
      try {
        await ctx.sendActivity({ identifier: NAME }, r, activity, { preferSharedInbox: true });
        for (const g of group) delivered.push(g.id);
      } catch (e) {
        for (const g of group) failed.push({ actor: g.id, error: String(e?.message ?? e).slice(0, 500) });
      }
    }),
  );
  return { activity: json, delivered_to: delivered, failed };
}
// An Update or Delete of a post: to the followers, and for a reply to the
// author it answered too (as the Create went), as Mastodon addresses them.
async function toFollowersAndAuthor(ctx, post, activity, label) {
  const r = await deliverFollowers(ctx, activity, post.replyTo?.id?.href ?? null);
  if (post.replyTo == null) return r;
  await deliver(ctx, post.replyTo, activity, `${label} to the author`);
  return { ...r, delivered_to: [post.replyTo.id.href, ...r.delivered_to] };
}
const newId = (ctx) => new URL(`${actorId(ctx).href}/activities/${randomUUID()}`);

function matcher(body) {
  const type = str(body, "type", { required: false, max: 64 });
  const actor = str(body, "actor", { required: false });
  const object = str(body, "object", { required: false });
  const objectType = str(body, "object_type", { required: false, max: 64 });
  const refused = body.refused === true;
  const after = Number.isInteger(body.after) ? body.after : 0;
  return (e) =>
    e.seq > after &&
    !!e.refused === refused &&
    (type == null || e.type === type) &&
    (actor == null || e.actor === actor) &&
    (object == null || e.object === object) &&
    (objectType == null || e.object_type === objectType);
}

const verbs = {
  // whoami: this peer's actor, handle and inbox
  async whoami(ctx) {
    return {
      actor: actorId(ctx).href,
      handle: `${NAME}@${ctx.url.host}`,
      inbox: ctx.getInboxUri(NAME).href,
      shared_inbox: ctx.getInboxUri().href,
      followers: [...followers.keys()],
      following: [...following.values()],
      posts: [...posts.keys()].map((id) => postUri(ctx, id).href),
      follow_mode: mode.follow,
      pending_follows: [...pendingFollows.keys()],
    };
  },
  // lookup {"acct"} | {"actor"}: the actor document, via WebFinger for acct
  async lookup(ctx, body) {
    const { actor, jrd } = await resolveActor(ctx, body);
    return { webfinger: jrd, actor: await actor.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }) };
  },
  // object {"url"}: any ActivityPub object, fetched and parsed by Fedify
  async object(ctx, body) {
    const obj = await ctx.lookupObject(url(body, "url"));
    if (obj == null) throw new ControlError(502, "lookup_failed", "cannot fetch the object");
    return { object: await obj.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }) };
  },
  // follow {"acct"} | {"actor"}: a signed Follow; answers at once (use wait
  // {"type":"Accept"} for the answer)
  async follow(ctx, body) {
    const { actor } = await resolveActor(ctx, body);
    const follow = new Follow({ id: newId(ctx), actor: actorId(ctx), object: actor.id });
    following.set(actor.id.href, { actor: actor.id.href, follow: follow.id.href, state: "pending" });
    return { activity: await deliver(ctx, actor, follow, "Follow") };
  },
  // unfollow {"acct"} | {"actor"}: Undo of the Follow sent before
  async unfollow(ctx, body) {
    const { actor } = await resolveActor(ctx, body);
    const f = following.get(actor.id.href);
    if (f == null) throw new ControlError(409, "not_following", `not following ${actor.id.href}`);
    const undo = new Undo({
      id: newId(ctx),
      actor: actorId(ctx),
      object: new Follow({ id: new URL(f.follow), actor: actorId(ctx), object: actor.id }),
    });
    following.delete(actor.id.href);
    return { activity: await deliver(ctx, actor, undo, "Undo(Follow)") };
  },
  // like {"object", "actor"?}: a Like of the object, to its author
  async like(ctx, body) {
    const { objectUrl, author } = await objectAndAuthor(ctx, body);
    const like = new Like({ id: newId(ctx), actor: actorId(ctx), object: objectUrl, to: author.id });
    return { activity: await deliver(ctx, author, like, "Like") };
  },
  // announce {"object", "actor"?}: a public boost of the object
  async announce(ctx, body) {
    const { objectUrl, author } = await objectAndAuthor(ctx, body);
    const a = new Announce({
      id: newId(ctx),
      actor: actorId(ctx),
      object: objectUrl,
      to: PUBLIC_COLLECTION,
      ccs: [author.id, ctx.getFollowersUri(NAME)],
      published: Temporal.Now.instant(),
    });
    return { activity: await deliver(ctx, author, a, "Announce") };
  },
  // undo {"id"}: Undo of an activity this peer sent (Like, Announce, Follow)
  async undo(ctx, body) {
    const id = url(body, "id");
    const s = sent.get(id.href);
    if (s == null) throw new ControlError(404, "unknown_activity", `${id.href} was not sent by this peer`);
    const undo = new Undo({ id: newId(ctx), actor: actorId(ctx), object: s.activity });
    return { activity: await deliver(ctx, s.recipients, undo, "Undo") };
  },
  // post {"content", "image"?, "media_type"?, "image_name"?, "in_reply_to"?,
  //       "visibility"?: public|unlisted|followers}: a Note, Created to the followers
  async post(ctx, body) {
    return { ...(await publish(ctx, body, null)) };
  },
  // reply {"object", "content", "actor"?}: a public Note in reply to the
  // object, delivered to its author (and to the followers)
  async reply(ctx, body) {
    const { objectUrl, author } = await objectAndAuthor(ctx, body);
    return { ...(await publish(ctx, { ...body, in_reply_to: objectUrl.href }, author)) };
  },
  // update {"id", "content"}: an Update of a post of this peer
  async update(ctx, body) {
    const p = ownPost(ctx, body);
    p.post.content = str(body, "content", { max: 100000 });
    const note = noteOf(ctx, p.id);
    const upd = new Update({
      id: newId(ctx),
      actor: actorId(ctx),
      object: note,
      tos: note.toIds,
      ccs: note.ccIds,
    });
    return await toFollowersAndAuthor(ctx, p.post, upd, "Update");
  },
  // delete {"id"}: a Delete (Tombstone) of a post of this peer
  async delete(ctx, body) {
    const p = ownPost(ctx, body);
    const tos = p.post.to.map((u) => new URL(u));
    const ccs = p.post.cc.map((u) => new URL(u));
    p.post.deleted = true;
    const del = new Delete({
      id: newId(ctx),
      actor: actorId(ctx),
      object: new Tombstone({ id: postUri(ctx, p.id) }),
      tos,
      ccs,
    });
    return await toFollowersAndAuthor(ctx, p.post, del, "Delete");
  },
  // raw {"inbox", "activity", "sign"?: true|false|"bad"}: POST exactly this
  // JSON to an inbox, HTTP-signed with this peer's key (sign:true, the
  // default), unsigned (false) or with a signature that does not verify
  // ("bad"); answers the inbox's status and body
  async raw(ctx, body) {
    const inbox = url(body, "inbox");
    if (typeof body.activity !== "object" || body.activity == null) throw bad(`"activity" must be a JSON object`);
    const sign = body.sign ?? true;
    if (![true, false, "bad"].includes(sign)) throw bad(`"sign" must be true, false or "bad"`);
    const payload = JSON.stringify(body.activity);
    let req = new Request(inbox, {
      method: "POST",
      headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
      body: payload,
    });
    if (sign !== false) {
      const keyId = new URL(`${actorId(ctx).href}#main-key`);
      req = await signRequest(req, keys.rsa.privateKey, keyId);
      if (sign === "bad") {
        // same headers, another body: the Digest (and so the signature) no longer matches
        const headers = new Headers(req.headers);
        req = new Request(inbox, { method: "POST", headers, body: payload.replace(/}$/, ', "tampered": true}') });
      }
    }
    noteOut("raw", body.activity, inbox.href);
    try {
      const res = await fetch(req, { signal: AbortSignal.timeout(15000) });
      return { status: res.status, body: (await res.text()).slice(0, 4000) };
    } catch (e) {
      throw new ControlError(502, "delivery_failed", `POST ${inbox.href}: ${e?.cause?.message ?? e?.message ?? e}`);
    }
  },
  // log {"type"?, "actor"?, "object"?, "refused"?, "after"?}: received entries
  async log(ctx, body) {
    const all = body.all === true;
    const m = matcher(body);
    return { entries: all ? received : received.filter(m) };
  },
  // wait {"type"?, "actor"?, "object"?, "object_type"?, "refused"?, "after"?,
  //       "timeout_ms"?}: the first matching entry, waiting at most
  //       timeout_ms (5000, at most 30000) for it; 408 when none came
  async wait(ctx, body) {
    const t = body.timeout_ms ?? 5000;
    if (!Number.isInteger(t) || t < 0 || t > MAX_WAIT_MS) throw bad(`"timeout_ms" must be 0..${MAX_WAIT_MS}`);
    const m = matcher(body);
    const found = received.find(m);
    if (found) return { entry: found };
    let w;
    const entry = await new Promise((resolve) => {
      w = { match: m, resolve };
      waiters.add(w);
      setTimeout(() => resolve(null), t);
    });
    waiters.delete(w);
    if (entry == null) throw new ControlError(408, "timeout", `nothing matching arrived within ${t} ms`);
    return { entry };
  },
  // file {"name", "base64", "media_type"?}: serve these bytes at
  // GET /files/NAME (a post's picture, or one that should be refused);
  // answers its url
  async file(ctx, body) {
    const name = str(body, "name", { max: 64 });
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw bad(`"name" must be of A-Z a-z 0-9 . _ -`);
    const data = Buffer.from(str(body, "base64", { max: 1400000 }), "base64");
    const type = str(body, "media_type", { required: false, max: 100 }) ?? "application/octet-stream";
    files.set(name, { type, data });
    return { url: `${base}/files/${name}`, bytes: data.length };
  },
  // accept {"actor"?}: Accept the pending Follow of actor (default: the oldest)
  async accept(ctx, body) {
    const p = pendingFollow(body);
    pendingFollows.delete(p.follower.id.href);
    return { activity: await answerFollow(ctx, p.follow, p.follower, true) };
  },
  // reject {"actor"?}: Reject a pending Follow, or remove a follower (a
  // Reject of the Follow it was accepted with)
  async reject(ctx, body) {
    const who = url(body, "actor", { required: false });
    const f = who != null ? followers.get(who.href) : null;
    if (f != null && !pendingFollows.has(who.href)) {
      const { actor: follower } = await resolveActor(ctx, { actor: who.href });
      const follow = new Follow({ id: new URL(f.follow), actor: follower.id, object: actorId(ctx) });
      return { activity: await answerFollow(ctx, follow, follower, false) };
    }
    const p = pendingFollow(body);
    pendingFollows.delete(p.follower.id.href);
    return { activity: await answerFollow(ctx, p.follow, p.follower, false) };
  },
  // mode {"follow": "accept"|"reject"|"manual"|"ignore"}: what later Follows
  // get (manual: they wait for the accept or reject verb)
  async mode(ctx, body) {
    const f = str(body, "follow", { max: 16 });
    if (!["accept", "reject", "manual", "ignore"].includes(f))
      throw bad(`"follow" must be accept, reject, manual or ignore`);
    mode.follow = f;
    return { follow: f };
  },
};

function pendingFollow(body) {
  const who = url(body, "actor", { required: false });
  const p = who != null ? pendingFollows.get(who.href) : pendingFollows.values().next().value;
  if (p == null) throw new ControlError(404, "no_pending_follow", who ? `no Follow from ${who.href} waits` : "no Follow waits");
  return p;
}
function ownPost(ctx, body) {
  const v = str(body, "id");
  const prefix = `${actorId(ctx).href}/posts/`;
  const id = v.startsWith(prefix) ? v.slice(prefix.length) : v;
  const post = posts.get(id);
  if (post == null || post.deleted) throw new ControlError(404, "unknown_post", `no post ${v}`);
  return { id, post };
}

async function publish(ctx, body, replyTo) {
  const content = str(body, "content", { max: 100000 });
  const image = url(body, "image", { required: false });
  const mediaType = str(body, "media_type", { required: false, max: 100 }) ?? (image ? guessType(image) : null);
  const visibility = str(body, "visibility", { required: false, max: 16 }) ?? "public";
  const followersUri = ctx.getFollowersUri(NAME).href;
  let to, cc;
  if (visibility === "public") [to, cc] = [[PUBLIC_COLLECTION.href], [followersUri]];
  else if (visibility === "unlisted") [to, cc] = [[followersUri], [PUBLIC_COLLECTION.href]];
  else if (visibility === "followers") [to, cc] = [[followersUri], []];
  else throw bad(`"visibility" must be public, unlisted or followers`);
  if (replyTo != null) cc.push(replyTo.id.href);
  const id = randomUUID();
  posts.set(id, {
    content,
    image: image?.href ?? null,
    imageName: str(body, "image_name", { required: false, max: 1000 }),
    mediaType,
    inReplyTo: str(body, "in_reply_to", { required: false }),
    replyTo: replyTo ?? null,
    to,
    cc,
    published: new Date().toISOString(),
    deleted: false,
  });
  const note = noteOf(ctx, id);
  const create = new Create({
    id: new URL(`${postUri(ctx, id).href}#create`),
    actor: actorId(ctx),
    object: note,
    tos: note.toIds,
    ccs: note.ccIds,
    published: note.published,
  });
  if (replyTo != null) {
    const activity = await deliver(ctx, replyTo, create, "Create(Note) to the author");
    const r = await deliverFollowers(ctx, create, replyTo.id.href);
    return { post: postUri(ctx, id).href, ...r, activity, delivered_to: [replyTo.id.href, ...r.delivered_to] };
  }
  return { post: postUri(ctx, id).href, ...(await deliverFollowers(ctx, create)) };
}
function guessType(u) {
  const ext = u.pathname.toLowerCase().split(".").pop();
  return { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", avif: "image/avif", gif: "image/gif" }[ext] ?? "image/jpeg";
}

// ---- HTTP server ------------------------------------------------------------------
const MAX_BODY = 1 << 20;
// the inbox POST a listener runs for: its JSON as sent (Fedify's parsed
// activity drops what no JSON-LD context defines) and our signature check
const inboxPostNow = new AsyncLocalStorage();

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on("data", (c) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new ControlError(413, "too_large", "body over 1 MiB"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
function sendJson(res, status, obj) {
  const b = JSON.stringify(obj);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(b) });
  res.end(b);
}
let base; // http://127.0.0.1:PORT, once listening

async function control(verb, buf, res) {
  const fn = Object.hasOwn(verbs, verb) ? verbs[verb] : null;
  if (fn == null) return sendJson(res, 404, { error: { code: "unknown_verb", message: `no verb ${verb}` } });
  let body = {};
  if (buf.length > 0) {
    try {
      body = JSON.parse(buf.toString("utf8"));
    } catch {
      return sendJson(res, 400, { error: { code: "bad_json", message: "body is not JSON" } });
    }
    if (typeof body !== "object" || body == null || Array.isArray(body))
      return sendJson(res, 400, { error: { code: "bad_json", message: "body must be a JSON object" } });
  }
  const ctx = federation.createContext(new URL(base), undefined);
  // every verb is bounded: the longest (wait) by MAX_WAIT_MS
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ControlError(504, "timeout", `${verb} took over 40 s`)), MAX_WAIT_MS + 10000);
  });
  try {
    sendJson(res, 200, await Promise.race([fn(ctx, body), limit]));
  } catch (e) {
    const status = e instanceof ControlError ? e.status : 500;
    const code = e instanceof ControlError ? e.code : "error";
    sendJson(res, status, { error: { code, message: String(e?.message ?? e) } });
  } finally {
    clearTimeout(timer);
  }
}

async function inboxPost(buf, request, after) {
  // Our own look at the HTTP signature (Fedify may also accept a Linked
  // Data signature or an integrity proof instead): whether one verifies and
  // whose key signed.
  let raw = null;
  try {
    raw = JSON.parse(buf.toString("utf8"));
  } catch {
    raw = null;
  }
  let httpSig = { present: request.headers.has("signature"), valid: false, key_id: null };
  if (httpSig.present) {
    const m = /keyId="([^"]*)"/.exec(request.headers.get("signature") ?? "");
    httpSig.key_id = m ? m[1] : null;
    try {
      const ctx = federation.createContext(new URL(base), undefined);
      const key = await verifyRequest(request.clone(), {
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
      });
      httpSig.valid = key != null;
      if (key?.ownerId) httpSig.owner = key.ownerId.href;
    } catch (e) {
      httpSig.error = String(e?.message ?? e);
    }
  }
  const aid = typeof raw?.id === "string" ? raw.id : null;
  const response = await inboxPostNow.run({ raw, httpSig, after }, () =>
    federation.fetch(request, { contextData: undefined }),
  );
  if (response.status >= 400) {
    const reason = await response.clone().text();
    record({
      dir: "in",
      type: typeof raw?.type === "string" ? raw.type : null,
      id: aid,
      actor: typeof raw?.actor === "string" ? raw.actor : (raw?.actor?.id ?? null),
      object: typeof raw?.object === "string" ? raw.object : (raw?.object?.id ?? null),
      object_type: typeof raw?.object === "object" ? (raw?.object?.type ?? null) : null,
      verified: false,
      refused: true,
      status: response.status,
      reason: reason.slice(0, 500),
      http_signature: httpSig,
      path: new URL(request.url).pathname,
      activity: raw ?? buf.toString("utf8").slice(0, 4000),
    });
  }
  return response;
}

// runAfter: what inbox listeners left for after their answer (an Accept...)
async function runAfter(tasks) {
  for (const fn of tasks) {
    try {
      await fn();
    } catch (e) {
      process.stderr.write(`fedpeer: ${e?.message ?? e}\n`);
      if (logFd != null)
        fs.writeSync(logFd, JSON.stringify({ dir: "out", time: new Date().toISOString(), error: String(e?.message ?? e) }) + "\n");
    }
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const buf = req.method === "GET" || req.method === "HEAD" ? Buffer.alloc(0) : await readBody(req);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path.startsWith("/files/")) {
      const f = files.get(path.slice("/files/".length));
      if (f == null) return sendJson(res, 404, { error: { code: "not_found", message: "no such file" } });
      res.writeHead(200, { "Content-Type": f.type, "Content-Length": f.data.length });
      return res.end(f.data);
    }
    if (path.startsWith("/_control/")) {
      if (req.method !== "POST") return sendJson(res, 405, { error: { code: "method", message: "POST only" } });
      return await control(path.slice("/_control/".length), buf, res);
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      else if (v != null) headers.set(k, v);
    }
    // the URL Fedify builds ids from: the address we listen on, whatever Host says
    const request = new Request(`${base}${req.url}`, {
      method: req.method,
      headers,
      body: buf.length > 0 ? buf : undefined,
    });
    const isInbox = req.method === "POST" && (path === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(path));
    const after = [];
    const response = isInbox
      ? await inboxPost(buf, request, after)
      : await federation.fetch(request, {
          contextData: undefined,
          onNotFound: () => new Response("Not found", { status: 404 }),
          onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
        });
    const out = Buffer.from(await response.arrayBuffer());
    const h = {};
    response.headers.forEach((v, k) => (h[k] = v));
    h["content-length"] = out.length;
    res.writeHead(response.status, h);
    res.end(req.method === "HEAD" ? undefined : out, () => runAfter(after));
  } catch (e) {
    if (res.headersSent) return res.destroy();
    const status = e instanceof ControlError ? e.status : 500;
    sendJson(res, status, { error: { code: "error", message: String(e?.message ?? e) } });
    if (!(e instanceof ControlError)) process.stderr.write(`fedpeer: ${e?.stack ?? e}\n`);
  }
});

// ---- lifetime -----------------------------------------------------------------------
function stop(code) {
  server.close();
  if (logFd != null) fs.closeSync(logFd);
  process.exit(code);
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
// --watch-pid (default: the parent at start; 0: none): exit once it is gone
if (opt.watchPid > 1) {
  setInterval(() => {
    let alive = opt.watchPid !== process.pid;
    try {
      process.kill(opt.watchPid, 0);
    } catch {
      alive = false;
    }
    if (!alive) stop(0); // the test that started us is gone
  }, 1000).unref();
}
setTimeout(() => stop(0), opt.ttl * 1000).unref();

server.listen(opt.port, "127.0.0.1", () => {
  const port = server.address().port;
  base = `http://127.0.0.1:${port}`;
  process.stdout.write(`fedpeer listening 127.0.0.1 ${port}\n`);
});
