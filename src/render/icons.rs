//! Callout icons as inline SVG, so they show on any machine (no emoji font needed) and take
//! the callout's colour through `currentColor`. The shapes are Lucide's (lucide-static 0.460.0),
//! the set Obsidian uses, with Obsidian's choice of icon per callout type.
//!
//! Lucide's licence (ISC): Copyright (c) for portions of Lucide are held by Cole Bemis 2013-2022
//! as part of Feather (MIT). All other copyright (c) for Lucide are held by Lucide Contributors
//! 2022. Permission to use, copy, modify, and/or distribute this software for any purpose with
//! or without fee is hereby granted, provided that the above copyright notice and this
//! permission notice appear in all copies. THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR
//! DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
//! MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT,
//! INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA
//! OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING
//! OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

/// Lucide icon bodies by name (the children of a 24x24 `<svg>`).
const SHAPES: &[(&str, &str)] = &[
    (
        "pencil",
        r#"<path d="M21.174 6.812a1 1 0 0 0-3.986-3.987L3.842 16.174a2 2 0 0 0-.5.83l-1.321 4.352a.5.5 0 0 0 .623.622l4.353-1.32a2 2 0 0 0 .83-.497z"/><path d="m15 5 4 4"/>"#,
    ),
    (
        "clipboard-list",
        r#"<rect width="8" height="4" x="8" y="2" rx="1" ry="1"/><path d="M16 4h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2"/><path d="M12 11h4"/><path d="M12 16h4"/><path d="M8 11h.01"/><path d="M8 16h.01"/>"#,
    ),
    (
        "info",
        r#"<circle cx="12" cy="12" r="10"/><path d="M12 16v-4"/><path d="M12 8h.01"/>"#,
    ),
    (
        "circle-check",
        r#"<circle cx="12" cy="12" r="10"/><path d="m9 12 2 2 4-4"/>"#,
    ),
    (
        "flame",
        r#"<path d="M8.5 14.5A2.5 2.5 0 0 0 11 12c0-1.38-.5-2-1-3-1.072-2.143-.224-4.054 2-6 .5 2.5 2 4.9 4 6.5 2 1.6 3 3.5 3 5.5a7 7 0 1 1-14 0c0-1.153.433-2.294 1-3a2.5 2.5 0 0 0 2.5 2.5z"/>"#,
    ),
    ("check", r#"<path d="M20 6 9 17l-5-5"/>"#),
    (
        "circle-help",
        r#"<circle cx="12" cy="12" r="10"/><path d="M9.09 9a3 3 0 0 1 5.83 1c0 2-3 3-3 3"/><path d="M12 17h.01"/>"#,
    ),
    (
        "triangle-alert",
        r#"<path d="m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3"/><path d="M12 9v4"/><path d="M12 17h.01"/>"#,
    ),
    ("x", r#"<path d="M18 6 6 18"/><path d="m6 6 12 12"/>"#),
    (
        "zap",
        r#"<path d="M4 14a1 1 0 0 1-.78-1.63l9.9-10.2a.5.5 0 0 1 .86.46l-1.92 6.02A1 1 0 0 0 13 10h7a1 1 0 0 1 .78 1.63l-9.9 10.2a.5.5 0 0 1-.86-.46l1.92-6.02A1 1 0 0 0 11 14z"/>"#,
    ),
    (
        "bug",
        r#"<path d="m8 2 1.88 1.88"/><path d="M14.12 3.88 16 2"/><path d="M9 7.13v-1a3.003 3.003 0 1 1 6 0v1"/><path d="M12 20c-3.3 0-6-2.7-6-6v-3a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v3c0 3.3-2.7 6-6 6"/><path d="M12 20v-9"/><path d="M6.53 9C4.6 8.8 3 7.1 3 5"/><path d="M6 13H2"/><path d="M3 21c0-2.1 1.7-3.9 3.8-4"/><path d="M20.97 5c0 2.1-1.6 3.8-3.5 4"/><path d="M22 13h-4"/><path d="M17.2 17c2.1.1 3.8 1.9 3.8 4"/>"#,
    ),
    (
        "list",
        r#"<path d="M3 12h.01"/><path d="M3 18h.01"/><path d="M3 6h.01"/><path d="M8 12h13"/><path d="M8 18h13"/><path d="M8 6h13"/>"#,
    ),
    (
        "quote",
        r#"<path d="M16 3a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2 1 1 0 0 1 1 1v1a2 2 0 0 1-2 2 1 1 0 0 0-1 1v2a1 1 0 0 0 1 1 6 6 0 0 0 6-6V5a2 2 0 0 0-2-2z"/><path d="M5 3a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2 1 1 0 0 1 1 1v1a2 2 0 0 1-2 2 1 1 0 0 0-1 1v2a1 1 0 0 0 1 1 6 6 0 0 0 6-6V5a2 2 0 0 0-2-2z"/>"#,
    ),
];

/// The Lucide icon Obsidian shows for a callout type (lowercase); unknown types get the note icon.
pub fn callout_icon_name(kind: &str) -> &'static str {
    match kind {
        "abstract" | "summary" | "tldr" => "clipboard-list",
        "info" => "info",
        "todo" => "circle-check",
        "tip" | "hint" | "important" => "flame",
        "success" | "check" | "done" => "check",
        "question" | "help" | "faq" => "circle-help",
        "warning" | "caution" | "attention" => "triangle-alert",
        "failure" | "fail" | "missing" => "x",
        "danger" | "error" => "zap",
        "bug" => "bug",
        "example" => "list",
        "quote" | "cite" => "quote",
        _ => "pencil",
    }
}

/// The inline `<svg>` of a callout type's icon, decorative (hidden from screen readers).
pub fn callout_icon(kind: &str) -> String {
    let name = callout_icon_name(kind);
    let body = SHAPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
        .unwrap_or_default();
    format!(
        "<svg class=\"callout-icon\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linecap=\"round\" stroke-linejoin=\"round\">{body}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_shape() {
        for kind in [
            "note", "abstract", "info", "todo", "tip", "success", "question", "warning", "failure",
            "danger", "bug", "example", "quote", "custom",
        ] {
            let svg = callout_icon(kind);
            assert!(
                svg.contains("<path") || svg.contains("<circle"),
                "{kind}: {svg}"
            );
        }
        assert_eq!(callout_icon_name("bug"), "bug");
        assert_eq!(callout_icon_name("whatever"), "pencil");
    }
}
