//! `kb.toml`: site configuration with a default for every key and a clear error for unknown keys.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Postings a search expansion may add up to by default: the terms after the first stop before
/// their total document frequency passes this, so a one-letter query does not download the ten
/// densest posting lists of the index.
pub const EXPANSION_BUDGET: u64 = 40_000;
/// How kb links plain-text mentions of other notes' titles and aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Autolink {
    /// Never link mentions automatically.
    Off,
    /// Link the first mention of every other note in a note (the default).
    #[default]
    First,
    /// Link every mention.
    All,
}

/// The whole configuration, as read from `kb.toml` (every key optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title shown in the header, the feed and the browser tab.
    pub title: String,
    /// One-line description of the site (home page and feed).
    pub description: String,
    /// Absolute URL the site is published at, e.g. `https://me.github.io/kb/`.
    pub base_url: String,
    /// Language of the user-interface strings: `ko`, `en`, or `auto` (picked from the notes'
    /// script when the site is assembled).
    pub language: String,
    /// Folder holding the notes, relative to the root.
    pub notes_dir: String,
    /// Folder the site is written to, relative to the root.
    pub output_dir: String,
    /// Author name for the Atom feed.
    pub author: String,
    /// Number of entries in the feed and in the home page's "recently updated" list.
    pub recent: usize,
    /// Notes larger than this many bytes are skipped with an error.
    pub max_note_bytes: u64,
    /// Treat broken links as errors in `kb build`.
    pub strict: bool,
    /// Link plain mentions of other notes: "off", "first" or "all".
    pub autolink: Autolink,
    /// Postings a prefix or fuzzy expansion of one query word may add up to (a smaller value
    /// makes the site's search download less for one-letter words, and find less with them).
    pub search_expansion_budget: u64,
    /// The note shown on the home page above the listing, relative to the notes folder
    /// (default: `index.md`, `README.md` or `Home.md` at the notes root).
    pub home: Option<String>,
    /// Folders (relative to the notes folder) whose files are all published, linked or not.
    pub publish: Vec<String>,
    /// Publish every attachment, linked or not (default: yes for a dedicated notes folder,
    /// no for a vault built in place, where only what notes link or embed is published).
    pub publish_unlinked: Option<bool>,
    /// Section names that hold troubleshooting, besides the built-in ones (트러블슈팅,
    /// Troubleshooting, FAQ, ...).
    pub troubleshooting_headings: Vec<String>,
    /// Which troubleshooting patterns kb recognises: "headings", "shape", "callouts".
    pub troubleshooting_patterns: Vec<String>,
    /// `kb check` warns about troubleshooting entries without a symptom or a fix.
    pub strict_troubleshooting: bool,
    /// Result-data slots per file in the static search export (1 to 8); 0, the default, picks
    /// 2 above 8,000 notes (a file per note would take the site past Cloudflare Pages' 20,000
    /// files) and 1 below.
    pub search_result_pack: usize,
    /// How many links away a note page's local graph reaches: 1 (the default, as in Obsidian
    /// and Quartz), 2 or 3; 0 leaves the local graph out.
    pub local_graph_depth: usize,
    /// The `[search]` table.
    pub search: SearchConfig,
    /// Whether `notes_dir` was written in kb.toml (a vault found in place is used only when not).
    #[serde(skip)]
    pub notes_dir_set: bool,
    /// Whether `title` was written in kb.toml (else a vault's home note names the site).
    #[serde(skip)]
    pub title_set: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Knowledge Base".into(),
            description: String::new(),
            base_url: "/".into(),
            language: "auto".into(),
            notes_dir: "notes".into(),
            output_dir: "public".into(),
            author: String::new(),
            recent: 10,
            max_note_bytes: 16 * 1024 * 1024,
            strict: false,
            autolink: Autolink::First,
            search_expansion_budget: EXPANSION_BUDGET,
            home: None,
            publish: Vec::new(),
            publish_unlinked: None,
            troubleshooting_headings: Vec::new(),
            troubleshooting_patterns: super::parsed::PATTERNS
                .iter()
                .map(|p| p.to_string())
                .collect(),
            strict_troubleshooting: false,
            search_result_pack: 0,
            local_graph_depth: 1,
            search: SearchConfig::default(),
            notes_dir_set: false,
            title_set: false,
        }
    }
}

/// The keys `kb.toml` accepts, for error messages.
pub const VALID_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "notes_dir",
    "output_dir",
    "author",
    "recent",
    "max_note_bytes",
    "strict",
    "autolink",
    "search_expansion_budget",
    "home",
    "publish",
    "publish_unlinked",
    "troubleshooting_headings",
    "troubleshooting_patterns",
    "strict_troubleshooting",
    "search_result_pack",
    "local_graph_depth",
    "search",
];

/// The `[search]` table of kb.toml.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Groups of words that find each other when a query word has few matches as written:
    /// `synonyms = [["몽고", "MongoDB"]]`.
    pub synonyms: Vec<Vec<String>>,
}

/// A configuration problem with a `path:line:col` location.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// Where the problem is.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Config {
    /// Reads `root/kb.toml` if it exists; otherwise returns the defaults.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join("kb.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(ConfigError {
                    path,
                    line: 1,
                    col: 1,
                    message: format!("cannot read kb.toml: {e}"),
                    hint: "check the file's permissions and encoding (UTF-8)".into(),
                });
            }
        };
        Self::parse(&text, &path)
    }

    /// Parses the text of a `kb.toml`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| crate::diag::line_col(text, s.start))
                .unwrap_or((1, 1));
            let msg = e.message().to_string();
            let hint = if msg.contains("unknown field") {
                format!("valid keys are: {}", VALID_KEYS.join(", "))
            } else {
                "see the kb.toml reference in the README".to_string()
            };
            ConfigError {
                path: path.to_path_buf(),
                line,
                col,
                message: format!("invalid kb.toml: {msg}"),
                hint,
            }
        })?;
        let keys = toml::from_str::<toml::Table>(text).unwrap_or_default();
        cfg.notes_dir_set = keys.contains_key("notes_dir");
        cfg.title_set = keys.contains_key("title");
        // an error at the key's first mention
        let at = |key: &str, message: String, hint: String| {
            let (line, col) = text
                .find(key)
                .map(|i| crate::diag::line_col(text, i))
                .unwrap_or((1, 1));
            ConfigError {
                path: path.to_path_buf(),
                line,
                col,
                message,
                hint,
            }
        };
        if let Some(bad) = cfg
            .troubleshooting_patterns
            .iter()
            .find(|p| !super::parsed::PATTERNS.contains(&p.as_str()))
        {
            return Err(at(
                "troubleshooting_patterns",
                format!("unknown troubleshooting pattern `{bad}`"),
                format!("the patterns are {}", super::parsed::PATTERNS.join(", ")),
            ));
        }
        if !matches!(cfg.language.as_str(), "ko" | "en" | "auto") {
            return Err(at(
                "language",
                format!("unsupported language `{}`", cfg.language),
                "use \"ko\", \"en\" or \"auto\"".into(),
            ));
        }
        if cfg.search_result_pack > 8 {
            return Err(at(
                "search_result_pack",
                format!("search_result_pack {} is too large", cfg.search_result_pack),
                "use 1 to 8 result-data slots per file, or 0 to let kb choose".into(),
            ));
        }
        if cfg.local_graph_depth > 3 {
            return Err(at(
                "local_graph_depth",
                format!("local_graph_depth {} is too deep", cfg.local_graph_depth),
                "use 1 (direct links), 2 or 3, or 0 to leave the local graph out".into(),
            ));
        }
        Ok(cfg)
    }

    /// What the troubleshooting recogniser looks for.
    pub fn trouble_options(&self) -> super::parsed::Options {
        super::parsed::Options {
            extra_headings: self.troubleshooting_headings.clone(),
            patterns: self.troubleshooting_patterns.clone(),
        }
    }

    /// Whether the notes folder is the knowledge base root itself (a vault built in place).
    pub fn in_place(&self) -> bool {
        matches!(self.notes_dir.trim_end_matches('/'), "" | ".")
    }

    /// How paths under the notes folder are shown in diagnostics and results: `notes/x.md`,
    /// or just `x.md` for a vault built in place.
    pub fn display_prefix(&self) -> String {
        if self.in_place() {
            String::new()
        } else {
            self.notes_dir.trim_end_matches('/').to_string()
        }
    }

    /// Shows a path relative to the notes folder as diagnostics do.
    pub fn display_path(&self, rel: &str) -> String {
        match self.display_prefix() {
            p if p.is_empty() => rel.to_string(),
            p => format!("{p}/{rel}"),
        }
    }

    /// Whether attachments no note links to are published.
    pub fn publishes_unlinked(&self) -> bool {
        self.publish_unlinked.unwrap_or(!self.in_place())
    }

    /// The path part of `base_url`, always starting and ending with `/` (e.g. `/kb/`).
    pub fn base_path(&self) -> String {
        let rest = match self.base_url.find("://") {
            Some(i) => {
                let after = &self.base_url[i + 3..];
                after.find('/').map(|j| &after[j..]).unwrap_or("/")
            }
            None => self.base_url.as_str(),
        };
        let mut p = rest.trim().to_string();
        if !p.starts_with('/') {
            p.insert(0, '/');
        }
        if !p.ends_with('/') {
            p.push('/');
        }
        p
    }

    /// `base_url` with a trailing slash, or an empty string when it has no scheme and host.
    pub fn absolute_base(&self) -> String {
        if self.base_url.contains("://") {
            let mut b = self.base_url.trim().to_string();
            if !b.ends_with('/') {
                b.push('/');
            }
            b
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let c = Config::parse("", Path::new("kb.toml")).unwrap();
        assert_eq!(c.notes_dir, "notes");
        assert_eq!(c.base_path(), "/");
    }

    #[test]
    fn unknown_key_lists_valid_ones() {
        let e = Config::parse("title = \"x\"\ncolour = 1\n", Path::new("kb.toml")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("colour"), "{}", e.message);
        assert!(e.hint.contains("base_url"));
    }

    #[test]
    fn base_path_from_sub_path_url() {
        let c = Config {
            base_url: "https://me.github.io/kb".into(),
            ..Config::default()
        };
        assert_eq!(c.base_path(), "/kb/");
        assert_eq!(c.absolute_base(), "https://me.github.io/kb/");
    }

    #[test]
    fn bad_language() {
        let e = Config::parse("language = \"fr\"", Path::new("kb.toml")).unwrap_err();
        assert!(e.hint.contains("ko"));
    }
}
