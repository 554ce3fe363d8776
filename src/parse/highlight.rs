//! Build-time syntax highlighting with syntaxmate (pure Rust TextMate grammars, the same ones
//! VS Code uses) to a handful of short CSS classes, and the matching light and dark stylesheet.
//!
//! Each token is resolved through the GitHub light theme; its colour picks a class (`hl-k` for
//! keywords, `hl-s` for strings, ...) whose light and dark colours come from the GitHub light and
//! dark themes, which share one rule list. Classes keep the markup small and let the page's
//! theme toggle switch palettes without re-rendering (the site's CSP forbids inline styles).

use crate::site::spill::Spilled;
use std::collections::HashMap;
use std::sync::OnceLock;
use syntaxmate::{FontModifiers, Highlighter, RgbColor, Style, Theme};

/// Blocks larger than this are shown plain: highlighting cost grows with size.
const MAX_BLOCK: usize = 256 * 1024;
/// Lines longer than this are shown plain (minified code gains nothing from colour).
const MAX_LINE: usize = 4096;
const LIGHT: &str = "github-light";
const DARK: &str = "github-dark";

/// The colour classes: a short name and a scope whose colour in the light theme stands for it.
/// Two entries with the same light colour share the first one's class.
const PALETTE: &[(&str, &[&str])] = &[
    ("c", &["comment"]),
    ("k", &["keyword"]),
    ("s", &["string"]),
    ("n", &["constant"]),
    ("e", &["entity.name"]),
    ("f", &["entity.name.function"]),
    ("t", &["entity.name.tag"]),
    ("x", &["invalid.illegal"]),
    ("p", &["brackethighlighter.tag"]),
    ("r", &["carriage-return"]),
    ("g", &["markup.ignored"]),
    ("h", &["markup.heading"]),
    ("d", &["markup.deleted"]),
    ("i", &["markup.inserted"]),
    ("m", &["markup.changed"]),
    ("o", &["meta.diff.range"]),
];

fn highlighter() -> Option<&'static Highlighter> {
    static H: OnceLock<Option<Highlighter>> = OnceLock::new();
    H.get_or_init(|| Highlighter::bundled().ok()).as_ref()
}

fn theme(name: &str) -> Option<Theme> {
    Theme::bundled(name).ok()
}

/// The light theme and the class of each of its non-default foreground and background colours
/// (the stylesheet gives each class the dark theme's colour for the same scope).
struct Palette {
    light: Theme,
    default: Style,
    fg: HashMap<RgbColor, &'static str>,
    bg: HashMap<RgbColor, &'static str>,
}

fn palette() -> Option<&'static Palette> {
    static P: OnceLock<Option<Palette>> = OnceLock::new();
    P.get_or_init(|| {
        let light = theme(LIGHT)?;
        let default = light.default_style();
        let (mut fg, mut bg) = (HashMap::new(), HashMap::new());
        for (name, scopes) in PALETTE {
            let s = light.resolve_scope_names(scopes);
            if let Some(c) = s.foreground.filter(|&c| Some(c) != default.foreground) {
                fg.entry(c).or_insert(*name);
            }
            if let Some(c) = s.background.filter(|&c| Some(c) != default.background) {
                bg.entry(c).or_insert(*name);
            }
        }
        Some(Palette {
            light,
            default,
            fg,
            bg,
        })
    })
    .as_ref()
}

/// The grammar for a fence's language word, after kb's own aliases.
fn language(lang: &str) -> Option<String> {
    let l = lang.trim().to_ascii_lowercase();
    let l = match l.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" => return None,
        "shell-session" | "sh-session" => "console",
        "conf" | "cfg" | "cnf" => "ini",
        "jinja2" | "j2" => "jinja",
        other => other,
    };
    syntaxmate::Catalog::bundled()
        .canonical_language(l)
        .map(str::to_string)
}

/// The class attribute value for a resolved style, or `None` for default text.
fn classes(p: &Palette, s: Style) -> Option<String> {
    let mut out = String::new();
    let mut add = |c: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("hl-");
        out.push_str(c);
    };
    if let Some(c) = s.foreground.filter(|&c| Some(c) != p.default.foreground)
        && let Some(n) = p.fg.get(&c)
    {
        add(n);
    }
    if let Some(c) = s.background.filter(|&c| Some(c) != p.default.background)
        && let Some(n) = p.bg.get(&c)
    {
        add(&format!("{n}-bg"));
    }
    for (m, n) in [
        (FontModifiers::BOLD, "b"),
        (FontModifiers::ITALIC, "it"),
        (FontModifiers::UNDERLINED, "u"),
        (FontModifiers::CROSSED_OUT, "del"),
    ] {
        if s.modifiers.contains(m) {
            add(n);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Highlights `code` written in `lang`, returning the inner HTML of a `<code>` element with
/// `hl-*` classes, or `None` when the language is unknown or the block too large.
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    if lang.is_empty() || code.len() > MAX_BLOCK || code.lines().any(|l| l.len() > MAX_LINE) {
        return None;
    }
    let grammar = language(lang)?;
    let p = palette()?;
    let doc = highlighter()?.tokenize(&grammar, code).ok()?;
    let lines: Vec<&str> = code.split('\n').collect();
    if lines.len() != doc.lines().len() {
        return None;
    }
    let mut out = String::with_capacity(code.len() * 2);
    // classes by scope stack: a document repeats few distinct stacks
    let mut seen: HashMap<syntaxmate::ScopeStackId, Option<String>> = HashMap::new();
    for (i, (line, toks)) in lines.iter().zip(doc.lines()).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (text, cr) = match line.strip_suffix('\r') {
            Some(t) => (t, "\r"),
            None => (*line, ""),
        };
        let mut at = 0;
        // pieces of the line with their class; adjacent pieces of one class merge
        let mut pieces: Vec<(Option<String>, std::ops::Range<usize>)> = Vec::new();
        let mut piece = |cls: Option<String>, r: std::ops::Range<usize>| match pieces.last_mut() {
            Some((c, last)) if *c == cls => last.end = r.end,
            _ => pieces.push((cls, r)),
        };
        for t in toks.tokens() {
            let r = t.range();
            if r.start < at
                || r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                return None;
            }
            if r.start > at {
                piece(None, at..r.start);
            }
            let cls = match t.scope_stack() {
                Some(id) => seen
                    .entry(id)
                    .or_insert_with(|| classes(p, p.light.resolve(t.scopes())))
                    .clone(),
                None => classes(p, p.light.resolve(t.scopes())),
            };
            at = r.end;
            piece(cls, r);
        }
        if at < text.len() {
            piece(None, at..text.len());
        }
        for (cls, r) in &pieces {
            match cls {
                Some(c) => {
                    out.push_str("<span class=\"");
                    out.push_str(c);
                    out.push_str("\">");
                    escape_into(&mut out, &text[r.clone()]);
                    out.push_str("</span>");
                }
                None => escape_into(&mut out, &text[r.clone()]),
            }
        }
        out.push_str(cr);
    }
    Some(out)
}

/// A persistent cache of highlighted blocks and drawn diagrams (`.kb/cache/highlight.bin`),
/// keyed by a hash of the language and the code: rebuilds and the dev server skip the
/// highlighter and the diagram renderer for unchanged blocks.
#[derive(Default)]
pub struct Cache {
    /// Entries of the loaded file (spilled: tens of MB for a big knowledge base).
    old: std::collections::HashMap<[u8; 16], Spilled>,
    /// Keys used in this run; `Some` for blocks highlighted now (not in the loaded file).
    used: std::sync::Mutex<std::collections::HashMap<[u8; 16], Option<Spilled>>>,
    path: Option<std::path::PathBuf>,
}

const CACHE_MAGIC: &[u8] = b"KBHL3\n";

fn cache_key(code: &str, lang: &str) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(lang.as_bytes());
    h.update(&[0]);
    h.update(code.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&h.finalize().as_bytes()[..16]);
    k
}

impl Cache {
    /// Loads the cache file; a missing or damaged file gives an empty cache.
    pub fn load(path: &std::path::Path) -> Cache {
        let mut c = Cache {
            path: Some(path.to_path_buf()),
            ..Cache::default()
        };
        let Ok(bytes) = std::fs::read(path) else {
            return c;
        };
        if !bytes.starts_with(CACHE_MAGIC) {
            return c;
        }
        let mut at = CACHE_MAGIC.len();
        while at + 20 <= bytes.len() {
            let mut k = [0u8; 16];
            k.copy_from_slice(&bytes[at..at + 16]);
            let len = u32::from_le_bytes([
                bytes[at + 16],
                bytes[at + 17],
                bytes[at + 18],
                bytes[at + 19],
            ]) as usize;
            at += 20;
            let Some(v) = bytes.get(at..at + len) else {
                break;
            };
            let Ok(v) = std::str::from_utf8(v) else { break };
            c.old.insert(k, Spilled::new(v));
            at += len;
        }
        c
    }

    /// Highlights through the cache.
    pub fn highlight(&self, code: &str, lang: &str) -> Option<String> {
        if lang.is_empty() {
            return None;
        }
        self.cached(code, lang, || highlight(code, lang))
    }

    /// Looks up what `make` produced for `code` under `tag` in this or an earlier run, or
    /// makes it now (a `None` is not kept: it is made again next time).
    pub fn cached(
        &self,
        code: &str,
        tag: &str,
        make: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let k = cache_key(code, tag);
        let (html, new) = match self.old.get(&k) {
            Some(h) => (h.unpack(), false),
            // a block this run has already highlighted (generated and copied notes repeat them)
            None => match self
                .used
                .lock()
                .ok()
                .and_then(|u| u.get(&k).cloned().flatten())
                .map(|h| h.unpack())
            {
                Some(h) => (h, true),
                None => (make()?, true),
            },
        };
        if self.path.is_some()
            && let Ok(mut u) = self.used.lock()
        {
            u.insert(k, new.then(|| Spilled::new(&html)));
        }
        Some(html)
    }

    /// Writes the entries used in this run (so the file never grows without bound), atomically.
    pub fn save(&self) -> std::io::Result<()> {
        self.save_as(true)
    }

    /// Like [`Cache::save`], but after a run that rendered only some pages: the entries it
    /// did not use are kept too (nothing is written when it made no new one).
    pub fn save_partial(&self) -> std::io::Result<()> {
        self.save_as(false)
    }

    fn save_as(&self, prune: bool) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let used = self
            .used
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let nothing_new = used
            .iter()
            .all(|(k, v)| v.is_none() && self.old.contains_key(k));
        if nothing_new && (!prune || used.len() == self.old.len()) {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // streamed entry by entry: the cache is tens of MB for a big knowledge base, and a
        // buffer of all of it was the build's peak memory
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        use std::io::Write;
        out.write_all(CACHE_MAGIC)?;
        for (k, v) in used.iter() {
            let Some(v) = v.as_ref().or_else(|| self.old.get(k)).map(Spilled::unpack) else {
                continue;
            };
            out.write_all(k)?;
            out.write_all(&(v.len() as u32).to_le_bytes())?;
            out.write_all(v.as_bytes())?;
        }
        if !prune {
            for (k, v) in self.old.iter().filter(|(k, _)| !used.contains_key(*k)) {
                let v = v.unpack();
                out.write_all(k)?;
                out.write_all(&(v.len() as u32).to_le_bytes())?;
                out.write_all(v.as_bytes())?;
            }
        }
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(tmp, path)
    }
}

/// The stylesheet for highlighted code: the light palette by default and the dark one when the
/// page is dark (OS preference without a choice, or the theme toggle).
pub fn stylesheet() -> String {
    let (Some(p), Some(dark)) = (palette(), theme(DARK)) else {
        return String::new();
    };
    let hex = |c: RgbColor| format!("#{:02x}{:02x}{:02x}", c.red, c.green, c.blue);
    let (mut light_css, mut dark_css) = (String::new(), String::new());
    for (name, scopes) in PALETTE {
        let l = p.light.resolve_scope_names(scopes);
        let d = dark.resolve_scope_names(scopes);
        if let (Some(lc), Some(dc)) = (l.foreground, d.foreground)
            && p.fg.get(&lc) == Some(name)
        {
            light_css.push_str(&format!(".hl-{name} {{ color: {} }}\n", hex(lc)));
            dark_css.push_str(&format!(".hl-{name} {{ color: {} }}\n", hex(dc)));
        }
        if let (Some(lc), Some(dc)) = (l.background, d.background)
            && p.bg.get(&lc) == Some(name)
        {
            light_css.push_str(&format!(
                ".hl-{name}-bg {{ background-color: {} }}\n",
                hex(lc)
            ));
            dark_css.push_str(&format!(
                ".hl-{name}-bg {{ background-color: {} }}\n",
                hex(dc)
            ));
        }
    }
    let mut out = format!(
        "/* generated by kb from the syntaxmate themes {LIGHT} (light) and {DARK} (dark) */\n\
         .hl-b {{ font-weight: bold }}\n.hl-it {{ font-style: italic }}\n\
         .hl-u {{ text-decoration: underline }}\n.hl-del {{ text-decoration: line-through }}\n"
    );
    out.push_str(&light_css);
    out.push_str(&scope(&dark_css, ":root[data-theme=\"dark\"] "));
    out.push_str("@media (prefers-color-scheme: dark) {\n");
    out.push_str(&scope(&dark_css, ":root:not([data-theme=\"light\"]) "));
    out.push_str("}\n");
    out
}

/// Prefixes every selector in a flat stylesheet with `prefix`.
fn scope(css: &str, prefix: &str) -> String {
    css.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_python_with_classes() {
        let h = highlight("def f(x):\n    return 1\n", "python").unwrap();
        assert!(h.contains("class=\"hl-"), "{h}");
        assert!(h.contains("def"));
    }

    #[test]
    fn cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c/hl.bin");
        let c = Cache::load(&p);
        let a = c.highlight("x = 1\n", "python").unwrap();
        c.save().unwrap();
        let c2 = Cache::load(&p);
        assert_eq!(c2.old.len(), 1);
        assert_eq!(c2.used.lock().unwrap().len(), 0);
        assert_eq!(c2.highlight("x = 1\n", "python").unwrap(), a);
        std::fs::write(&p, b"garbage").unwrap();
        assert!(Cache::load(&p).old.is_empty());
    }

    #[test]
    fn a_partial_save_keeps_the_entries_it_did_not_use_and_a_full_one_drops_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hl.bin");
        let c = Cache::load(&p);
        c.highlight("a = 1\n", "python").unwrap();
        c.highlight("b = 2\n", "python").unwrap();
        c.save().unwrap();
        // a run that rendered one page, with one new block
        let c = Cache::load(&p);
        c.highlight("a = 1\n", "python").unwrap();
        c.highlight("c = 3\n", "python").unwrap();
        c.save_partial().unwrap();
        assert_eq!(Cache::load(&p).old.len(), 3);
        // a run that rendered everything, using one block
        let c = Cache::load(&p);
        c.highlight("a = 1\n", "python").unwrap();
        c.save().unwrap();
        assert_eq!(Cache::load(&p).old.len(), 1);
    }

    #[test]
    fn code_round_trips_escaped_with_line_ends_kept() {
        let code = "if a < b && c > d:\r\n    print(\"<x>\")\r\n\n# done";
        let h = highlight(code, "py").unwrap();
        assert!(h.contains("<span class=\"hl-k\">if</span>"), "{h}");
        let text = h
            .split('<')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once('>').map_or("", |p| p.1)
                }
            })
            .collect::<String>()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        assert_eq!(text, code);
    }

    #[test]
    fn the_stack_languages_have_grammars() {
        for (lang, code) in [
            ("dockerfile", "FROM python:3.12\nRUN pip install celery\n"),
            ("nginx", "server { listen 80; }\n"),
            ("toml", "[redis]\nport = 6379\n"),
            ("conf", "[celery]\nbroker = redis\n"),
            ("yml", "broker: redis\n"),
            ("sh", "echo \"hi\"\n"),
            ("sql", "SELECT 1;\n"),
        ] {
            let h = highlight(code, lang).unwrap_or_else(|| panic!("{lang} is plain"));
            assert!(h.contains("class=\"hl-"), "{lang}: {h}");
        }
    }

    /// Every class stands for one light colour and one dark colour: the dark theme, resolving
    /// the same scopes, gives the colour the stylesheet assigns to the light colour's class.
    #[test]
    fn classes_give_each_token_its_dark_theme_colour_too() {
        let p = palette().unwrap();
        let dark = theme(DARK).unwrap();
        let css = stylesheet();
        let dark_of = |class: &str| -> Option<String> {
            let rule = format!(":root[data-theme=\"dark\"] .hl-{class} {{ color: ");
            let at = css.find(&rule)? + rule.len();
            Some(css[at..at + 7].to_string())
        };
        let hex = |c: RgbColor| format!("#{:02x}{:02x}{:02x}", c.red, c.green, c.blue);
        let samples = [
            (
                "python",
                "import os\n@dataclass\nclass A(B):\n    def f(self, x=1):\n        return f\"{x}\" # c\n",
            ),
            (
                "rust",
                "use std::io;\n#[derive(Debug)]\npub struct S<'a> { x: &'a str }\nfn main() { let v = vec![1u8]; println!(\"{v:?}\"); }\n",
            ),
            (
                "javascript",
                "const re = /a+b/g; export default class X extends Y { #p = null; m() { return `t${1}`; } }\n",
            ),
            (
                "shellscript",
                "export A=1\nfor f in *.md; do echo \"$f\" | grep -c x; done\n",
            ),
            ("yaml", "a: &x 1\nb: *x\nc: [true, null, \"s\"]\n"),
            (
                "sql",
                "CREATE TABLE t (id INT PRIMARY KEY); SELECT count(*) FROM t WHERE id > 3;\n",
            ),
            ("json", "{\"a\": [1, true, null]}\n"),
            ("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"),
            ("markdown", "# H\n**b** _i_ `c` [l](u)\n> q\n"),
            ("html", "<a href=\"x\" class=y>&amp;</a>\n"),
            ("docker", "FROM a AS b\nENV X=1\n"),
        ];
        let mut checked = 0;
        for (lang, code) in samples {
            let doc = highlighter().unwrap().tokenize(lang, code).unwrap();
            for line in doc.lines() {
                for t in line.tokens() {
                    let l = p.light.resolve(t.scopes());
                    let d = dark.resolve(t.scopes());
                    let scopes: Vec<&str> = t.scopes().collect();
                    match l.foreground.filter(|&c| Some(c) != p.default.foreground) {
                        Some(c) => {
                            let class = p.fg.get(&c).unwrap_or_else(|| {
                                panic!("{lang}: light colour {} has no class ({scopes:?})", hex(c))
                            });
                            assert_eq!(
                                dark_of(class).as_deref(),
                                d.foreground.map(hex).as_deref(),
                                "{lang}: {scopes:?}"
                            );
                        }
                        None => assert_eq!(
                            d.foreground,
                            dark.default_style().foreground,
                            "{lang}: {scopes:?}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn unknown_language_is_plain() {
        assert!(highlight("x", "no-such-lang").is_none());
        assert!(highlight("x", "").is_none());
    }

    #[test]
    fn stylesheet_has_both_palettes() {
        let css = stylesheet();
        assert!(css.contains(".hl-"));
        assert!(css.contains(":root[data-theme=\"dark\"] .hl-"));
        assert!(css.contains("prefers-color-scheme: dark"));
    }
}
