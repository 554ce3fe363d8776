#!/usr/bin/env python3
"""Independent ground-truth link resolver for Obsidian vaults (stdlib only).

Usage: obsidian_links.py VAULT [--broken | --headings]
  default     JSON {"notes", "links": [...], "summary": {...}} on stdout
  --broken    only unresolved links, one per line: path:line: raw
  --headings  only resolved links whose #heading / #^block is missing

Written from Obsidian's documentation and observed behaviour, not from kb's code.
Sources (Obsidian Help, https://obsidian.md/help/...):
  "Internal links" (/links), "Embed files" (/embeds), "Accepted file formats"
  (/file-formats), "Basic formatting syntax" (/syntax: code, comments, escaping),
  "Obsidian Flavored Markdown"; the API typings obsidian.d.ts
  (MetadataCache.getFirstLinkpathDest, parseLinktext); and console observations of
  getFirstLinkpathDest on Obsidian 1.13.7 published in pvliesdonk/markdown-vault-mcp
  issues #1358 / #1383 and PR #1380.

Vault: every file below VAULT, except hidden folders/files (".x") and node_modules.
  Notes are *.md; everything else is an attachment (linkable with its extension).

Extraction (note bodies only):
  * front matter (--- ... --- on line 1) is skipped (its property links are ignored);
  * masked: fenced code (``` / ~~~, also inside "> " quotes/callouts), inline code
    spans (per paragraph), <!-- HTML comments -->, %% Obsidian comments %%;
  * [[t]], [[t|label]], [[t#Heading]], [[t#^block]], [[#Heading]], ![[...]] embeds.
    The target ends at the first "|" (a "\\|" table escape counts as "|"); linktext
    is split at the first "#" into path and subpath (parseLinktext). A single "]"
    does not end a wikilink (observed: [[Sq]uare]] -> "Sq]uare").
  * [text](dest) / ![alt](dest), dest optionally <bracketed> and followed by a
    "title". Skipped: dests with a URI scheme (http:, mailto:, obsidian:, ...) or
    "//host". "#x" alone is a same-note heading link. The path and subpath are
    percent-decoded ("Internal links": Markdown dests are URL-encoded). Unbracketed
    dests cannot contain spaces (CommonMark). Reference-style links are not read.

Resolution (getFirstLinkpathDest), all comparisons case-insensitive:
  0. empty path ([[#H]], [](#H)) -> the linking note itself;
  1. "./x" or "../x" -> relative to the linking note's folder only (x or x.md);
     a leading "/" means the vault root;
  2. exact vault path: x or x.md ("Folder paths start at the vault root");
  3. relative to the linking note's folder: dir/x or dir/x.md;
  4. by name: files whose path equals or ends with "/x" or "/x.md" (so [[b/Note]]
     finds a/b/Note.md). Ties: a file in the linking note's folder, else the
     shortest path string, else alphabetical (observed in #1380).
  ".md" is only ever appended, never guessed: [[image]] does not find image.png
  ("links to file formats other than Markdown need to include a file extension").
  Aliases do NOT resolve links (Obsidian only offers them in suggestions); a broken
  link whose name is some note's alias is flagged "alias_of" for the reader.
  Markdown links follow the same rules as wikilinks (observed in #1383: a root
  note's [y](My%20Note.md) resolves to Sub/My Note.md).

Subpaths (decision, reported apart from missing notes as heading_missing):
  * only checked when the target is a note; for attachments (img.png#interface,
    doc.pdf#page=3, x.canvas#...) the subpath is ignored;
  * "#^id": the target has a block id "^id" ending a line (after whitespace or
    alone on its line), ids [A-Za-z0-9-]+, compared case-insensitively;
  * "#A#B#C": every part must match a heading, in document order (a subsequence of
    the note's headings, as in "Link to subheadings"); headings are ATX (# ..) and
    setext, outside code. Obsidian writes heading links with its forbidden link
    characters (# | ^ : [ ] %%) replaced by spaces ("A: B" is linked "A B"), so
    both sides are case-folded, those characters become spaces, Markdown marks
    `*_~= are dropped and whitespace collapsed. A link that matches only after
    keeping letters and digits alone (e.g. "hasTag" for "`hasTag()`", GitHub-style
    "#my-heading") is NOT counted as missing but marked "heading_loose": true:
    Obsidian's exact rule there is unverified.
"""
import json
import os
import posixpath
import re
import signal
import sys
from urllib.parse import unquote

WIKI_RE = re.compile(r"(!?)\[\[((?:(?!\[\[|\]\]).)+?)\]\]")
MD_RE = re.compile(
    r"(?<![\\!\]])(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\(\s*(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)")
SCHEME_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
FENCE_RE = re.compile(r"^((?:[ \t]*>)*[ \t]{0,3})(`{3,}|~{3,})(.*)$")
ATX_RE = re.compile(r"^(?:[ \t]*>)*[ \t]{0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_RE = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
BLOCK_RE = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)[ \t]*$")


def blank(chars, a, b):
    for i in range(a, b):
        if chars[i] != "\n":
            chars[i] = " "


def mask(text, inline=True):
    """Copy of text (same offsets) with front matter, code and comments blanked;
    inline=False keeps inline code (heading text may contain `code`)."""
    chars = list(text)
    lines = text.split("\n")
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    i = 0
    if lines and lines[0].rstrip() == "---":  # front matter
        for j in range(1, len(lines)):
            if lines[j].rstrip() in ("---", "..."):
                blank(chars, 0, starts[j] + len(lines[j]))
                i = j + 1
                break
    fence = None
    for j in range(i, len(lines)):
        m = FENCE_RE.match(lines[j])
        if fence is None:
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = m.group(2)
                blank(chars, starts[j], starts[j] + len(lines[j]))
        else:
            blank(chars, starts[j], starts[j] + len(lines[j]))
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) \
                    and not m.group(3).strip():
                fence = None
    s = "".join(chars)
    i, n = 0, len(s) if inline else 0
    while i < n:  # inline code, <!-- -->, %% %%, scanned left to right
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            k = i
            while k < n and s[k] == "`":
                k += 1
            run = s[i:k]
            para_end = s.find("\n\n", k)
            para_end = n if para_end < 0 else para_end
            m = re.compile(r"(?<!`)" + run + r"(?!`)").search(s, k, para_end)
            if m:
                blank(chars, i, m.end())
                i = m.end()
            else:
                i = k
            continue
        for op, cl in (("<!--", "-->"), ("%%", "%%")):
            if s.startswith(op, i):
                e = s.find(cl, i + len(op))
                e = n if e < 0 else e + len(cl)
                blank(chars, i, e)
                i = e
                break
        else:
            i += 1
    return "".join(chars)


def norm_heading(h, loose=False):
    """Strict: case-fold, drop `*_~= and turn Obsidian's forbidden link characters
    (# | ^ : % [ ] \\) into spaces, collapse whitespace. Loose: letters/digits only."""
    h = h.casefold()
    if loose:
        return "".join(ch for ch in h if ch.isalnum())
    h = re.sub(r"[`*_~=]", "", re.sub(r"[#|^:%\[\]\\]", " ", h))
    return " ".join(h.split())


def anchors(masked):
    """(normalised headings in order, set of lower-case block ids)."""
    heads, blocks = [], set()
    lines = masked.split("\n")
    for j, ln in enumerate(lines):
        m = ATX_RE.match(ln)
        if m:
            heads.append(m.group(2) or "")
        elif j and lines[j - 1].strip() and SETEXT_RE.match(ln) and \
                not ATX_RE.match(lines[j - 1]) and \
                (ln.strip()[0] == "=" or not re.match(r"^\s*([-*+]|\d+[.)])\s", lines[j - 1])):
            heads.append(lines[j - 1])
        b = BLOCK_RE.search(ln)
        if b:
            blocks.add(b.group(1).lower())
    return heads, blocks


def extract(text):
    """Yield (offset, raw, kind, path, subpath) for each link in a note."""
    masked = mask(text)
    for m in WIKI_RE.finditer(masked):
        inner = text[m.start(2):m.end(2)]
        target = inner.split("|", 1)[0]
        if "|" in inner and target.endswith("\\"):
            target = target[:-1]
        path, _, sub = target.partition("#")
        yield m.start(), text[m.start():m.end()], "embed" if m.group(1) else "wiki", \
            path.strip(), sub.strip()
    masked = WIKI_RE.sub(lambda m: " " * len(m.group(0)), masked)
    todo = [(masked, 0)]
    while todo:
        s, base = todo.pop()
        for m in MD_RE.finditer(s):
            todo.append((s[m.start(2):m.end(2)], base + m.start(2)))  # [![i](a)](b)
            dest = m.group(3)
            if dest.startswith("<"):
                dest = dest[1:-1]
            if not dest or SCHEME_RE.match(dest):
                continue
            path, _, sub = dest.partition("#")
            a = base + m.start()
            yield a, text[a:base + m.end()], "image" if m.group(1) else "md", \
                unquote(path).strip(), unquote(sub).strip()


class Vault:
    def __init__(self, root):
        self.root = root
        self.files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "node_modules")
            rel = os.path.relpath(d, root).replace(os.sep, "/")
            for nm in sorted(names):
                if not nm.startswith("."):
                    self.files.append(nm if rel == "." else rel + "/" + nm)
        self.by_lower = {}
        for f in self.files:
            self.by_lower.setdefault(f.lower(), f)
        self.notes = [f for f in self.files if f.lower().endswith(".md")]
        self.text, self.masked, self._anchors = {}, {}, {}
        self.aliases = {}
        for f in self.notes:
            with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                self.text[f] = fh.read().replace("\r\n", "\n")
            fm = re.match(r"---\n(.*?)\n(?:---|\.\.\.)\s*\n", self.text[f] + "\n", re.S)
            if fm:
                am = re.search(r"^alias(?:es)?:[ \t]*(.*(?:\n[ \t]+-.*)*)", fm.group(1), re.M)
                for a in re.split(r"[\n,\[\]]", am.group(1) if am else ""):
                    a = a.strip().lstrip("-").strip().strip("'\"").strip()
                    if a:
                        self.aliases.setdefault(a.lower(), f)

    def anchors(self, note):
        if note not in self._anchors:
            self._anchors[note] = anchors(mask(self.text[note], inline=False))
        return self._anchors[note]

    def exact(self, p):
        p = p.lower()
        return self.by_lower.get(p) or self.by_lower.get(p + ".md")

    def resolve(self, path, source):
        folder = posixpath.dirname(source)
        if not path:
            return source
        if path.startswith("./") or path.startswith("../"):
            p = posixpath.normpath(posixpath.join(folder, path))
            return None if p.startswith("..") else self.exact(p)
        p = path.lstrip("/")
        hit = self.exact(p) or (folder and self.exact(posixpath.join(folder, p)))
        if hit or path.startswith("/"):
            return hit or None
        lp = "/" + p.lower()
        cands = [f for f in self.files
                 if ("/" + f.lower()).endswith(lp) or ("/" + f.lower()).endswith(lp + ".md")]
        if not cands:
            return None
        cands.sort(key=lambda f: (posixpath.dirname(f) != folder, len(f), f))
        return cands[0]

    def subpath(self, target, sub):
        """"ok", "loose" (matched only with loose heading text) or "missing"."""
        if not sub or not target.lower().endswith(".md"):
            return "ok"
        heads, blocks = self.anchors(target)
        if sub.startswith("^"):
            return "ok" if sub[1:].lower() in blocks else "missing"
        for loose in (False, True):
            hs, i = [norm_heading(h, loose) for h in heads], 0
            for part in [norm_heading(x, loose) for x in sub.split("#") if x.strip()]:
                while i < len(hs) and hs[i] != part:
                    i += 1
                if i == len(hs):
                    break
                i += 1
            else:
                return "loose" if loose else "ok"
        return "missing"

    def links(self):
        out = []
        for note in self.notes:
            text = self.text[note]
            for off, raw, kind, path, sub in sorted(extract(text)):
                target = self.resolve(path, note)
                st = self.subpath(target, sub) if target else "ok"
                rec = {"path": note, "line": text.count("\n", 0, off) + 1, "raw": raw,
                       "kind": kind, "subpath": sub, "target": target,
                       "heading_missing": st == "missing"}
                if st == "loose":
                    rec["heading_loose"] = True
                if target is None and path.lower() in self.aliases:
                    rec["alias_of"] = self.aliases[path.lower()]
                out.append(rec)
        return out


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1 or not os.path.isdir(args[0]):
        sys.exit(__doc__.split("\n\n")[1])
    vault = Vault(args[0])
    links = vault.links()
    if "--broken" in argv or "--headings" in argv:
        want_broken = "--broken" in argv
        for r in links:
            if (r["target"] is None) if want_broken else r["heading_missing"]:
                print(f'{r["path"]}:{r["line"]}: {r["raw"]}')
        return
    broken = sum(r["target"] is None for r in links)
    json.dump({"notes": len(vault.notes), "links": links,
               "summary": {"resolved": len(links) - broken, "broken": broken,
                           "heading_missing": sum(r["heading_missing"] for r in links)}},
              sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
