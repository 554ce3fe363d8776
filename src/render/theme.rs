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

/// The module scripts every page runs, in the order the pages ran them, and the one module
/// kb serves them as (one tag and one request instead of four on every page).
pub const SHARED_JS: &[&str] = &["preview.js", "kb.js", "search-ui.js", "explorer.js"];
/// The name of the module holding [`SHARED_JS`].
pub const SHARED_JS_NAME: &str = "bundle.js";

/// Whether a line of a module is an import or export declaration.
fn module_syntax(line: &str) -> bool {
    let l = line.trim_start();
    [
        "import ", "import{", "import\"", "import'", "import*", "export ",
    ]
    .iter()
    .any(|p| l.starts_with(p))
        || l.starts_with("export{")
}

/// The text of one module as a statement of the bundle: a block of its own (its top-level
/// names stay its own) whose errors do not stop the next one, as when each was a module;
/// `export` is dropped from its declarations (the tests import those from the file itself).
/// `None` when it has other module syntax (an import, a default export): the bundle imports
/// that one instead.
fn bundle_part(name: &str, text: &str) -> Option<String> {
    let mut out = format!("// {name}\ntry {{\n");
    for line in text.lines() {
        let line = [
            "export async function ",
            "export function ",
            "export const ",
            "export let ",
            "export class ",
        ]
        .iter()
        .find_map(|p| line.strip_prefix("export ").filter(|_| line.starts_with(p)))
        .unwrap_or(line);
        if module_syntax(line) {
            return None;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "}} catch (e) {{\n  console.error(\"{name}:\", e);\n}}\n"
    ));
    Some(out)
}

/// One module running `parts` (name, source) in order, each as [`bundle_part`] makes it, or
/// imported by its versioned name when it cannot be inlined.
pub fn bundle_modules(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut imports = String::new();
    let mut body = String::new();
    for (name, bytes) in parts {
        match bundle_part(name, &String::from_utf8_lossy(bytes)) {
            Some(block) => body.push_str(&block),
            None => {
                let h = blake3::hash(bytes).to_hex();
                imports.push_str(&format!("import \"./{name}?v={}\";\n", &h[..10]));
            }
        }
    }
    (imports + &body).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_blocks_without_exports_or_imported_when_they_cannot_be() {
        let plain = "const x = 1;\nexport function f() { return x; }\nexport const y = 2;\n";
        let imports = "import { a } from \"./a.js\";\na();\n";
        let out = String::from_utf8(bundle_modules(&[
            ("one.js", plain.as_bytes()),
            ("two.js", imports.as_bytes()),
            ("three.js", b"let x = 3;"),
        ]))
        .unwrap();
        let h = blake3::hash(imports.as_bytes()).to_hex();
        assert!(
            out.starts_with(&format!("import \"./two.js?v={}\";\n", &h[..10])),
            "{out}"
        );
        assert!(out.contains("try {\nconst x = 1;\nfunction f() { return x; }\nconst y = 2;\n}"));
        assert!(out.contains("try {\nlet x = 3;\n}"), "{out}");
        assert!(!out.contains("export") && !out.contains("a();"), "{out}");
        // the shipped modules are inlined whole
        for name in SHARED_JS {
            let f = DefaultStatic::get(name).expect("a shipped module");
            let part = bundle_part(name, &String::from_utf8_lossy(&f.data)).expect(name);
            assert!(!part.lines().any(module_syntax), "{name}");
        }
    }
}
