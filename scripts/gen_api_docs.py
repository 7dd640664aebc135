#!/usr/bin/env python3
"""Generate docs/api.md from the comments in the public headers include/ax/*.h.

Conventions the parser relies on (they are how the headers are written):
  - The comment at the top of a header describes the header.
  - `/* ------------ name */` starts a section.
  - A comment directly followed by declarations starts an entry that runs to
    the next blank line or comment, rendered as in the header (comment, then
    code); a comment followed by a blank line is prose for the section.
  - A trailing `/* ... */` on a declaration's last line documents it too.
  - Declarations are `AX_API ...;`, `typedef ...;` and `#define AX_NAME value`.

It also keeps the docs' code listings honest: a block marked
`<!-- file: examples/x.c -->` must equal that file, and one marked
`<!-- output: examples/x.c -->` must equal what the built example prints.

Usage: gen_api_docs.py                          write docs/api.md
       gen_api_docs.py --check [--run-examples BUILD_DIR]
                                                exit 1 if anything is stale
"""
import argparse
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADERS = ["core.h", "ops.h", "io.h", "scan.h", "sort.h", "conv.h", "random.h", "linalg.h",
           "fft.h", "fp8.h", "transforms.h", "compile.h", "device.h"]  # in reading order; ax.h only includes them
OUT = ROOT / "docs" / "api.md"

SECTION_RE = re.compile(r"^/\*\s*-{4,}\s*(.*?)\s*\*/$")
DEFINE_RE = re.compile(r"^#define\s+(AX_[A-Z0-9_]+)\s+(.+?)\s*$")
NAME_RE = re.compile(r"\b(ax_[a-z0-9_]+)\s*\(")
TYPEDEF_NAME_RE = re.compile(r"\}\s*(\w+)\s*;\s*$|typedef\s+.*?\b(\w+)\s*;\s*$", re.S)
TRAILING_RE = re.compile(r"^(.*?;)\s*/\*\s*(.*?)\s*\*/\s*$")


def comment_text(lines):
    """The prose of a C block comment given as source lines."""
    text = "\n".join(lines).strip()
    text = re.sub(r"^/\*+", "", text)
    text = re.sub(r"\*+/$", "", text)
    out = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*\*(?!/) ?", "", line)  # leading " * "
        out.append(line.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    if out:
        out[0] = out[0].lstrip()
    while out and not out[-1].strip():
        out.pop()
    return dedent(out)


def dedent(lines):
    ind = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return [l[ind:] for l in lines]


def prose(lines):
    """Comment lines to markdown: list items and blank lines kept, other lines
    joined into paragraphs."""
    paras, cur = [], []
    for l in lines:
        if not l.strip():
            if cur:
                paras.append(cur)
            cur = []
        elif re.match(r"^\s*(-|\d+\.)\s", l):
            if cur:
                paras.append(cur)
            cur = [l.strip()]
        elif cur and re.match(r"^(-|\d+\.)\s", cur[0]) and l.startswith("  "):
            cur.append(l.strip())
        else:
            if cur and re.match(r"^(-|\d+\.)\s", cur[0]):
                paras.append(cur)
                cur = []
            cur.append(l.strip())
    if cur:
        paras.append(cur)
    out = []
    for p in paras:
        out.append(" ".join(p))
    # consecutive list items stay together, other paragraphs are separated
    md = []
    for i, p in enumerate(out):
        if i and not (re.match(r"^(-|\d+\.)\s", p) and re.match(r"^(-|\d+\.)\s", out[i - 1])):
            md.append("")
        md.append(p)
    return "\n".join(md)


class Entry:
    def __init__(self, doc):
        self.doc = doc      # list of comment lines (may be empty)
        self.decls = []     # declaration source texts
        self.names = []     # documented names
        self.notes = []     # trailing comments, in order


def parse(path):
    """Return (header intro lines, [(section title, [items])]) where an item is
    ('prose', lines) or ('entry', Entry)."""
    src = path.read_text().split("\n")
    i, n = 0, len(src)
    intro = []
    sections = [("", [])]
    pending = None  # comment lines waiting for a declaration
    entry = None    # open entry collecting consecutive declarations

    def flush_pending():
        nonlocal pending
        if pending is not None:
            sections[-1][1].append(("prose", comment_text(pending)))
            pending = None

    first_comment = True
    while i < n:
        line = src[i]
        s = line.strip()
        if not s or (s.startswith("#") and not DEFINE_RE.match(s)) or s in ("}", 'extern "C" {'):
            flush_pending()
            entry = None
            i += 1
            continue
        m = SECTION_RE.match(s)
        if m:
            flush_pending()
            entry = None
            sections.append((m.group(1), []))
            i += 1
            continue
        if s.startswith("/*"):
            block = [line]
            while "*/" not in src[i] and i + 1 < n:
                i += 1
                block.append(src[i])
            i += 1
            if first_comment:
                intro = comment_text(block)
                first_comment = False
                continue
            flush_pending()
            entry = None
            pending = block
            continue
        first_comment = False
        # a declaration
        if s.startswith("#define"):
            dm = DEFINE_RE.match(s)
            name = dm.group(1)
            if name == "AX_API" or name.endswith("_H"):
                i += 1
                continue
            decl, names = s, [name]
            i += 1
        else:
            block = [line]
            depth = line.count("{") - line.count("}")
            while not (depth == 0 and re.search(r";\s*(/\*.*\*/)?\s*$", src[i])) and i + 1 < n:
                i += 1
                block.append(src[i])
                depth += src[i].count("{") - src[i].count("}")
            i += 1
            decl = "\n".join(dedent(block))
            if decl.startswith("typedef"):
                tm = TYPEDEF_NAME_RE.search(re.sub(r"/\*.*?\*/", "", decl, flags=re.S).rstrip())
                names = [tm.group(1) or tm.group(2)] if tm else []
            else:
                names = NAME_RE.findall(re.sub(r"\([^()]*\([^()]*\)[^()]*\)", "", decl.split("(")[0] + "(")) or NAME_RE.findall(decl)[:1]
        if entry is None:
            entry = Entry(comment_text(pending) if pending is not None else [])
            pending = None
            sections[-1][1].append(("entry", entry))
        if decl.startswith("AX_API "):  # drop the macro, keep continuation lines aligned
            first, *rest = decl[len("AX_API "):].split("\n")
            rest = [l[7:] if l.startswith(" " * 7) else l for l in rest]
            decl = "\n".join([first] + rest)
        entry.decls.append(decl)
        entry.names.extend(names)
    flush_pending()
    return intro, [s for s in sections if s[1]]


def render():
    out = [
        "# ax API reference",
        "",
        "Generated by `scripts/gen_api_docs.py` from the comments in `include/ax/*.h`;",
        "do not edit by hand (CI checks that this file is up to date). Include",
        "everything with `#include <ax/ax.h>`. See [getting-started.md](getting-started.md)",
        "for a tour and [design.md](design.md) for the model behind it.",
        "",
    ]
    parsed = [(h, *parse(ROOT / "include" / "ax" / h)) for h in HEADERS]
    out.append("## Contents")
    out.append("")
    for h, _, secs in parsed:
        names = [nm for _, items in secs for k, e in items if k == "entry" for nm in e.names]
        out.append(f"- [`ax/{h}`](#ax{h.replace('.', '')}) — {len(names)} declarations")
    out.append("")
    for h, intro, secs in parsed:
        out.append(f"## ax/{h}")
        out.append("")
        intro = list(intro)
        if intro and re.match(r"^ax/\S+\s+[—-]", intro[0]):
            intro[0] = re.sub(r"^ax/\S+\s+[—-]\s*", "", intro[0])
            intro[0] = intro[0][:1].upper() + intro[0][1:]
        if intro:
            out.append(prose(intro))
            out.append("")
        for title, items in secs:
            if title:
                out.append(f"### {title[:1].upper() + title[1:]}")
                out.append("")
            for kind, item in items:
                if kind == "prose":
                    out.append(prose(item))
                    out.append("")
                    continue
                e = item
                if e.names:
                    out.append("#### " + ", ".join(f"`{nm}`" for nm in e.names))
                    out.append("")
                # As in the header: the comment, then what it precedes.
                if e.doc:
                    out.append(prose(e.doc))
                    out.append("")
                out.append("```c")
                out.extend(e.decls)
                out.append("```")
                out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


MARK_RE = re.compile(r"^<!-- (file|output): (\S+) -->\n```[a-z]*\n(.*?)^```$", re.M | re.S)


def check_listings(build_dir):
    """Code blocks in docs/*.md preceded by `<!-- file: PATH -->` must equal
    that file; blocks preceded by `<!-- output: examples/NAME.c -->` must equal
    the stdout of BUILD_DIR/examples/NAME (checked when build_dir is given).
    Returns the number of mismatches."""
    import subprocess
    bad = 0
    for md in sorted((ROOT / "docs").glob("*.md")):
        for kind, path, body in MARK_RE.findall(md.read_text()):
            where = f"{md.relative_to(ROOT)}: {kind} {path}"
            if kind == "file":
                src = ROOT / path
                if not src.exists() or src.read_text() != body:
                    print(f"{where}: the listing differs from the file")
                    bad += 1
            elif build_dir:
                exe = pathlib.Path(build_dir) / "examples" / pathlib.Path(path).stem
                run = subprocess.run([str(exe)], capture_output=True, text=True, cwd=ROOT)
                if run.returncode != 0 or run.stdout != body:
                    print(f"{where}: {exe} printed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
                    bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="fail if docs/api.md is stale or a docs listing differs from its file")
    ap.add_argument("--run-examples", metavar="BUILD_DIR",
                    help="with --check: also run the examples whose output the docs show")
    args = ap.parse_args()
    text = render()
    if args.check:
        if check_listings(args.run_examples):
            print("docs listings are out of date (see above)")
            return 1
        old = OUT.read_text() if OUT.exists() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(),
                                        "docs/api.md (committed)", "docs/api.md (from headers)",
                                        lineterm="", n=1)
            sys.stdout.write("\n".join(list(diff)[:60]) + "\n")
            print("docs/api.md is out of date: run python3 scripts/gen_api_docs.py")
            return 1
        print("docs/api.md is up to date")
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
