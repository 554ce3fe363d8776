//! Rules of the code base that a compiler does not check: no function in `src/` is longer than
//! `MAX_FN_LINES` lines, counted from its `fn` line to its closing brace (test functions too).

use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 150;

#[test]
fn no_function_in_src_is_over_the_line_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(!files.is_empty(), "no .rs files under src/");
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for f in functions(&text) {
            if f.lines > MAX_FN_LINES {
                long.push(format!(
                    "{rel}:{}: fn {} is {} lines (max {MAX_FN_LINES})",
                    f.line, f.name, f.lines
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions longer than {MAX_FN_LINES} lines; split them into named steps:\n{}",
        long.join("\n")
    );
}

/// Every `.rs` file under `dir`, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A function with a body, found in Rust source.
#[derive(Debug, PartialEq)]
struct Function {
    name: String,
    /// 1-based line of its `fn` keyword.
    line: usize,
    /// Lines from the `fn` line to the line of its closing brace, both included.
    lines: usize,
}

/// The functions with a body in `src` (declarations ending in `;` have none), nested ones
/// included.
fn functions(src: &str) -> Vec<Function> {
    let code = blank_literals_and_comments(src);
    let b = code.as_bytes();
    let line_of = |at: usize| code[..at].bytes().filter(|&c| c == b'\n').count() + 1;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = code[i..].find("fn") {
        let at = i + k;
        i = at + 2;
        let before_ok = at == 0 || !is_ident(b[at - 1]);
        let after_ok = b.get(at + 2).is_some_and(|c| c.is_ascii_whitespace());
        if !before_ok || !after_ok {
            continue;
        }
        let name_start = at + 2 + code[at + 2..].len() - code[at + 2..].trim_start().len();
        let name_end = name_start
            + code[name_start..]
                .bytes()
                .take_while(|&c| is_ident(c))
                .count();
        // `fn(` is a function pointer type; `fn $name` is inside a macro
        if name_end == name_start || b[name_start].is_ascii_digit() {
            continue;
        }
        let Some(open) = body_start(b, name_end) else {
            continue;
        };
        let Some(close) = matching_brace(b, open) else {
            continue;
        };
        let line = line_of(at);
        out.push(Function {
            name: code[name_start..name_end].to_string(),
            line,
            lines: line_of(close) - line + 1,
        });
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The `{` opening the body of a function whose signature continues at `from`, or `None` for a
/// declaration without a body (`;` outside parentheses and brackets comes first).
fn body_start(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in b.iter().enumerate().skip(from) {
        match c {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => return None,
            b'{' if depth == 0 => return Some(k),
            _ => {}
        }
    }
    None
}

/// The `}` closing the `{` at `open`.
fn matching_brace(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// `src` with the contents of comments, strings (raw and byte ones too) and character
/// literals replaced by spaces, line breaks kept, so braces and `fn` in them do not count.
fn blank_literals_and_comments(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, chars: &[char]| {
        for &c in chars {
            out.push(if c == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < s.len() {
        let end = match s[i] {
            '/' if s.get(i + 1) == Some(&'/') => {
                let mut e = i;
                while e < s.len() && s[e] != '\n' {
                    e += 1;
                }
                e
            }
            '/' if s.get(i + 1) == Some(&'*') => block_comment_end(&s, i),
            '"' => string_end(&s, i + 1),
            'r' | 'b' | 'c' if raw_string_at(&s, i).is_some() => raw_string_at(&s, i).unwrap(),
            '\'' => match char_literal_end(&s, i) {
                Some(e) => e,
                None => {
                    // a lifetime or a label
                    out.push('\'');
                    i += 1;
                    continue;
                }
            },
            c if c.is_alphanumeric() || c == '_' => {
                // a whole identifier, so the `r` of `for` or `b` of `tab` never starts a literal
                let mut e = i;
                while e < s.len() && (s[e].is_alphanumeric() || s[e] == '_') {
                    e += 1;
                }
                out.extend(&s[i..e]);
                i = e;
                continue;
            }
            c => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        blank(&mut out, &s[i..end]);
        i = end;
    }
    out
}

/// The index after the `*/` closing the (possibly nested) block comment at `start`.
fn block_comment_end(s: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut k = start;
    while k + 1 < s.len() {
        if s[k] == '/' && s[k + 1] == '*' {
            depth += 1;
            k += 2;
        } else if s[k] == '*' && s[k + 1] == '/' {
            depth -= 1;
            k += 2;
            if depth == 0 {
                return k;
            }
        } else {
            k += 1;
        }
    }
    s.len()
}

/// The index after the `"` closing a string whose contents start at `from`.
fn string_end(s: &[char], from: usize) -> usize {
    let mut k = from;
    while k < s.len() {
        match s[k] {
            '\\' => k += 2,
            '"' => return k + 1,
            _ => k += 1,
        }
    }
    s.len()
}

/// For a raw string (`r"…"`, `r#"…"#`, `br"…"`, `cr#"…"#`) starting at `i`, the index after it.
fn raw_string_at(s: &[char], i: usize) -> Option<usize> {
    let mut k = i;
    if matches!(s[k], 'b' | 'c') && s.get(k + 1) == Some(&'r') {
        k += 1;
    }
    if s[k] != 'r' {
        return None;
    }
    k += 1;
    let hashes = s[k..].iter().take_while(|&&c| c == '#').count();
    k += hashes;
    if s.get(k) != Some(&'"') {
        return None;
    }
    k += 1;
    while k < s.len() {
        if s[k] == '"'
            && s[k + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(s.len())
}

/// For a character literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'\''`) starting at `i`, the index
/// after it; `None` for a lifetime or a label (`'a`, `'static`, `'outer:`).
fn char_literal_end(s: &[char], i: usize) -> Option<usize> {
    match s.get(i + 1)? {
        '\\' => {
            let mut k = i + 3;
            while k < s.len() && s[k] != '\'' {
                k += 1;
            }
            Some(k + 1)
        }
        _ if s.get(i + 2) == Some(&'\'') => Some(i + 3),
        _ => None,
    }
}

#[cfg(test)]
mod scanner {
    use super::*;

    fn found(src: &str) -> Vec<(String, usize, usize)> {
        functions(src)
            .into_iter()
            .map(|f| (f.name, f.line, f.lines))
            .collect()
    }

    #[test]
    fn counts_from_fn_line_to_closing_brace() {
        let src = "/// doc\n#[inline]\npub fn a(x: [u8; 4]) -> u8 {\n    x[0]\n}\nfn b() {}\n";
        assert_eq!(
            found(src),
            vec![("a".to_string(), 3, 3), ("b".to_string(), 6, 1)]
        );
    }

    #[test]
    fn braces_in_literals_and_comments_do_not_count() {
        let src = r####"fn a() {
    let s = "}";
    let c = '}';
    let e = '\'';
    let u = '\u{7d}';
    let r = r#"} "fn x() {" "#;
    let b = br##"}"# }"##;
    // }
    /* } /* nested } */ } */
    let l: &'static str = "a\"}";
    'outer: loop { break 'outer; }
}
fn b<'a>(x: &'a str) -> &'a str { x }
"####;
        assert_eq!(
            found(src),
            vec![("a".to_string(), 1, 12), ("b".to_string(), 13, 1)]
        );
    }

    #[test]
    fn declarations_pointer_types_and_nested_functions() {
        let src = "trait T {\n    fn d(&self);\n}\nfn outer(f: fn(u8) -> u8) -> u8 {\n    fn inner() {\n    }\n    f(1)\n}\nfn sig()\nwhere\n    u8: Copy,\n{\n}\n";
        assert_eq!(
            found(src),
            vec![
                ("outer".to_string(), 4, 5),
                ("inner".to_string(), 5, 2),
                ("sig".to_string(), 9, 5)
            ]
        );
    }

    #[test]
    fn identifiers_ending_in_r_or_b_are_not_raw_strings() {
        let src = "fn a() {\n    for\"x\".len();\n    let tab = 1; let r = tab;\n    b\"}\";\n}\n";
        assert_eq!(found(src), vec![("a".to_string(), 1, 5)]);
    }
}
