#!/usr/bin/env bash
# t4050-fedpeer-selftest.sh - the federation tests' ActivityPub peer (Fedify,
# tests/fedpeer/) works: two peers find each other by WebFinger, follow,
# accept, post, like, reply, update, delete and undo with verified HTTP
# signatures, and refuse what is badly signed. It does not use the stack:
# when this fails, a federation test's failure says nothing about imagier.
exec "$(dirname "$0")/../fedpeer/selftest.sh"
