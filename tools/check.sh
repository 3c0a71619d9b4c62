#!/usr/bin/env bash
# tools/check.sh - static checks: cppcheck, clang-format, the lint that
# flags unescaped request data in output (tools/lint.sh), and the layering
# rules (tools/layers.py: no SQL in cgi/, no circle among cgi/ files, lib/
# never includes cgi/). Exit 1 on findings.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

echo "== cppcheck"
inc=$(pkg-config --cflags-only-I gdlib libmariadb libcjson libsodium 2>/dev/null || true)
# shellcheck disable=SC2086
if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Ilib $inc \
	lib cgi tests/tools 2>&1; then
	status=1
fi

echo "== clang-format"
files=$(ls lib/*.[ch] cgi/*.[ch] tests/unit/*.c tests/fuzz/*.c tests/tools/*.c)
# shellcheck disable=SC2086
if ! clang-format --dry-run --Werror $files 2>&1 | head -50; then status=1; fi
# shellcheck disable=SC2086
if [[ -n "$(clang-format --dry-run $files 2>&1)" ]]; then
	echo "clang-format: files need formatting (run: make fmt)"
	status=1
fi

echo "== lint (unescaped request data, raw output, sprintf)"
tools/lint.sh || status=1

echo "== layers (no SQL in cgi/, no circle among cgi/ files)"
python3 tools/layers.py || status=1

echo "== migrations (one file per number in sql/)"
dup=$(find sql -maxdepth 1 -name '[0-9]*.sql' -printf '%f\n' | sed 's/_.*//' | sort | uniq -d)
if [[ -n "$dup" ]]; then
	echo "sql/: more than one migration numbered $dup (only one would ever run)"
	status=1
fi

echo "== unit tests (each speaks TAP, which the test runner reads)"
notap=$(grep -L 'cmocka_set_message_output(CM_OUTPUT_TAP)' tests/unit/test_*.c || true)
if [[ -n "$notap" ]]; then
	echo "tests/unit: no cmocka_set_message_output(CM_OUTPUT_TAP) in: $notap (make test reads no plan)"
	status=1
fi

if ((status == 0)); then echo "check: clean"; fi
exit $status
