//! Mermaid diagrams drawn at build time as inline SVG (merman), so no script ships and they
//! show with JavaScript off, in print and in feeds.
//!
//! Labels are SVG text in the `kb-diagram` font, which the theme serves (`static/fonts/`)
//! and which is measured here from the same glyph data, so a label fits its box in the
//! browser. The page's Content-Security-Policy allows no inline styles: each diagram's
//! `<style>` is dropped and its `style` attributes become presentation attributes; the rules
//! every diagram of a kind shares come from `diagrams.css`, made once from canonical diagrams
//! in the light and the dark theme.

use merman::svg::{
    DeterministicTextMeasurer, MeasurementProfileId, SvgPipeline, TextMeasurementPolicy,
    TextMeasurementProfile, TextMeasurementProfileIdentity, TextStyle,
};
use merman::{
    Engine, MermaidConfig, OperationControl, RenderOutput, RenderRequest, Renderer, SvgEnvironment,
    SvgRequest,
};
use std::sync::OnceLock;

/// The label font, as glyph data for measuring (the browser gets the same subset as WOFF2).
static FONT: &[u8] = include_bytes!("../../assets/fonts/kb-diagram.ttf");

/// The family the theme's `@font-face` gives the label font.
pub const FONT_FAMILY: &str = "kb-diagram";

/// Longest diagram source drawn; longer ones stay code (merman has its own limits below it).
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// How long one diagram may take to lay out.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// Width of `text` in the label font at `style`'s size, kerning included.
fn text_width(text: &str, style: &TextStyle) -> f64 {
    static FACE: OnceLock<Option<ttf_parser::Face<'static>>> = OnceLock::new();
    let Some(face) = FACE.get_or_init(|| ttf_parser::Face::parse(FONT, 0).ok()) else {
        return text.chars().count() as f64 * style.font_size * 0.6;
    };
    let upem = f64::from(face.units_per_em().max(1));
    let mut units = 0f64;
    let mut prev: Option<ttf_parser::GlyphId> = None;
    for c in text.chars() {
        let g = face.glyph_index(c);
        units += match g {
            Some(g) => f64::from(face.glyph_hor_advance(g).unwrap_or(0)),
            // the browser draws a missing character from a fallback font: about an em
            None => upem,
        };
        if let (Some(a), Some(b), Some(kern)) = (prev, g, face.tables().kern) {
            for t in kern
                .subtables
                .into_iter()
                .filter(|t| t.horizontal && !t.variable)
            {
                if let Some(k) = t.glyphs_kerning(a, b) {
                    units += f64::from(k);
                    break;
                }
            }
        }
        prev = g;
    }
    units / upem * style.font_size.max(1.0)
}

fn renderer(dark: bool) -> &'static Renderer {
    static LIGHT: OnceLock<Renderer> = OnceLock::new();
    static DARK: OnceLock<Renderer> = OnceLock::new();
    let make = || {
        let config = MermaidConfig::from_value(serde_json::json!({
            "theme": if dark { "dark" } else { "default" },
            "fontFamily": format!("{FONT_FAMILY}, sans-serif"),
            "htmlLabels": false,
            "flowchart": { "htmlLabels": false },
            "securityLevel": "strict",
        }));
        Renderer::new()
            .with_engine(Engine::new().with_site_config(config))
            .with_parse_options(merman::ParseOptions::strict())
    };
    if dark {
        DARK.get_or_init(make)
    } else {
        LIGHT.get_or_init(make)
    }
}

fn request(id_prefix: &str) -> SvgRequest {
    let measurer = DeterministicTextMeasurer::default().with_width_callback(text_width);
    let identity = TextMeasurementProfileIdentity::new(
        MeasurementProfileId::new("kb.diagram-font").expect("a valid profile id"),
        "1:KBDiagram-Regular".to_string(),
    )
    .expect("a valid profile identity");
    let policy = TextMeasurementPolicy::uniform(TextMeasurementProfile::new(identity, measurer));
    SvgRequest {
        environment: SvgEnvironment::deterministic().with_text_measurement_policy(policy),
        pipeline: Some(
            SvgPipeline::resvg_safe()
                .with_drop_native_duplicate_fallbacks(true)
                .with_rebased_ids(id_prefix),
        ),
        ..SvgRequest::default()
    }
}

/// Runs merman on `src` within kb's size limit and deadline, a panic in it reported as an error.
fn run(
    src: &str,
    dark: bool,
    request: impl FnOnce(&str, OperationControl) -> RenderRequest<'_>,
) -> Result<RenderOutput, String> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "diagram is {} KiB, more than the {} KiB kb draws",
            src.len() / 1024,
            MAX_SOURCE_BYTES / 1024
        ));
    }
    let control = OperationControl::new().with_deadline(DEADLINE);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        renderer(dark).render(request(src, control))
    }))
    .map_err(|_| "the diagram renderer failed on this diagram".to_string())?
    .map_err(|e| super::first_line(&e.to_string(), "cannot read the diagram"))
}

/// Draws merman's SVG for `src`, still with its `<style>`.
fn raw_svg(src: &str, id_prefix: &str, dark: bool) -> Result<String, String> {
    let out = run(src, dark, |src, control| {
        RenderRequest::svg(src, control, request(id_prefix))
    })?;
    match out {
        RenderOutput::Svg(Some(svg)) => Ok(svg.svg().to_string()),
        _ => Err("not a Mermaid diagram this version draws".into()),
    }
}

/// Whether `src` parses as a Mermaid diagram (cheap: no layout); the parser's message if not.
pub fn check(src: &str) -> Result<(), String> {
    run(src, false, |src, control| {
        RenderRequest::semantic(src, control)
    })
    .map(|_| ())
}

/// Draws one diagram: SVG without inline styles, scoped for `diagrams.css`.
pub fn render(src: &str) -> Result<String, String> {
    let id = format!("kbd-{}", &blake3::hash(src.as_bytes()).to_hex()[..10]);
    let raw = raw_svg(src, &id, false)?;
    let (svg, _css, _kind) = split_style(&raw);
    Ok(inline_styles(&natural_width(&svg)))
}

/// Splits the `<style>` element off an SVG and marks its root for the shared stylesheet:
/// returns the SVG, its CSS with the root's id written as the kind's selector, and the kind.
fn split_style(svg: &str) -> (String, String, String) {
    let kind = attr(svg, "aria-roledescription").unwrap_or_default();
    let root_id = attr(svg, "id").unwrap_or_default();
    let (mut out, css) = match (svg.find("<style"), svg.find("</style>")) {
        (Some(a), Some(b)) if a < b => {
            let body_start = svg[a..].find('>').map(|k| a + k + 1).unwrap_or(b);
            let css = svg[body_start..b].to_string();
            (
                format!("{}{}", &svg[..a], &svg[b + "</style>".len()..]),
                css,
            )
        }
        _ => (svg.to_string(), String::new()),
    };
    let scope = format!(".kb-mermaid[data-kind=\"{}\"]", css_escape(&kind));
    let css = if root_id.is_empty() {
        css
    } else {
        css.replace(&format!("#{root_id}"), &scope)
    };
    // the root: kb's class and the kind, which the shared stylesheet selects on
    if let Some(end) = out.find('>') {
        let mut head = out[..end].to_string();
        let classes = attr(&head, "class").unwrap_or_default();
        head = head.replacen(&format!(" class=\"{classes}\""), "", 1);
        head = head.replacen(
            "<svg ",
            &format!(
                "<svg class=\"kb-mermaid {}\" data-kind=\"{}\" ",
                esc_attr(&classes),
                esc_attr(&kind)
            ),
            1,
        );
        out = format!("{head}{}", &out[end..]);
    }
    (out, css, kind)
}

fn css_escape(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Escapes an attribute value (merman's own class and kind names; the parse stage does not
/// reach into render for its escaper).
fn esc_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The value of the first `name="..."` attribute in `s`.
fn attr(s: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = s.find(&key)? + key.len();
    let end = s[at..].find('"')?;
    Some(s[at..at + end].to_string())
}

/// Gives the root its natural width (Mermaid's `max-width` style) instead of `100%`, so a small
/// diagram is not blown up; the theme's CSS still shrinks a wide one to the column.
fn natural_width(svg: &str) -> String {
    let Some(end) = svg.find('>') else {
        return svg.to_string();
    };
    let head = &svg[..end];
    let Some(w) = attr(head, "style").and_then(|st| {
        st.split(';').find_map(|d| {
            let (k, v) = d.split_once(':')?;
            (k.trim() == "max-width").then(|| v.trim().trim_end_matches("px").trim().to_string())
        })
    }) else {
        return svg.to_string();
    };
    if w.parse::<f64>().is_err() {
        return svg.to_string();
    }
    let head = head.replacen(" width=\"100%\"", &format!(" width=\"{w}\""), 1);
    format!("{head}{}", &svg[end..])
}

/// SVG properties a `style` attribute may carry that are also presentation attributes.
const PRESENTATION: &[&str] = &[
    "fill",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-opacity",
    "fill-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "color",
    "display",
    "visibility",
];

/// Rewrites every `style="a: b; c: d"` as presentation attributes (`a="b" c="d"`), which the
/// CSP allows; properties SVG has no attribute for are dropped, the root's `max-width` included
/// (the theme's CSS sizes diagrams).
fn inline_styles(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(" style=\"") {
        out.push_str(&rest[..at]);
        let body_start = at + " style=\"".len();
        let Some(len) = rest[body_start..].find('"') else {
            rest = &rest[at..];
            break;
        };
        let body = &rest[body_start..body_start + len];
        let tag_so_far = out[out.rfind('<').unwrap_or(0)..].to_string();
        for decl in body.split(';') {
            let Some((k, v)) = decl.split_once(':') else {
                continue;
            };
            let (k, v) = (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_end_matches("!important").trim(),
            );
            if PRESENTATION.contains(&k.as_str())
                && !v.is_empty()
                && !v.contains(['"', '<', '>', '&'])
                && !tag_so_far.contains(&format!(" {k}=\""))
            {
                out.push_str(&format!(" {k}=\"{v}\""));
            }
        }
        rest = &rest[body_start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// One small diagram of every kind kb draws, for the shared stylesheet.
const CANONICAL: &[&str] = &[
    "flowchart TD\nA-->B",
    "graph LR\nA-->B",
    "sequenceDiagram\nA->>B: x",
    "stateDiagram-v2\n[*] --> A",
    "stateDiagram\n[*] --> A",
    "classDiagram\nclass A",
    "erDiagram\nA ||--o{ B : x",
    "gantt\ndateFormat YYYY-MM-DD\nsection S\nT :a, 2024-01-01, 1d",
    "pie\n\"a\" : 1",
    "mindmap\n  root\n    a",
    "timeline\n  2024 : a",
    "journey\n  section S\n    a: 5: Me",
    "quadrantChart\n  x-axis a --> b\n  y-axis c --> d\n  A: [0.3, 0.6]",
    "xychart-beta\n  x-axis [a, b]\n  bar [1, 2]",
    "requirementDiagram\n  requirement r {\n  id: 1\n  text: t\n  }",
];

/// The stylesheet every diagram on the site uses: each kind's rules in the light theme, and
/// in the dark theme under the theme's dark selectors.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let mut light = String::new();
        let mut dark = String::new();
        let mut seen = std::collections::HashSet::new();
        for src in CANONICAL {
            for (is_dark, out) in [(false, &mut light), (true, &mut dark)] {
                let Ok(raw) = raw_svg(src, "kbc", is_dark) else { continue };
                let (_, css, kind) = split_style(&raw);
                if seen.insert((is_dark, kind)) {
                    out.push_str(&css);
                    out.push('\n');
                }
            }
        }
        let dark_scoped = scope_rules(&dark, ":root[data-theme=\"dark\"] ");
        let dark_media = scope_rules(&dark, ":root:not([data-theme=\"light\"]) ");
        format!(
            "/* Mermaid diagrams (merman), light theme */\n{light}\n/* dark theme */\n{dark_scoped}\n@media (prefers-color-scheme: dark) {{\n{dark_media}\n}}\n"
        )
    })
}

/// Prefixes every selector of every rule in `css` (top-level rules; at-rules kept as they are).
fn scope_rules(css: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let selectors = rest[..open].trim();
        let Some(close) = matching_brace(rest, open) else {
            break;
        };
        let body = &rest[open..=close];
        if selectors.starts_with('@') {
            out.push_str(selectors);
            out.push_str(body);
        } else {
            let scoped: Vec<String> = selectors
                .split(',')
                .map(|s| format!("{prefix}{}", s.trim()))
                .collect();
            out.push_str(&scoped.join(","));
            out.push_str(body);
        }
        out.push('\n');
        rest = &rest[close + 1..];
    }
    out
}

fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flowchart_is_svg_without_inline_styles() {
        let d = render(
            "flowchart TD\n  A[시작 Start] --> B{Redis를 쓸까?}\n  B -->|예| C[Celery 브로커]\n",
        )
        .unwrap();
        assert!(
            d.starts_with("<svg class=\"kb-mermaid flowchart\""),
            "{}",
            &d[..200]
        );
        assert!(!d.contains("<style") && !d.contains(" style=\""), "{}", d);
        assert!(!d.contains("<foreignObject"));
        // labels are SVG text (a word per tspan where merman wraps)
        for word in ["Redis를", "쓸까?", "Celery", "브로커", "시작"] {
            assert!(d.contains(word), "{word}: {d}");
        }
    }

    #[test]
    fn every_canonical_kind_renders_in_both_themes() {
        for src in CANONICAL {
            for dark in [false, true] {
                let svg = raw_svg(src, "x", dark).unwrap_or_else(|e| panic!("{src:?}: {e}"));
                assert!(attr(&svg, "aria-roledescription").is_some(), "{src:?}");
            }
        }
    }

    #[test]
    fn hostile_diagrams_end_in_bounded_time() {
        let many: String = "flowchart TD\n".to_string()
            + &(0..10_000)
                .map(|i| format!("n{i}-->n{}\n", i + 1))
                .collect::<String>();
        let deep: String = "flowchart TD\n".to_string()
            + &(0..2_000)
                .map(|i| format!("subgraph s{i}\n"))
                .collect::<String>()
            + "a-->b\n"
            + &"end\n".repeat(2_000);
        let wide = format!("flowchart TD\nA[{}]\n", "가".repeat(100_000));
        for (name, src) in [
            ("10k nodes", many),
            ("2k nested subgraphs", deep),
            ("one huge label", wide),
        ] {
            let t = std::time::Instant::now();
            let _ = check(&src);
            let _ = render(&src);
            let took = t.elapsed();
            eprintln!("{name}: {took:?}");
            // a hang guard, not a speed target (bench_diagrams.sh measures speed)
            assert!(took < DEADLINE * 10, "{name} took {took:?}");
        }
    }

    #[test]
    fn labels_are_measured_with_the_label_font() {
        let style = TextStyle {
            font_size: 10.0,
            ..TextStyle::default()
        };
        // every Hangul syllable of the font is 940 units wide at 1000 units per em
        assert!((text_width("가나", &style) - 18.8).abs() < 1e-9);
        assert!(
            text_width("AV", &style) < text_width("A", &style) * 2.0,
            "kerning applies"
        );
    }

    #[test]
    fn the_stylesheet_covers_the_kinds() {
        let css = stylesheet();
        for kind in [
            "flowchart-v2",
            "sequence",
            "stateDiagram",
            "classDiagram",
            "er",
            "gantt",
            "pie",
        ] {
            assert!(css.contains(&format!("data-kind=\"{kind}\"")), "{kind}");
        }
        assert!(css.contains(":root[data-theme=\"dark\"] .kb-mermaid"));
    }

    #[test]
    fn bad_diagrams_are_errors_not_panics() {
        for bad in [
            "flowchart TD\n  A[unclosed",
            "sequenceDiagram\n  A->>",
            "nonsense",
            "",
            "graph\n%%{init: {\"theme\": }}%%",
        ] {
            let _ = render(bad);
        }
        assert!(render("flowchart TD\n  A[unclosed").is_err());
        assert!(check("flowchart TD\n  A[unclosed").is_err());
        assert!(check("flowchart TD\n  A --> B").is_ok());
        let huge = "flowchart TD\n".to_string() + &"A-->B\n".repeat(MAX_SOURCE_BYTES / 6 + 1);
        assert!(render(&huge).is_err());
    }
}
