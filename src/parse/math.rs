//! TeX math to MathML at build time (pulldown-latex), so formulas show without a script:
//! Chromium, Firefox and Safari lay MathML out natively. TeX that does not convert is kept
//! as source and reported.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage};

/// Longest formula converted; a longer one stays source (bounded time and memory).
pub const MAX_TEX_BYTES: usize = 64 * 1024;

/// Deepest `{` nesting converted: the converter's time grows with the square of the depth,
/// and no real formula nests this deep.
pub const MAX_TEX_DEPTH: usize = 128;

/// Whether a formula converts; the parser's first error if not.
pub fn check(tex: &str) -> Result<(), String> {
    if tex.len() > MAX_TEX_BYTES {
        return Err(format!(
            "formula is {} KiB, more than the {} KiB kb converts",
            tex.len() / 1024,
            MAX_TEX_BYTES / 1024
        ));
    }
    let mut depth = 0usize;
    for b in tex.bytes() {
        match b {
            b'{' => {
                depth += 1;
                if depth > MAX_TEX_DEPTH {
                    return Err(format!("braces nest more than {MAX_TEX_DEPTH} deep"));
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let storage = Storage::new();
    match Parser::new(tex, &storage).find_map(Result::err) {
        Some(e) => Err(super::first_line(&e.to_string(), "cannot read the formula")),
        None => Ok(()),
    }
}

/// The MathML of one formula, or the parser's first error.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, String> {
    check(tex)?;
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(tex, &storage).collect();
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(tex),
        ..RenderConfig::default()
    };
    let mut out = String::with_capacity(tex.len() * 8);
    pulldown_latex::push_mathml(&mut out, events.into_iter(), config)
        .map_err(|e| super::first_line(&e.to_string(), "cannot read the formula"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_mathml() {
        let m = to_mathml(r"e^{i\pi} + 1 = 0", false).unwrap();
        assert!(m.starts_with("<math"), "{m}");
        assert!(m.contains("<msup>"), "{m}");
        let d = to_mathml(r"\begin{vmatrix}a & b\\ c & d\end{vmatrix}=ad-bc", true).unwrap();
        assert!(d.contains("display=\"block\""), "{d}");
        assert!(d.contains("<mtable"), "{d}");
    }

    #[test]
    fn bad_tex_is_an_error_not_a_panic() {
        for bad in [
            r"\frac{1}",
            r"x^",
            r"\begin{matrix} a",
            r"\nosuchcommand",
            "}",
            r"\left( x",
        ] {
            assert!(to_mathml(bad, false).is_err(), "{bad}");
        }
        let huge = "x+".repeat(MAX_TEX_BYTES);
        assert!(to_mathml(&huge, true).is_err());
    }
}
