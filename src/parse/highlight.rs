//! Build-time syntax highlighting with syntect (pure Rust, fancy-regex) to CSS classes, and the
//! matching light and dark stylesheets.

use std::sync::OnceLock;
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };
/// Blocks larger than this are shown plain: highlighting cost grows with size.
const MAX_BLOCK: usize = 256 * 1024;
/// Lines longer than this are shown plain (regex engines can go quadratic on them).
const MAX_LINE: usize = 4096;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn find(lang: &str) -> Option<&'static SyntaxReference> {
    let ss = syntaxes();
    let l = lang.trim().to_ascii_lowercase();
    let token = match l.as_str() {
        "sh" | "shell" | "zsh" | "console" | "shell-session" | "bash" => "bash",
        "py" | "python3" => "python",
        "js" | "javascript" | "mjs" | "node" => "js",
        "ts" | "typescript" => "js",
        "yml" => "yaml",
        "rs" => "rust",
        // syntect's default set has no grammar for these: a close one, or plain text
        "ini" | "cfg" | "toml" | "conf" => "ini",
        "dockerfile" | "docker" | "nginx" => return None,
        other => other,
    };
    ss.find_syntax_by_token(token)
        .or_else(|| ss.find_syntax_by_extension(token))
}

/// Highlights `code` written in `lang`, returning the inner HTML of a `<code>` element with
/// `hl-*` classes, or `None` when the language is unknown or the block too large.
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    if lang.is_empty() || code.len() > MAX_BLOCK || code.lines().any(|l| l.len() > MAX_LINE) {
        return None;
    }
    let syntax = find(lang)?;
    if syntax.name == "Plain Text" {
        return None;
    }
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes(), STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

/// A persistent cache of highlighted blocks (`.kb/cache/highlight.bin`), keyed by a hash of
/// the language and the code: rebuilds and the dev server skip syntect for unchanged blocks.
#[derive(Default)]
pub struct Cache {
    old: std::collections::HashMap<[u8; 16], String>,
    /// Keys used in this run; `Some` for blocks highlighted now (not in the loaded file).
    used: std::sync::Mutex<std::collections::HashMap<[u8; 16], Option<String>>>,
    path: Option<std::path::PathBuf>,
}

const CACHE_MAGIC: &[u8] = b"KBHL2\n";

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
            c.old.insert(k, v.to_string());
            at += len;
        }
        c
    }

    /// Highlights through the cache.
    pub fn highlight(&self, code: &str, lang: &str) -> Option<String> {
        if lang.is_empty() {
            return None;
        }
        let k = cache_key(code, lang);
        let (html, new) = match self.old.get(&k) {
            Some(h) => (h.clone(), false),
            // a block this run has already highlighted (generated and copied notes repeat them)
            None => match self
                .used
                .lock()
                .ok()
                .and_then(|u| u.get(&k).cloned().flatten())
            {
                Some(h) => (h, true),
                None => (highlight(code, lang)?, true),
            },
        };
        if self.path.is_some()
            && let Ok(mut u) = self.used.lock()
        {
            u.insert(k, new.then(|| html.clone()));
        }
        Some(html)
    }

    /// Writes the entries used in this run (so the file never grows without bound), atomically.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let used = self
            .used
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        if used.len() == self.old.len()
            && used
                .iter()
                .all(|(k, v)| v.is_none() && self.old.contains_key(k))
        {
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
            let Some(v) = v.as_deref().or_else(|| self.old.get(k).map(String::as_str)) else {
                continue;
            };
            out.write_all(k)?;
            out.write_all(&(v.len() as u32).to_le_bytes())?;
            out.write_all(v.as_bytes())?;
        }
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(tmp, path)
    }
}

/// The stylesheet for highlighted code: a light palette by default and a dark one when the
/// page is dark (OS preference without a choice, or the theme toggle).
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let light =
        css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], STYLE).unwrap_or_default();
    let dark = css_for_theme_with_class_style(&themes.themes["base16-ocean.dark"], STYLE)
        .unwrap_or_default();
    let mut out = String::from(
        "/* generated by kb from syntect themes: InspiredGitHub (light), base16-ocean.dark (dark) */\n",
    );
    out.push_str(&strip_backgrounds(&light));
    out.push_str("\n:root[data-theme=\"dark\"] {}\n");
    out.push_str(&scope(
        &strip_backgrounds(&dark),
        ":root[data-theme=\"dark\"] ",
    ));
    out.push_str("\n@media (prefers-color-scheme: dark) {\n");
    out.push_str(&scope(
        &strip_backgrounds(&dark),
        ":root:not([data-theme=\"light\"]) ",
    ));
    out.push_str("}\n");
    out
}

/// Drops the theme's own `.hl-code` background so the page palette controls it.
fn strip_backgrounds(css: &str) -> String {
    css.lines()
        .filter(|l| !l.trim_start().starts_with("background-color"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prefixes every selector in a flat stylesheet with `prefix`.
fn scope(css: &str, prefix: &str) -> String {
    let mut out = String::new();
    for line in css.lines() {
        let t = line.trim_start();
        if t.starts_with('.') {
            let scoped: Vec<String> = t
                .split(", ")
                .map(|sel| {
                    if sel.starts_with('.') {
                        format!("{prefix}{sel}")
                    } else {
                        sel.to_string()
                    }
                })
                .collect();
            out.push_str(&scoped.join(", "));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
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
