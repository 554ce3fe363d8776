//! The `kb` command line: clap definitions only; each command lives in `kb::cmd`.

use clap::{Parser, Subcommand};
use kb::cmd;

/// mimalloc instead of glibc malloc: a build allocates and frees many small strings on several
/// threads, where glibc's arenas spent about 15 % of the CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// kb turns a folder of Markdown notes into a fast, cross-linked, searchable static site.
#[derive(Parser)]
#[command(name = "kb", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a knowledge base: kb.toml, notes/ with a welcome note, templates/, static/, .gitignore.
    Init(cmd::init::Args),
    /// Create a note from a template (front matter and section skeleton).
    New(cmd::new::Args),
    /// Build the site into public/ (replaced atomically).
    Build(cmd::build::Args),
    /// Report broken links, anchors and embeds, ambiguous names, cycles and orphans.
    Check(cmd::check::Args),
    /// Search the notes from the terminal (Korean and English).
    Search(cmd::search::Args),
    /// Serve the site locally; with --watch, rebuild and live-reload on every save.
    Serve(cmd::serve::Args),
}

fn main() {
    kb::pipeline::tune_allocator();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Init(a) => cmd::init::run(a),
        Command::New(a) => cmd::new::run(a),
        Command::Build(a) => cmd::build::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Search(a) => cmd::search::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    std::process::exit(code);
}
