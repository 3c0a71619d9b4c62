#!/usr/bin/env bash
# t0610-hello-floor.sh - the bench's first-view floor (tests/tools/hello_fcgi.c
# with a memcached socket) answers a page of the BYTES it is given, stored as
# PARTS values: tools/bench.sh compares the first views with it at the feed
# page's size, so a floor of another size would measure nothing.
# single box: the bench floor program talks to one memcached socket of its own stack.
source "$(dirname "$0")/lib.sh"

HELLO="$(dirname "$MKIMAGE")/hello-fcgi"
"$HELLO" "$TMP/floor.sock" 48000 "$IMAGIER_VAR/run/memcached.sock" 24 2>"$TMP/floor.err" &
hello_pid=$!
wait_until 10 test -S "$TMP/floor.sock"
ok $? "the floor listens on its socket"
like "$(cat "$TMP/floor.err")" "48000 bytes per page" "the floor says the size it was given"
is "$(mc_get hello-floor:0 | wc -c)" 2000 "each of the 24 parts holds 48000 / 24 bytes"
is "$(mc_get hello-floor:23 | wc -c)" 2000 "... the last one too"
body="$(env -i REQUEST_METHOD=GET REQUEST_URI=/ SCRIPT_NAME=/ QUERY_STRING= \
	timeout 10 cgi-fcgi -bind -connect "$TMP/floor.sock" 2>/dev/null | tr -d '\r' |
	sed '1,/^$/d')"
is "${#body}" 48000 "a request is answered with the whole 48000-byte page"
kill -TERM "$hello_pid" 2>/dev/null
wait "$hello_pid" 2>/dev/null
done_testing
