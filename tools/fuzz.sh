#!/usr/bin/env bash
# tools/fuzz.sh - build every tests/fuzz/fuzz_*.c with libFuzzer + ASan + UBSan and run it.
#
# Usage: tools/fuzz.sh [SECONDS]
#
#   SECONDS = 0 (the default): a regression check. Each target replays its
#     seeds (tests/fuzz/seeds/NAME/) and then does a short deterministic run
#     (-runs=5000 -seed=1) in a scratch corpus, so the seeds are never touched.
#   SECONDS > 0: fuzz each target for that many seconds, keeping the corpus in
#     build/fuzz/corpus-NAME (seeded from tests/fuzz/seeds/NAME/) between runs.
#
# fuzz_NAME.c is built into build/fuzz/fuzz_NAME against lib/*.c (as a static
# archive, so a target links only the objects it uses). A lib/ file that does
# not compile is left out with a warning; a target that needs it then fails to
# link. Output is TAP ("1..N", "ok 1 - fuzz_json", ...), so `prove` can run it;
# crash inputs are kept as build/fuzz/fuzz_NAME-crash-*. Exits non-zero if any
# target fails to build or finds a crash, leak, timeout or UB. Installs nothing.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

secs=${1:-0}
case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="gdlib libjpeg libwebp libavif libmariadb libmemcached libcjson libsodium libcurl libcrypto"
read -r -a PKG_CFLAGS <<<"$(pkg-config --cflags $PKGS 2>/dev/null)"
read -r -a PKG_LIBS <<<"$(pkg-config --libs $PKGS 2>/dev/null)"
CFLAGS=(-std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Ilib "${PKG_CFLAGS[@]}"
	-fsanitize=address,undefined -fno-sanitize-recover=all)
LIBS=("${PKG_LIBS[@]}" -lfcgi -lunistring -lm)
# libFuzzer options shared by both modes: crash files under build/fuzz.
RUN_OPTS=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$OUT/obj"

# Print the tail of a log as TAP comments.
tap_log() {
	tail -n "${2:-25}" "$1" | sed 's/^/# /'
}

# Compile lib/*.c once (instrumented, no libFuzzer main) into one archive.
build_lib() {
	local src obj objs=()
	rm -f "$OUT"/obj/*.o "$OUT/libimagier-fuzz.a"
	for src in lib/*.c; do
		obj=$OUT/obj/$(basename "$src" .c).o
		if "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" \
			>"$obj.log" 2>&1; then
			objs+=("$obj")
		else
			echo "fuzz.sh: warning: $src does not compile, left out (see $obj.log)" >&2
		fi
	done
	[ ${#objs[@]} -gt 0 ] && ar rcs "$OUT/libimagier-fuzz.a" "${objs[@]}"
}

# build_target NAME: link tests/fuzz/NAME.c into build/fuzz/NAME.
build_target() {
	"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer "tests/fuzz/$1.c" "$OUT/libimagier-fuzz.a" \
		"${LIBS[@]}" -o "$OUT/$1" >"$OUT/$1.build.log" 2>&1
}

# regress NAME SEEDS: replay every seed, then a short deterministic run.
regress() {
	local name=$1 seeds=$2 scratch=$OUT/regress-${1#fuzz_} files=()
	rm -rf "$scratch"
	mkdir -p "$scratch"
	if [ -d "$seeds" ]; then
		mapfile -t files < <(find "$seeds" -type f | sort)
	fi
	if [ ${#files[@]} -gt 0 ]; then
		"$OUT/$name" "${RUN_OPTS[@]}" -artifact_prefix="$OUT/$name-" "${files[@]}" ||
			return 1
	fi
	local dirs=("$scratch")
	[ -d "$seeds" ] && dirs+=("$seeds")
	"$OUT/$name" "${RUN_OPTS[@]}" -artifact_prefix="$OUT/$name-" -runs=5000 -seed=1 \
		"${dirs[@]}"
}

# fuzz NAME SEEDS: fuzz for $secs seconds with a persistent corpus.
fuzz() {
	local name=$1 seeds=$2 corpus=$OUT/corpus-${1#fuzz_}
	mkdir -p "$corpus"
	if [ -d "$seeds" ]; then
		find "$seeds" -type f -exec cp -n {} "$corpus/" \;
	fi
	"$OUT/$name" "${RUN_OPTS[@]}" -artifact_prefix="$OUT/$name-" -max_total_time="$secs" \
		"$corpus"
}

mapfile -t targets < <(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' | sort)
if [ ${#targets[@]} -eq 0 ]; then
	echo "1..0 # SKIP no fuzz targets in tests/fuzz"
	exit 0
fi
echo "1..${#targets[@]}"
build_lib

i=0
failed=0
for src in "${targets[@]}"; do
	i=$((i + 1))
	name=$(basename "$src" .c)
	seeds=tests/fuzz/seeds/${name#fuzz_}
	log=$OUT/$name.log
	if ! build_target "$name"; then
		echo "not ok $i - $name # does not build"
		tap_log "$OUT/$name.build.log"
		failed=$((failed + 1))
		continue
	fi
	start=$SECONDS
	if [ "$secs" -eq 0 ]; then
		regress "$name" "$seeds" >"$log" 2>&1
	else
		fuzz "$name" "$seeds" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $i - $name"
		echo "# $name: $((SECONDS - start)) s, log in $log"
	else
		echo "not ok $i - $name # exit $rc, log in $log"
		tap_log "$log" 40
		failed=$((failed + 1))
	fi
done
[ $failed -eq 0 ]
