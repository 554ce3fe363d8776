//! `kb init`: create a new knowledge base with a config, a welcome note and override folders.

use std::path::PathBuf;

/// Arguments of `kb init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to create the knowledge base in (created if missing; default: current folder).
    pub dir: Option<PathBuf>,
    /// Language of the interface and the welcome note: ko or en.
    #[arg(long, default_value = "ko", value_parser = ["ko", "en"])]
    pub language: String,
}

const KB_TOML: &str = r#"# kb configuration. Every key is optional; the values below are the defaults.
title = "{title}"
# description = ""
# base_url = "/"            # e.g. "https://me.github.io/kb/" when published under a sub-path
language = "{lang}"          # interface strings: "ko" or "en"
# notes_dir = "notes"
# output_dir = "public"
# author = ""
# recent = 10               # entries in the feed and the home page's recent list
# strict = false            # broken links fail the build
# autolink = "first"        # link plain mentions of other notes: "off", "first" or "all"
# max_note_bytes = 16777216  # larger notes are skipped with an error
# search_expansion_budget = 40000  # postings a one-letter or typed-prefix query word may read
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
    let date = chrono::Local::now().format("%Y-%m-%d").to_string();
    let welcome_name = if args.language == "en" {
        "Getting started.md"
    } else {
        "시작하기.md"
    };
    let welcome = if args.language == "en" {
        WELCOME_EN
    } else {
        WELCOME_KO
    }
    .replace("{date}", &date);
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("notes"))?;
        std::fs::create_dir_all(dir.join("templates"))?;
        std::fs::create_dir_all(dir.join("static"))?;
        std::fs::write(
            dir.join("kb.toml"),
            KB_TOML
                .replace("{title}", &title.replace('"', "'"))
                .replace("{lang}", &args.language),
        )?;
        let welcome_path = dir.join("notes").join(welcome_name);
        if !welcome_path.exists() {
            std::fs::write(welcome_path, welcome)?;
        }
        let gi = dir.join(".gitignore");
        if !gi.exists() {
            std::fs::write(gi, "public/\n.kb/\n")?;
        }
        Ok(())
    })();
    match result {
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_written_config_names_every_key() {
        for key in crate::config::VALID_KEYS {
            assert!(
                super::KB_TOML
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} ="))),
                "kb init's kb.toml does not mention `{key}`"
            );
        }
    }
}
