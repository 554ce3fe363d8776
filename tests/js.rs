//! Runs the JavaScript test suite (`node --test tests/js/`) against this build's kb binary:
//! analyzer vectors and search parity with `kb search`, and the browser tests in headless
//! Chromium (search UI, link previews, graphs). `scripts/test.sh` installs what they need.

use std::process::Command;

#[test]
fn javascript_and_browser_tests() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/js/"])
        .current_dir(root)
        .env("KB_BIN", env!("CARGO_BIN_EXE_kb"))
        .output()
        .expect("node is required for the JavaScript tests (see scripts/test.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = stdout.lines().filter(|l| l.starts_with("# ")).collect();
    println!("{}", summary.join("\n"));
    assert!(
        out.status.success(),
        "JavaScript tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
