//! User-interface strings of the default theme in Korean and English (`language` in kb.toml).

use std::collections::BTreeMap;

const STRINGS: &[(&str, &str, &str)] = &[
    ("home", "홈", "Home"),
    ("tags", "태그", "Tags"),
    ("all_tags", "모든 태그", "All tags"),
    ("graph", "그래프", "Graph"),
    ("troubleshooting", "트러블슈팅", "Troubleshooting"),
    (
        "trouble_intro",
        "노트에 적어 둔 문제와 해결을 한곳에 모았습니다.",
        "Every problem and fix written in the notes, in one place.",
    ),
    ("trouble_entries", "개 항목", " entries"),
    ("trouble_only", "트러블슈팅만", "Troubleshooting only"),
    (
        "trouble_none",
        "아직 트러블슈팅 항목이 없습니다.",
        "No troubleshooting entries yet.",
    ),
    ("symptom", "증상", "Symptom"),
    ("cause", "원인", "Cause"),
    ("fix", "해결", "Fix"),
    ("all", "전체", "All"),
    ("search", "검색", "Search"),
    ("search_placeholder", "노트 검색 (/)", "Search notes (/)"),
    ("contents", "목차", "Contents"),
    ("backlinks", "이 노트를 링크한 노트", "Linked from"),
    (
        "no_backlinks",
        "아직 이 노트를 링크한 노트가 없습니다.",
        "No notes link here yet.",
    ),
    ("related", "관련 노트", "Related notes"),
    ("local_graph", "연결 그래프", "Local graph"),
    ("previous", "이전", "Previous"),
    ("next", "다음", "Next"),
    ("created", "작성", "Created"),
    ("updated", "수정", "Updated"),
    ("source", "원본", "Source"),
    ("categories", "카테고리", "Categories"),
    ("recent", "최근 수정한 노트", "Recently updated"),
    ("notes_count", "개 노트", " notes"),
    ("uncategorized", "미분류", "Uncategorized"),
    ("tagged", "태그가 붙은 노트", "Notes tagged"),
    ("not_found", "페이지를 찾을 수 없습니다", "Page not found"),
    (
        "not_found_text",
        "주소가 바뀌었거나 삭제된 노트일 수 있습니다. 검색하거나 홈에서 찾아보세요.",
        "The note may have moved or been deleted. Try searching, or start from the home page.",
    ),
    (
        "toggle_theme",
        "라이트/다크 모드 전환",
        "Toggle light/dark mode",
    ),
    ("copy_link", "링크 복사", "Copy link"),
    ("canvas_zoom_in", "확대", "Zoom in"),
    ("canvas_zoom_out", "축소", "Zoom out"),
    ("canvas_fit", "전체 보기", "Fit"),
    (
        "canvas_hint",
        "끌어서 이동, 휠로 확대·축소 (키보드: 화살표, +, -, 0)",
        "Drag to pan, wheel to zoom (keys: arrows, +, -, 0)",
    ),
    ("copied", "복사됨", "Copied"),
    ("skip_to_content", "본문으로 건너뛰기", "Skip to content"),
    ("aliases", "다른 이름", "Also known as"),
    ("feed", "피드", "Feed"),
    ("no_results", "검색 결과가 없습니다.", "No results."),
    (
        "search_hint",
        "검색어를 입력하세요. 한국어와 영어 모두 찾습니다. 좁히기: tag:태그 path:폴더 \"정확한 구절\" -제외할말",
        "Type to search, in Korean or English. Narrow it: tag:name path:folder \"exact phrase\" -word",
    ),
    ("search_operators", "검색 연산자", "Search operators"),
    ("remove", "지우기", "Remove"),
    ("search_tag", "이 태그에서 검색", "Search in this tag"),
    ("results", "검색 결과", "Results"),
    ("broken_link", "없는 노트", "Missing note"),
    ("subtags", "하위 태그", "Nested tags"),
    ("dismiss_highlight", "강조 지우기", "Clear highlights"),
    ("filter_tag", "태그 필터", "Filter by tag"),
    (
        "graph_help",
        "휠로 확대, 드래그로 이동, 클릭하면 노트를 엽니다.",
        "Scroll to zoom, drag to pan, click a note to open it.",
    ),
    (
        "graph_noscript",
        "그래프를 보려면 JavaScript가 필요합니다. 모든 노트는 홈에서 찾을 수 있습니다.",
        "The graph needs JavaScript; every note is listed on the home page.",
    ),
    ("loading", "불러오는 중…", "Loading…"),
    ("explorer", "파일", "Files"),
    ("close", "닫기", "Close"),
    ("breadcrumb", "현재 위치", "Breadcrumb"),
    ("subfolders", "하위 폴더", "Folders"),
    ("notes", "노트", "Notes"),
];

/// The strings for `lang` (`ko` or `en`) as a map for templates (`t.home`, ...).
pub fn strings(lang: &str) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, ko, en)| (*k, if lang == "en" { *en } else { *ko }))
        .collect()
}

/// The strings the default theme's scripts show (search dropdown, explorer, theme toggle,
/// local graph).
const SCRIPT_STRINGS: &[&str] = &[
    "search",
    "search_hint",
    "no_results",
    "results",
    "dismiss_highlight",
    "loading",
    "troubleshooting",
    "trouble_only",
    "search_operators",
    "remove",
    "explorer",
    "close",
    "toggle_theme",
    "local_graph",
];

/// The strings the scripts need, as a statement for `theme.js` that sets
/// `window.KB_STRINGS` (one file for the site instead of attributes on every page).
pub fn script_strings(lang: &str) -> String {
    let all = strings(lang);
    let map: BTreeMap<&str, &str> = SCRIPT_STRINGS
        .iter()
        .filter_map(|k| all.get(k).map(|v| (*k, *v)))
        .collect();
    let json = serde_json::to_string(&map).unwrap_or_else(|_| "{}".into());
    format!("\n// the interface strings of the scripts, added by kb\nwindow.KB_STRINGS = {json};\n")
}
