#!/usr/bin/env python3
"""tools/layers.py - the layering rules of `make check` (docs/ARCHITECTURE.md,
"Layers"):

1. cgi/ speaks HTTP, lib/ owns the data: no file in cgi/ runs a statement
   (db_exec, db_read, db_begin, db_commit, db_rollback, db_finish) or spells SQL.
2. No file in lib/ includes a header of cgi/.
3. No circle among cgi/ files. File A depends on file B when A includes a
   cgi/ header and uses a name declared there that B defines; the files and
   these dependencies must form no cycle.
4. The docs stand alone: README.md and docs/*.md link to nothing outside
   the repository (a clone has no ../shared/ beside it).

Exit 0 when clean; else each finding on a line and exit 1.
    tools/layers.py [--graph]   (--graph also prints every dependency)
"""
import glob
import os
import re
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

DB_CALLS = re.compile(r"\bdb_(exec|read|begin|commit|rollback|finish|run_script)\s*\(")
SQL_TEXT = re.compile(
    r'"\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|ALTER|DROP|TRUNCATE)\s'
)  # SQL is written in capitals here; "Delete your account" is not SQL


def strip(src, keep_strings=False):
    """Source without comments (and, unless keep_strings, string contents)."""
    src = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    if not keep_strings:
        src = re.sub(r'"(\\.|[^"\\\n])*"', '""', src)
    return src


def lineno(src, pos):
    return src.count("\n", 0, pos) + 1


def main():
    findings = []
    cfiles = sorted(glob.glob("cgi/*.c"))
    headers = {os.path.basename(h): h for h in glob.glob("cgi/*.h")}

    # 1. no statements and no SQL in cgi/
    for f in cfiles:
        raw = open(f).read()
        code = strip(raw)
        for m in DB_CALLS.finditer(code):
            findings.append(f"{f}:{lineno(code, m.start())}: db_{m.group(1)} in cgi/ (move it to lib/)")
        text = strip(raw, keep_strings=True)
        for m in SQL_TEXT.finditer(text):
            findings.append(f"{f}:{lineno(text, m.start())}: SQL text in cgi/ (move it to lib/)")

    # 2. lib/ never includes cgi/
    for f in sorted(glob.glob("lib/*.[ch]")):
        for m in re.finditer(r'#include "([^"]+)"', open(f).read()):
            if m.group(1) in headers and not os.path.exists(os.path.join("lib", m.group(1))):
                findings.append(f"{f}: includes cgi/{m.group(1)}")

    # 4. the docs stand alone
    outside = re.compile(r"\]\(\.\./|\.\./shared/")
    for f in ["README.md"] + sorted(glob.glob("docs/*.md")):
        for n, line in enumerate(open(f), 1):
            if outside.search(line):
                findings.append(f"{f}:{n}: points outside the repository")

    # 3. no cycle among cgi/ files
    defs = {}
    for f in cfiles:
        code = strip(open(f).read())
        # function definitions: a name at the start of a line (or after its
        # return type), a parameter list, then a body
        for m in re.finditer(r"^(?:[A-Za-z_][\w \t\*]*[\s\*])?([a-z_]\w*)\s*\([^;{]*\)\s*\{", code, re.M):
            defs.setdefault(m.group(1), set()).add(f)
        # external variables defined at file scope: "const struct route routes[] = {"
        for m in re.finditer(r"^(?!static)(?:const\s+)?(?:struct\s+)?\w+\s+(?:const\s+)?\**\s*([a-z_]\w*)(?:\[\w*\])?\s*=", code, re.M):
            defs.setdefault(m.group(1), set()).add(f)
    declared = {}
    for h, path in headers.items():
        declared[h] = set(re.findall(r"\b([a-z_]\w*)\s*(?:\(|\[|;)", strip(open(path).read())))
    edges = {}
    for f in cfiles:
        raw = open(f).read()
        used = set(re.findall(r"\b[a-z_]\w*\b", strip(raw)))
        deps = {}
        for h in re.findall(r'#include "([^"]+)"', raw):
            for name in declared.get(h, set()) & used:
                for d in defs.get(name, ()):
                    if d != f:
                        deps.setdefault(d, set()).add(name)
        edges[f] = deps
    if "--graph" in sys.argv:
        for f in cfiles:
            for d, names in sorted(edges[f].items()):
                print(f"{f} -> {d}: {', '.join(sorted(names))}")

    # Tarjan's strongly connected components
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for f in cfiles:
        if f not in index:
            visit(f)
    for comp in comps:
        members = set(comp)
        why = []
        for f in comp:
            for d, names in sorted(edges[f].items()):
                if d in members:
                    why.append(f"  {f} -> {d} ({', '.join(sorted(names)[:4])})")
        findings.append("cgi/ files depend on each other in a circle:\n" + "\n".join(why))

    for line in findings:
        print(line)
    if findings:
        print(f"layers: {len(findings)} finding(s)")
        return 1
    print("layers: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
