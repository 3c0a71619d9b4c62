#!/usr/bin/env bash
# t9999-sanitizer-reports.sh - under `make test SANITIZE=1`, every program the
# suite ran (workers that were recycled and stopped, the CLI, unit tests)
# wrote its AddressSanitizer / LeakSanitizer / UBSan reports to SAN_LOG_DIR.
# Passing means there are none. Runs last.
echo "1..2"
dir="${SAN_LOG_DIR:?run through make test SANITIZE=1}"
# Workers flush their leak reports when they exit: recycle them now.
if [[ -n "${IMAGIER_VAR:-}" && -f "$IMAGIER_VAR/run/fcgi.pid" ]]; then
	kill -HUP "$(cat "$IMAGIER_VAR/run/fcgi.pid")" 2>/dev/null && sleep 2
fi
reports=$(find "$dir" -type f -size +0 2>/dev/null | sort)
if [[ -z "$reports" ]]; then echo "ok 1 - no sanitizer reports"; else
	echo "not ok 1 - no sanitizer reports"
	for f in $reports; do echo "# $f:"; head -40 "$f" | sed 's/^/#   /'; done
fi
if [[ -n "${IMAGIER_VAR:-}" ]] && grep -qE "runtime error:|AddressSanitizer|LeakSanitizer" "$IMAGIER_VAR/log/"*.log 2>/dev/null; then
	echo "not ok 2 - no sanitizer output in the stack logs"
	grep -hE -A5 "runtime error:|AddressSanitizer|LeakSanitizer" "$IMAGIER_VAR/log/"*.log | head -40 | sed 's/^/#   /'
else
	echo "ok 2 - no sanitizer output in the stack logs"
fi
