//! `kb init`: create a new knowledge base with a config, a welcome note and override folders,
//! or, in a folder that already holds notes (an Obsidian vault), a config that builds it in place.

use std::path::{Path, PathBuf};

/// Arguments of `kb init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to create the knowledge base in (created if missing; default: current folder).
    pub dir: Option<PathBuf>,
    /// Language of the interface and the welcome note: ko, en or auto (default: ko for a new
    /// knowledge base, auto for existing notes).
    #[arg(long, value_parser = ["ko", "en", "auto"])]
    pub language: Option<String>,
}

const KB_TOML: &str = r#"# kb configuration. Every key is optional; the values below are the defaults.
title = "{title}"
# description = ""
# base_url = "/"            # e.g. "https://me.github.io/kb/" when published under a sub-path
language = "{lang}"          # interface strings: "ko", "en" or "auto" (from the notes' script)
{notes_dir}
# output_dir = "public"
# author = ""
# recent = 10               # entries in the feed and the home page's recent list
# strict = false            # broken links fail the build
# autolink = "first"        # link plain mentions of other notes: "off", "first" or "all"
# max_note_bytes = 16777216  # larger notes are skipped with an error
# search_expansion_budget = 40000  # postings a one-letter or typed-prefix query word may read
# search_result_pack = 0    # result-data slots per search file, 1 to 8 (0: 2 above 8,000 notes, else 1)
# local_graph_depth = 1     # links a note page's local graph reaches (0 leaves it out)
# search = { synonyms = [["몽고", "MongoDB"]] }  # words that find each other when few sections hold a query word
# home = "README.md"        # the note shown on the home page (default: index.md, README.md or Home.md)
# publish = ["assets/"]     # folders published whole, linked or not
# publish_unlinked = false  # publish every file; default: true for notes/, false for a vault in place
# troubleshooting_headings = []  # section names holding fixes, besides 트러블슈팅, Troubleshooting, FAQ, ...
# troubleshooting_patterns = ["headings", "shape", "callouts"]  # what counts as a troubleshooting entry
# strict_troubleshooting = false  # kb check warns about entries without a symptom or a fix
# search_result_pack = 0  # search result data slots per file, 1-8 (0: two above 8,000 notes)
# local_graph_depth = 1  # links a note's local graph reaches (0: none, up to 3)
"#;

const WELCOME_KO: &str = "---\ntitle: 시작하기\ndescription: kb 지식 베이스에 오신 것을 환영합니다\ntags: [kb]\ndate: {date}\n---\n\n이 폴더의 Markdown 노트가 검색 가능한 정적 사이트가 됩니다.\n\n## 노트 쓰기\n\n- `kb new \"Redis\"` 로 새 노트를 만듭니다.\n- `[[노트 이름]]` 으로 다른 노트를 링크하고, `#태그` 로 분류합니다.\n- `kb serve --watch` 로 저장할 때마다 바로 미리 봅니다.\n\n## 게시하기\n\n`kb build` 가 `public/` 에 사이트를 만듭니다. 어떤 정적 호스팅에도 올릴 수 있습니다.\n";
const WELCOME_EN: &str = "---\ntitle: Getting started\ndescription: Welcome to your kb knowledge base\ntags: [kb]\ndate: {date}\n---\n\nEvery Markdown note in this folder becomes part of a searchable static site.\n\n## Writing notes\n\n- `kb new \"Redis\"` creates a note.\n- `[[Note name]]` links another note; `#tag` files it under a tag.\n- `kb serve --watch` previews every save instantly.\n\n## Publishing\n\n`kb build` writes the site to `public/`; upload it to any static host.\n";

/// Runs `kb init`.
pub fn run(args: Args) -> i32 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if dir.join("kb.toml").exists() {
        eprintln!(
            "error: {} already has a kb.toml\n  hint: kb init never overwrites files; pick an empty folder",
            dir.display()
        );
        return super::EXIT_FATAL;
    }
    let title = std::fs::canonicalize(&dir)
        .ok()
        .or_else(|| Some(dir.clone()))
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Knowledge Base".into());
    let in_place = dir.is_dir() && super::is_vault_in_place(&dir, "notes");
    let result = if in_place {
        let lang = args.language.as_deref().unwrap_or("auto");
        write_config(
            &dir,
            &title,
            lang,
            "notes_dir = \".\"          # the notes are in this folder",
        )
    } else {
        create(&dir, &title, args.language.as_deref().unwrap_or("ko"))
    };
    match result {
        Ok(()) if in_place => {
            eprintln!(
                "wrote kb.toml for the notes in {} (built in place; .gitignore ignores public/ and .kb/)\n  next: cd {} && kb serve --watch",
                dir.display(),
                dir.display()
            );
            0
        }
        Ok(()) => {
            eprintln!(
                "created a knowledge base in {}\n  next: cd {} && kb serve --watch",
                dir.display(),
                dir.display()
            );
            0
        }
        Err(e) => {
            eprintln!("error: cannot create the knowledge base: {e}");
            super::EXIT_FATAL
        }
    }
}

/// A new knowledge base: kb.toml, notes/ with a welcome note, empty override folders.
fn create(dir: &Path, title: &str, lang: &str) -> std::io::Result<()> {
    let date = chrono::Local::now().format("%Y-%m-%d").to_string();
    let (welcome_name, welcome) = if lang == "en" {
        ("Getting started.md", WELCOME_EN)
    } else {
        ("시작하기.md", WELCOME_KO)
    };
    std::fs::create_dir_all(dir.join("notes"))?;
    std::fs::create_dir_all(dir.join("templates"))?;
    std::fs::create_dir_all(dir.join("static"))?;
    write_config(dir, title, lang, "# notes_dir = \"notes\"")?;
    let welcome_path = dir.join("notes").join(welcome_name);
    if !welcome_path.exists() {
        std::fs::write(welcome_path, welcome.replace("{date}", &date))?;
    }
    Ok(())
}

/// Writes kb.toml and makes Git ignore kb's output and cache (added to an existing
/// .gitignore that lacks them).
fn write_config(dir: &Path, title: &str, lang: &str, notes_dir: &str) -> std::io::Result<()> {
    std::fs::write(
        dir.join("kb.toml"),
        KB_TOML
            .replace("{title}", &title.replace('"', "'"))
            .replace("{lang}", lang)
            .replace("{notes_dir}", notes_dir),
    )?;
    let gi = dir.join(".gitignore");
    let old = std::fs::read_to_string(&gi).unwrap_or_default();
    let missing: Vec<&str> = ["public/", ".kb/"]
        .into_iter()
        .filter(|l| {
            !old.lines()
                .any(|x| x.trim() == *l || x.trim() == l.trim_end_matches('/'))
        })
        .collect();
    if !missing.is_empty() {
        let mut text = old;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for l in missing {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(gi, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_written_config_names_every_key() {
        for key in crate::config::VALID_KEYS {
            assert!(
                super::KB_TOML
                    .replace("{notes_dir}", "# notes_dir = \"notes\"")
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} ="))),
                "kb init's kb.toml does not mention `{key}`"
            );
        }
    }
}
