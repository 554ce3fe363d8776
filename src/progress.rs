//! One updating terminal line while a long build runs: the stage and the notes done of total.
//! It appears only on a terminal, after about a second (short builds print nothing new), and
//! never when stderr is piped, with `--quiet` or with `TERM=dumb`; it is cleared before the
//! summary line.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// How long a build runs before the line appears (`KB_PROGRESS_DELAY_MS` overrides it, for
/// tests).
fn delay() -> Duration {
    std::env::var("KB_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

/// Starts the line for this process, unless `quiet` or stderr is not a capable terminal.
pub fn start(quiet: bool) {
    let capable = std::io::stderr().is_terminal()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
        && std::env::var_os("KB_TIMINGS").is_none();
    if quiet || !capable {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{msg:>8} {wide_bar:.cyan/blue} {pos}/{len} notes  {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if BAR.set(bar.clone()).is_err() {
        return;
    }
    let wait = delay();
    std::thread::spawn(move || {
        std::thread::sleep(wait);
        if !bar.is_finished() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    });
}

/// A new stage over `total` notes.
pub fn stage(name: &str, total: usize) {
    if let Some(b) = BAR.get() {
        b.set_message(name.to_string());
        b.set_length(total as u64);
        b.set_position(0);
    }
}

/// `n` more notes done in the current stage.
pub fn inc(n: usize) {
    if let Some(b) = BAR.get() {
        b.inc(n as u64);
    }
}

/// Clears the line (before the summary is printed).
pub fn finish() {
    if let Some(b) = BAR.get() {
        b.finish_and_clear();
    }
}

/// Prints how long a stage took, and the resident and peak memory after it (Linux), when
/// `KB_TIMINGS` is set (used by the benchmark script).
pub fn timing(stage: &str, start: std::time::Instant) {
    if std::env::var_os("KB_TIMINGS").is_some() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let mib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map(|kib| format!("{:>5} MiB", kib / 1024))
                .unwrap_or_default()
        };
        eprintln!(
            "timing: {stage:<10} {:>8.1} ms   rss {}  peak {}",
            start.elapsed().as_secs_f64() * 1000.0,
            mib("VmRSS:"),
            mib("VmHWM:")
        );
    }
}
