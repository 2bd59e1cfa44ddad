//! Shared helpers for the integration tests: rendering with fixed options and a small HTML
//! tag/attribute scanner used to assert that output is free of script vectors.

#![allow(dead_code)]

use robot_wiki::{PagePath, RenderOptions, Rendered, render};

/// Renders `markdown` as page `Docs/Page`, where every page except `Missing` exists.
pub fn render_page(markdown: &str) -> Rendered {
    let page = PagePath::parse("Docs/Page").expect("valid page");
    let exists = |p: &PagePath| p.lookup_key() != "missing";
    render(
        markdown,
        &RenderOptions {
            page: Some(&page),
            page_exists: &exists,
        },
    )
}

/// One start tag found in serialised HTML: its lowercase name and decoded attributes.
#[derive(Debug)]
pub struct Tag {
    pub name: String,
    pub attributes: Vec<(String, String)>,
}

/// Start tags of `html` (as serialised by the sanitiser: attribute values double-quoted).
pub fn tags(html: &str) -> Vec<Tag> {
    let mut found = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        let name_len = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i] as char).is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' || bytes[i] == b'/' {
                break;
            }
            let start = i;
            while i < bytes.len() && !b" =>/\t\n".contains(&bytes[i]) {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                let quote = bytes.get(i).copied();
                if matches!(quote, Some(b'"') | Some(b'\'')) {
                    let q = quote.unwrap_or(b'"') as char;
                    let end = html[i + 1..].find(q).map_or(html.len(), |e| i + 1 + e);
                    value = html[i + 1..end].to_owned();
                    i = (end + 1).min(html.len());
                } else {
                    let start = i;
                    while i < bytes.len()
                        && !(bytes[i] as char).is_ascii_whitespace()
                        && bytes[i] != b'>'
                    {
                        i += 1;
                    }
                    value = html[start..i].to_owned();
                }
            }
            let decoded = html_escape::decode_html_entities(&value).into_owned();
            attributes.push((attr, decoded));
        }
        found.push(Tag { name, attributes });
    }
    found
}

/// Panics with a description if `html` contains anything that could run script.
pub fn assert_safe(html: &str, context: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "<iframe", "<object", "<embed", "<form", "<style", "<svg", "<base", "<meta",
        "<link",
    ] {
        assert!(
            !lower.contains(bad),
            "{context}: output contains {bad}: {html}"
        );
    }
    for tag in tags(html) {
        for (name, value) in &tag.attributes {
            assert!(
                !name.starts_with("on"),
                "{context}: event handler {name} in {html}"
            );
            assert!(
                name != "style" && name != "srcdoc" && name != "formaction",
                "{context}: {name} in {html}"
            );
            let normalised: String = value
                .chars()
                .filter(|c| !(c.is_control() || c.is_whitespace()))
                .flat_map(char::to_lowercase)
                .collect();
            if matches!(
                name.as_str(),
                "href" | "src" | "action" | "poster" | "xlink:href" | "data" | "background"
            ) {
                for scheme in [
                    "javascript:",
                    "vbscript:",
                    "data:text",
                    "livescript:",
                    "file:",
                ] {
                    assert!(
                        !normalised.starts_with(scheme),
                        "{context}: {name}={value:?} in {html}"
                    );
                }
                if normalised.starts_with("data:") {
                    assert!(
                        tag.name == "img" && normalised.starts_with("data:image/"),
                        "{context}: {html}"
                    );
                }
            }
        }
    }
}
