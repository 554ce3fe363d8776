//! The default theme compiled into the binary, with a user's `templates/` and `static/` files
//! of the same name taking precedence.

use rust_embed::RustEmbed;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct DefaultTemplates;

#[derive(RustEmbed)]
#[folder = "static/"]
struct DefaultStatic;

/// Source of one theme file: built in, or overridden from the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into kb.
    BuiltIn,
    /// Read from the user's folder.
    User(std::path::PathBuf),
}

/// The merged theme: templates by name and static files by relative path.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name -> (source text, origin).
    pub templates: BTreeMap<String, (String, Origin)>,
    /// Static path -> (bytes, origin).
    pub statics: BTreeMap<String, (Vec<u8>, Origin)>,
}

fn read_dir_files(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    if !dir.is_dir() {
        return vec![];
    }
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some((crate::load::rel_string(rel), e.path().to_path_buf()))
        })
        .collect()
}

impl Theme {
    /// Loads the built-in theme and applies overrides from `root/templates` and `root/static`.
    pub fn load(root: &Path) -> std::io::Result<Theme> {
        let mut t = Theme::default();
        for name in DefaultTemplates::iter() {
            if let Some(f) = DefaultTemplates::get(&name) {
                let text = String::from_utf8_lossy(&f.data).into_owned();
                t.templates
                    .insert(name.to_string(), (text, Origin::BuiltIn));
            }
        }
        for name in DefaultStatic::iter() {
            if let Some(f) = DefaultStatic::get(&name) {
                t.statics
                    .insert(name.to_string(), (f.data.to_vec(), Origin::BuiltIn));
            }
        }
        for (rel, path) in read_dir_files(&root.join("templates")) {
            let text = std::fs::read_to_string(&path)?;
            t.templates.insert(rel, (text, Origin::User(path)));
        }
        for (rel, path) in read_dir_files(&root.join("static")) {
            let bytes = std::fs::read(&path)?;
            t.statics.insert(rel, (bytes, Origin::User(path)));
        }
        Ok(t)
    }

    /// A digest of every template and static file: the incremental engine re-renders every
    /// page when it changes.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        for (k, (v, _)) in &self.templates {
            h.update(&(k.len() as u64).to_le_bytes())
                .update(k.as_bytes());
            h.update(&(v.len() as u64).to_le_bytes())
                .update(v.as_bytes());
        }
        for (k, (v, _)) in &self.statics {
            h.update(&(k.len() as u64).to_le_bytes())
                .update(k.as_bytes());
            h.update(&(v.len() as u64).to_le_bytes()).update(v);
        }
        *h.finalize().as_bytes()
    }

    /// Names of the built-in templates (for `kb init` documentation and tests).
    pub fn builtin_template_names() -> Vec<String> {
        DefaultTemplates::iter().map(|s| s.to_string()).collect()
    }
}
