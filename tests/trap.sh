# tests/trap.sh - trap_prepend CMD: run CMD at exit, before whatever EXIT
# trap was there already (a test's lib sets one; each helper that starts
# servers adds its own stop in front, so they stop before the temporary
# directory holding them goes).
trap_prepend() {
	local prev
	prev="$(trap -p EXIT)" # trap -- 'TEXT' EXIT, quoted for eval
	prev="${prev#trap -- }"
	prev="${prev% EXIT}"
	if [[ -n $prev ]]; then
		eval "prev=$prev"
		# shellcheck disable=SC2064 # expand the previous trap's text now
		trap "$1; $prev" EXIT
	else
		# shellcheck disable=SC2064
		trap "$1" EXIT
	fi
}
