#!/usr/bin/env bash
# tools/lint.sh - the "unescaped request data" lint that `make check` runs.
#
# Usage: tools/lint.sh [FILE...]
#
# Without arguments it checks the tree: cgi/views/**/*.html, cgi/*.c, lib/*.c,
# and every C file under cgi/ lib/ tests/ for sprintf. With arguments it checks
# only those files, paths as given (each against the rules that apply to its
# path: cgi/x.c, lib/x.c, *.html), which is how the rules themselves are tested. Prints "file:line: message" for each
# finding and exits 1 if there was any (0 otherwise, 2 on usage errors).
#
# The rules are line-based heuristics in the spirit of Fossil's codecheck1:
# they catch the common unsafe patterns, not every possible one.
#   1. templates: raw output ({{{x}}} or {{&x}}) only for keys ending in _html
#   2. C: no direct output writes (FCGX_PutS, printf to the FastCGI stream...)
#      outside the files that write responses
#   3. cgi/*.c: request data (req->) never goes into an *_html view key, nor
#      straight into a response body with buf_puts/buf_printf/buf_append
#   4. C: no sprintf/vsprintf (use snprintf)
# A line containing the comment "lint:ok" is exempt from every rule.
set -u

# The files allowed to write a response to the FastCGI stream (rule 2):
# the program main and the request loop that sends the buffered response.
WRITERS="cgi/fcgi_main.c cgi/dispatch.c cgi/worker.c"
# Programs whose stdout is a terminal or a pipe, never a FastCGI stream:
# they may printf (rule 2, stdout part only).
STDOUT_OK="cgi/cli_main.c cgi/cli_admin.c cgi/gen_main.c"

# ---- rule 1: raw template tags only for *_html keys --------------------------

lint_views() {
	[ $# -gt 0 ] || return 0
	awk '
	/lint:ok/ { next }
	{
		line = $0
		# every {{{...}}} or {{&...}} on the line
		while (match(line, /[{][{]([{]|&)[^}]*[}][}]/)) {
			tag = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			key = tag
			sub(/^[{][{][{&]/, "", key)
			sub(/[}]+$/, "", key)
			gsub(/^[ \t]+|[ \t]+$/, "", key)
			if (key !~ /_html$/) {
				printf "%s:%d: raw output of \"%s\": only *_html keys may be unescaped\n",
					FILENAME, FNR, key
				bad = 1
			}
		}
	}
	END { exit bad }
	' "$@"
}

# ---- rules 2, 3, 4: C sources -------------------------------------------------

lint_c() {
	[ $# -gt 0 ] || return 0
	awk -v writers=" $WRITERS " -v stdout_ok=" $STDOUT_OK " '
	function report_at(line, msg) {
		printf "%s:%d: %s\n", FILENAME, line, msg
		bad = 1
	}
	function report(msg) {
		report_at(FNR, msg)
	}
	# The code part of a line: /* ... */ on the line removed, and nothing
	# for lines that are only comment (" * text", "// text").
	function code(s) {
		gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", s)
		if (s ~ /^[ \t]*(\/\/|\*|\/\*)/)
			return ""
		return s
	}
	FNR == 1 {
		in_cgi = FILENAME ~ /(^|\/)cgi\/[^\/]*\.c$/
		in_lib = FILENAME ~ /(^|\/)lib\/[^\/]*\.c$/
		base = FILENAME
		sub(/^(.*\/)?(cgi|lib)\//, "", base)
		rel = (in_cgi ? "cgi/" : "lib/") base
		is_writer = index(writers, " " rel " ") > 0
		may_stdout = index(stdout_ok, " " rel " ") > 0
		pending = ""
	}
	/lint:ok/ { pending = ""; next }
	{
		s = code($0)

		# rule 2: direct output writes bypass the buffered, escaping response
		if ((in_cgi || in_lib) && !is_writer) {
			if (s ~ /FCGX_(PutS|PutStr|PutChar|FPrintF|VFPrintF)[ \t]*\(/ ||
			    s ~ /FCGI_(printf|puts|putchar|fprintf|fputs|fwrite|fputc)[ \t]*\(/)
				report("direct FastCGI output; build the response through the renderer")
			else if (!may_stdout &&
				 (s ~ /(^|[^A-Za-z0-9_>.])(printf|puts|putchar)[ \t]*\(/ ||
				  (s ~ /(fprintf|fputs|fputc|putc|fwrite)[ \t]*\(/ &&
				   s ~ /(^|[^A-Za-z0-9_])stdout([^A-Za-z0-9_]|$)/)))
				report("write to stdout (the FastCGI stream); build the response through the renderer")
		}

		# rule 3: request data into raw HTML. A call may span lines: keep
		# the statement from its first line until it ends with ";".
		if (in_cgi) {
			if (pending == "" &&
			    (s ~ /cJSON_Add[A-Za-z]*ToObject[A-Za-z]*[ \t]*\(/ ||
			     s ~ /buf_(puts|printf|append|putc|vprintf)[ \t]*\([^,]*->body[^A-Za-z0-9_]/)) {
				pending = s
				pline = FNR
			} else if (pending != "") {
				pending = pending " " s
			}
			if (pending != "" && (s ~ /;[ \t]*$/ || FNR - pline >= 10)) {
				check_stmt(pending, pline)
				pending = ""
			}
		}

		# rule 4: sprintf cannot be bounded
		if (s ~ /(^|[^A-Za-z0-9_])v?sprintf[ \t]*\(/)
			report("sprintf: use snprintf (or buf_printf)")
	}
	function check_stmt(st, at) {
		if (st !~ /req->/)
			return
		if (st ~ /cJSON_Add[A-Za-z]*ToObject[A-Za-z]*[ \t]*\([^,]*,[ \t]*"[^"]*_html"/)
			report_at(at, "request data (req->) set under an *_html key: it would be rendered unescaped")
		else if (st ~ /buf_(puts|printf|append|putc|vprintf)[ \t]*\([^,]*->body/)
			report_at(at, "request data (req->) written into a response body unescaped; render it or html_escape it")
	}
	END { exit bad }
	' "$@"
}

# ---- which files get which rules ----------------------------------------------

status=0
if [ $# -gt 0 ]; then
	views=() cfiles=()
	for f in "$@"; do
		case $f in
		*.html) views+=("$f") ;;
		*.c | *.h) cfiles+=("$f") ;;
		*)
			echo "lint.sh: $f: not a template or C file" >&2
			exit 2
			;;
		esac
	done
else
	cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
	mapfile -t views < <(find cgi/views -name '*.html' 2>/dev/null | sort)
	mapfile -t cfiles < <(find cgi lib tests -name '*.[ch]' 2>/dev/null | sort)
fi
lint_views "${views[@]}" || status=1
lint_c "${cfiles[@]}" || status=1
exit $status
