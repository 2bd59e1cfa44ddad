//! Property tests: rendering arbitrary input never produces script vectors, and the sanitiser
//! is idempotent on rendered output.

mod support;

use proptest::prelude::*;
use robot_wiki::{first_heading, sanitize_html};
use support::{assert_safe, render_page};

/// Fragments of the dialect and of HTML, glued together at random so the generator reaches
/// interesting combinations quickly.
fn markdownish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("# ".to_owned()),
        Just("> ".to_owned()),
        Just(">! ".to_owned()),
        Just(">| # ".to_owned()),
        Just("> [!NOTE]\n".to_owned()),
        Just("::: info\n".to_owned()),
        Just(":::\n".to_owned()),
        Just("```".to_owned()),
        Just("```mermaid\n".to_owned()),
        Just("```math\n".to_owned()),
        Just("`".to_owned()),
        Just("$".to_owned()),
        Just("$$".to_owned()),
        Just("[[".to_owned()),
        Just("]]".to_owned()),
        Just("|".to_owned()),
        Just("#".to_owned()),
        Just("[x](".to_owned()),
        Just(")".to_owned()),
        Just("![i](".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("\"".to_owned()),
        Just("<script>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"".to_owned()),
        Just("&#x6a;".to_owned()),
        Just("<math><mtext>".to_owned()),
        Just("<svg>".to_owned()),
        Just("<style>".to_owned()),
        Just("---\n".to_owned()),
        Just("- [ ] ".to_owned()),
        Just("| a |\n|---|\n".to_owned()),
        Just("[^1]".to_owned()),
        Just("[^1]: ".to_owned()),
        Just("==".to_owned()),
        Just("~~".to_owned()),
        "[a-zA-Z0-9 ]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(fragment, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn dialect_soup_is_safe_and_stable(input in markdownish()) {
        let rendered = render_page(&input);
        assert_safe(&rendered.html, &input);
        prop_assert_eq!(sanitize_html(&rendered.html), rendered.html.clone());
        for entry in &rendered.toc {
            prop_assert!(entry.anchor.starts_with("user-content-"));
            let needle = format!("id=\"{}\"", html_escape::encode_double_quoted_attribute(&entry.anchor));
            prop_assert!(rendered.html.contains(&needle), "missing {} in {}", needle, rendered.html);
        }
        let _ = first_heading(&input);
    }

    #[test]
    fn arbitrary_text_is_safe_and_stable(input in "\\PC{0,200}") {
        let rendered = render_page(&input);
        assert_safe(&rendered.html, &input);
        prop_assert_eq!(sanitize_html(&rendered.html), rendered.html.clone());
    }

    #[test]
    fn sanitiser_alone_is_safe_and_idempotent(input in "(<[a-z]{1,6}( [a-z]{1,8}=\"[^\"]{0,12}\")*>|[^<]{0,6}|</[a-z]{1,6}>){0,12}") {
        let once = sanitize_html(&input);
        assert_safe(&once, &input);
        prop_assert_eq!(sanitize_html(&once), once.clone());
    }
}
