//! `kb new`: create a note from a template with front matter and a section skeleton.

use std::path::PathBuf;

/// Arguments of `kb new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Title of the note; also its file name.
    pub title: String,
    /// Folder under notes/ to put it in (created if missing).
    #[arg(long, short = 'f', value_name = "FOLDER")]
    pub folder: Option<String>,
    /// Tags for the front matter (repeatable).
    #[arg(long, short = 't', value_name = "TAG")]
    pub tag: Vec<String>,
    /// Knowledge base root.
    #[arg(long, short = 'r', value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Characters that cannot appear in a portable file name or would break wikilinks.
fn file_name(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if matches!(
                c,
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '#' | '^' | '[' | ']'
            ) || c.is_control()
            {
                ' '
            } else {
                c
            }
        })
        .collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.trim_start_matches('.').trim().to_string();
    if s.is_empty() { "untitled".into() } else { s }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The text of a new note.
pub fn skeleton(title: &str, tags: &[String], lang: &str, date: &str) -> String {
    let tags = tags
        .iter()
        .map(|t| yaml_str(t.trim_start_matches('#')))
        .collect::<Vec<_>>()
        .join(", ");
    let sections: &[&str] = if lang == "en" {
        &[
            "Concept",
            "Key components",
            "Usage",
            "Comparison",
            "Troubleshooting",
            "Related notes",
        ]
    } else {
        &[
            "개념",
            "핵심 구성요소",
            "사용 예시",
            "비교",
            "트러블슈팅",
            "관련 노트",
        ]
    };
    let mut s = format!(
        "---\ntitle: {}\ndescription: \"\"\ntags: [{tags}]\naliases: []\ndate: {date}\nupdated: {date}\n---\n\n",
        yaml_str(title)
    );
    for sec in sections {
        s.push_str(&format!("## {sec}\n\n"));
    }
    s
}

/// Runs `kb new`.
pub fn run(args: Args) -> i32 {
    let root = super::root_or_cwd(args.root.clone());
    let mut config = match super::load_config(&root) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !config.notes_dir_set && super::is_vault_in_place(&root, &config.notes_dir) {
        config.notes_dir = ".".into();
    }
    let mut dir = root.join(&config.notes_dir);
    if let Some(f) = &args.folder {
        for seg in f
            .split('/')
            .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        {
            dir.push(file_name(seg));
        }
    }
    let path = dir.join(format!("{}.md", file_name(&args.title)));
    if path.exists() {
        eprintln!(
            "error: {} already exists\n  hint: kb new never overwrites a note; choose another title",
            path.display()
        );
        return super::EXIT_FATAL;
    }
    let date = chrono::Local::now().format("%Y-%m-%d").to_string();
    let lang = if config.language == "auto" {
        // the language of the notes already there: the first few hundred are enough (a full
        // load would also read every note's Git history)
        let notes_dir = root.join(&config.notes_dir);
        let texts: Vec<String> = walkdir::WalkDir::new(&notes_dir)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !crate::load::is_hidden(e.file_name()))
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && crate::load::is_note_path(e.path()))
            .take(300)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect();
        crate::pipeline::detect_language(texts.iter().map(String::as_str)).to_string()
    } else {
        config.language.clone()
    };
    let text = skeleton(&args.title, &args.tag, &lang, &date);
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, text)) {
        Ok(()) => {
            println!("{}", path.display());
            0
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            super::EXIT_FATAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_file_names() {
        assert_eq!(file_name("Kafka"), "Kafka");
        assert_eq!(file_name("a/b: c?"), "a b c");
        assert_eq!(file_name("../x"), "x");
        assert_eq!(file_name("///"), "untitled");
    }

    #[test]
    fn skeleton_parses_back() {
        let s = skeleton("Kafka \"x\"", &["streaming".into()], "ko", "2024-01-01");
        let (n, d) = crate::load::note_from_bytes(
            "n/a.md",
            "a.md".into(),
            PathBuf::new(),
            s.into_bytes(),
            None,
        );
        assert!(d.is_empty(), "{d:?}");
        let n = n.unwrap();
        assert_eq!(n.front.title.as_deref(), Some("Kafka \"x\""));
        assert_eq!(n.front.tags, vec!["streaming"]);
    }
}
