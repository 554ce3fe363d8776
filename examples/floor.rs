//! The benchmark floor: a bare pulldown-cmark render and write of every `.md` file under a
//! folder, single-threaded, with no front matter, links, templates or search.
//!
//! `cargo run --release --example floor -- NOTES_DIR OUT_DIR`

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: floor NOTES_DIR OUT_DIR");
        std::process::exit(2);
    }
    let (src, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let _ = std::fs::remove_dir_all(out);
    let mut n = 0usize;
    for e in walkdir::WalkDir::new(src)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !e.file_type().is_file() || e.path().extension().is_none_or(|x| x != "md") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        let mut html = String::with_capacity(text.len() * 2);
        pulldown_cmark::html::push_html(
            &mut html,
            pulldown_cmark::Parser::new_ext(&text, pulldown_cmark::Options::all()),
        );
        let rel = e.path().strip_prefix(src).unwrap().with_extension("");
        let dir = out.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), html).unwrap();
        n += 1;
    }
    eprintln!("floor: rendered {n} files");
}
