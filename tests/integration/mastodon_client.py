#!/usr/bin/env python3
"""mastodon_client.py - drive imagier's Mastodon client API with the real
Mastodon.py (Debian's python3-mastodon), as an app would.

Usage: mastodon_client.py BASE_URL ALICE BOB PASSWORD_PREFIX IMAGE1 IMAGE2 IMAGE3

ALICE and BOB are existing imagier accounts whose passwords are
PASSWORD_PREFIX + name (tests/integration/lib.sh new_user). Prints one line
per check, "PASS text" or "FAIL text: detail", for t4100-mastodon-api.sh
to turn into TAP; the last line is "TOKEN <alice's access token>" for the
shell checks that follow."""
import sys
import traceback

from mastodon import Mastodon, MastodonNotFoundError

base, alice, bob, prefix, img1, img2, img3 = sys.argv[1:8]


def check(cond, text, detail=""):
    print(("PASS " if cond else "FAIL ") + text + ("" if cond else ": " + str(detail)), flush=True)


def run():
    cid, secret = Mastodon.create_app("t4100 app", scopes=["read", "write", "follow"],
                                      api_base_url=base)
    check(len(cid) == 43 and len(secret) == 43, "create_app gives a client id and secret")

    ma = Mastodon(client_id=cid, client_secret=secret, api_base_url=base)
    tok_a = ma.log_in(alice, prefix + alice, scopes=["read", "write", "follow"])
    check(bool(tok_a), "log_in (password grant) gives alice a token")
    me = ma.account_verify_credentials()
    check(me.username == alice and me.acct == alice, "verify_credentials is alice", me)
    check(me.url.endswith("/u/" + alice), "the account url is /u/NAME", me.url)

    mb = Mastodon(client_id=cid, client_secret=secret, api_base_url=base)
    mb.log_in(bob, prefix + bob, scopes=["read", "write", "follow"])
    bob_me = mb.account_verify_credentials()

    media = ma.media_post(img1, mime_type="image/png", description="a red fox at dawn")
    check(media.type == "image" and media.url, "media_post stages a picture", media)
    st = ma.status_post("Morning fox #foxes", media_ids=[media.id])
    check(st.media_attachments and st.media_attachments[0].type == "image",
          "status_post makes a status with its image", st)
    att = st.media_attachments[0]
    check(att.description == "a red fox at dawn", "the description given is the alt text",
          att.description)
    check(att.meta.original.width > 0 and att.blurhash, "the attachment has size and blurhash", att)
    check("Morning fox" in st.content and "AI-generated" in st.content,
          "content has the caption and the provenance line", st.content)
    check(st.imagier.prompt == "a red fox at dawn", "the description became the prompt", st.imagier)
    check([t.name for t in st.tags] == ["foxes"], "the caption's hashtag is a tag", st.tags)
    check(st.account.username == alice and st.visibility == "public", "status account and visibility")
    check(st.application and st.application.name == "t4100 app", "the status names its app", st.application)

    m2 = ma.media_post(img2, mime_type="image/png")
    st2 = ma.status_post("Second one\nprompt: a blue heron in fog", media_ids=[m2.id],
                         spoiler_text="birds")
    check(st2.media_attachments[0].description.startswith("AI-generated image. Prompt: a blue heron"),
          "with no description the AI label and prompt are the alt text",
          st2.media_attachments[0].description)
    check(st2.sensitive and st2.spoiler_text == "birds", "spoiler_text is the content warning", st2)

    shown = ma.status(st.id)
    check(shown.id == st.id, "status(id) shows it")

    pub = ma.timeline_public()
    check(any(s.id == st.id for s in pub), "timeline_public has the status")
    tag = ma.timeline_hashtag("foxes")
    check([s.id for s in tag][:1] == [st.id], "timeline_hashtag has it", [s.id for s in tag])

    rel = mb.account_follow(me.id)
    check(rel.following, "account_follow: bob follows alice", rel)
    rels = mb.account_relationships([me.id])
    check(rels[0].following and not rels[0].followed_by, "account_relationships", rels)
    fol = ma.account_followers(me.id)
    check([a.acct for a in fol] == [bob], "account_followers lists bob", [a.acct for a in fol])
    fing = mb.account_following(bob_me.id)
    check([a.acct for a in fing] == [alice], "account_following lists alice", [a.acct for a in fing])
    home = mb.timeline_home()
    check(any(s.id == st.id for s in home), "bob's timeline_home has alice's status")
    one = mb.timeline_home(limit=1)
    two = mb.fetch_next(one)
    check([s.id for s in one] == [st2.id] and two and [s.id for s in two][:1] == [st.id],
          "home pages newest first through the Link header", (one, two))
    check(any(s.id == st.id for s in ma.timeline_home()), "one's own statuses are in one's home")

    fav = mb.status_favourite(st.id)
    check(fav.favourited and fav.favourites_count == 1, "status_favourite", fav)
    notes = ma.notifications()
    types = [(n.type, n.account.username) for n in notes]
    check(("favourite", bob) in types, "alice's notifications have bob's favourite", types)
    check(("follow", bob) in types, "alice's notifications have bob's follow", types)
    only = ma.notifications(types=["follow"])
    check([n.type for n in only] == ["follow"], "notifications(types=[follow])", [n.type for n in only])
    nofav = ma.notifications(exclude_types=["favourite"])
    check("favourite" not in [n.type for n in nofav], "notifications(exclude_types=[favourite])")
    fnote = [n for n in notes if n.type == "favourite"][0]
    check(fnote.status.id == st.id, "the favourite notification carries the status")
    unfav = mb.status_unfavourite(st.id)
    check(not unfav.favourited and unfav.favourites_count == 0, "status_unfavourite", unfav)

    res = mb.search_v2(alice[:5])
    check(any(a.acct == alice for a in res.accounts), "search_v2 finds alice", res.accounts)
    res = mb.search_v2("foxes", result_type="hashtags")
    check([h.name for h in res.hashtags] == ["foxes"], "search_v2 finds the hashtag", res.hashtags)
    look = mb.account_lookup(alice)
    check(look.id == me.id, "account_lookup", look)
    acct = mb.account(me.id)
    check(acct.statuses_count >= 2 and acct.followers_count == 1, "account(id) counts", acct)
    sts = mb.account_statuses(me.id)
    check([s.id for s in sts][:2] == [st2.id, st.id], "account_statuses newest first",
          [s.id for s in sts])

    # paging: three more posts, two at a time
    ids = []
    for i in range(3):
        m = ma.media_post(img3 if i == 0 else img1 if i == 1 else img2, mime_type="image/png",
                          description="page test %d" % i)
        ids.append(ma.status_post("page %d" % i, media_ids=[m.id]).id)
    page = ma.account_statuses(me.id, limit=2)
    check([s.id for s in page] == ids[::-1][:2], "limit=2 gives the two newest",
          [s.id for s in page])
    nxt = ma.fetch_next(page)
    check(nxt is not None and [s.id for s in nxt] == [ids[0], st2.id], "fetch_next follows the Link header",
          nxt and [s.id for s in nxt])
    prev = ma.fetch_previous(nxt)
    check(prev is not None and [s.id for s in prev] == ids[::-1][:2], "fetch_previous (min_id)",
          prev and [s.id for s in prev])

    ctx = ma.status_context(st.id)
    check(ctx.ancestors == [] and ctx.descendants == [], "status_context of an original", ctx)

    ma.status_delete(ids[2])
    try:
        ma.status(ids[2])
        check(False, "a deleted status is gone")
    except MastodonNotFoundError:
        check(True, "a deleted status is gone")
    try:
        mb.status_delete(st.id)
        check(False, "bob cannot delete alice's status")
    except Exception as e:
        check("403" in str(e) or "not allowed" in str(e), "bob cannot delete alice's status", e)

    mb.account_unfollow(me.id)
    check(not mb.account_relationships([me.id])[0].following, "account_unfollow")
    print("TOKEN " + tok_a, flush=True)


try:
    run()
except Exception:
    check(False, "Mastodon.py run", traceback.format_exc().replace("\n", " | "))
