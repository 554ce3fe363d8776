//! The import rule of docs/architecture.md: the model at the bottom imports nothing of kb, and
//! each stage imports only the model and the stages before it.

use std::path::Path;

/// Layer of each module a stage may be in; the driver, the dev server and the commands
/// (absent here) may import anything.
const LAYERS: &[(&str, usize)] = &[
    ("site", 0),
    ("progress", 0),
    ("load", 1),
    ("parse", 2),
    ("link", 3),
    ("search", 4),
    ("render", 5),
    ("write", 6),
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// The `crate::` modules a source text names outside comments (its tests included: a stage's
/// tests build what they need from the model and earlier stages too).
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let name: String = rest[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((n + 1, name));
            rest = &rest[i + 7..];
        }
    }
    out
}

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn stages_import_only_the_model_and_earlier_stages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs");
        let Some(mine) = layer(module) else { continue };
        let text = std::fs::read_to_string(f).unwrap();
        for (line, target) in imports(&text) {
            let target = match target.as_str() {
                "config" | "diag" => "site",
                t => t,
            };
            let ok = target == module || layer(target).is_some_and(|l| l < mine);
            if !ok {
                wrong.push(format!("src/{rel}:{line}: `{module}` imports `{target}`"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_check_sees_imports() {
    let text = "use crate::render::Sink;\n// crate::pipeline in a comment\nfn f() { crate::site::text::esc(\"\"); }\n#[cfg(test)]\nmod tests { use crate::pipeline; }\n";
    let names: Vec<String> = imports(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["render", "site", "pipeline"]);
}
