use super::*;
use proptest::prelude::*;

fn p(s: &str) -> PagePath {
    PagePath::parse(s).expect("valid page name")
}

#[test]
fn parse_sanitises_like_otterwiki() {
    assert_eq!(p("Projects/Big Plan").to_string(), "Projects/Big Plan");
    assert_eq!(
        p("  /Projects//Big Plan/ ").to_string(),
        "Projects/Big Plan"
    );
    assert_eq!(p("--/-Foo").to_string(), "Foo");
    assert_eq!(
        p("What? Why! $5 #1 a|b c\\d").to_string(),
        "What Why 5 1 ab cd"
    );
    assert_eq!(p("Foo.md").to_string(), "Foo");
    assert_eq!(p("Foo.MD").to_string(), "Foo");
    assert_eq!(p("../../etc/passwd").to_string(), "etc/passwd");
    assert_eq!(p("a/ b /c").segments(), ["a", "b", "c"]);
    assert_eq!(p("Big_Plan").to_string(), "Big Plan");
    assert_eq!(p("ｆｕｌｌ").to_string(), "full");
    assert_eq!(p("tab\there").to_string(), "tabhere");
    assert_eq!(p("Ünïcødé 🦦").to_string(), "Ünïcødé 🦦");
    assert_eq!(p("CaseKept").to_string(), "CaseKept");
}

#[test]
fn parse_rejects_empty_and_long() {
    assert_eq!(PagePath::parse(""), Err(PageNameError::Empty));
    assert_eq!(PagePath::parse("/// . ?"), Err(PageNameError::Empty));
    assert_eq!(PagePath::parse(".md"), Err(PageNameError::Empty));
    assert_eq!(
        PagePath::parse(&"a".repeat(300)),
        Err(PageNameError::TooLong)
    );
    let long = vec!["abcdefghij"; 100].join("/");
    assert_eq!(PagePath::parse(&long), Err(PageNameError::TooDeep));
    let wide = vec!["a".repeat(200); 6].join("/");
    assert_eq!(PagePath::parse(&wide), Err(PageNameError::TooLong));
}

#[test]
fn url_forms() {
    let page = p("Projects/Big Plan");
    assert_eq!(page.url(), "/Projects/Big_Plan");
    assert_eq!(p("a&b/c%d").url(), "/a%26b/c%25d");
    assert_eq!(p("Ü").url(), "/%C3%9C");
    assert_eq!(
        PagePath::from_url_path("/Projects/Big_Plan"),
        Ok(page.clone())
    );
    assert_eq!(
        PagePath::from_url_path("/Projects/Big%20Plan"),
        Ok(page.clone())
    );
    assert_eq!(PagePath::from_url_path("/Projects/Big_Plan.md"), Ok(page));
    assert_eq!(
        PagePath::from_url_path("/%FF"),
        Err(PageNameError::InvalidEncoding)
    );
}

#[test]
fn file_forms() {
    let page = p("Projects/Big Plan");
    assert_eq!(page.file_name(), "Projects/Big Plan.md");
    assert_eq!(page.attachment_dir(), "Projects/Big Plan");
    assert_eq!(PagePath::from_file_path("Projects/Big_Plan.md"), Some(page));
    assert_eq!(PagePath::from_file_path("home.md"), Some(p("home")));
    assert_eq!(PagePath::from_file_path("img.png"), None);
    assert_eq!(PagePath::from_file_path("notes/v1.2.md"), None);
    assert_eq!(PagePath::from_file_path(".md"), None);
    assert_eq!(PagePath::from_file_path("a//b.md"), None);
}

#[test]
fn tree_navigation() {
    let page = p("a/b/c");
    assert_eq!(page.name(), "c");
    assert_eq!(page.parent(), Some(p("a/b")));
    assert_eq!(p("a").parent(), None);
    assert_eq!(p("a").join("b/c"), Ok(page.clone()));
    assert_eq!(p("a").join("..."), Err(PageNameError::Empty));
    assert!(page.starts_with(&p("A/B")));
    assert!(!p("ab").starts_with(&p("a")));
    assert_eq!(PagePath::home().to_string(), "Home");
}

#[test]
fn lookup_keys_unify_case_and_underscores() {
    assert_eq!(p("Projects/Big Plan").lookup_key(), "projects/big plan");
    assert_eq!(
        lookup_key_for_file("projects/big_plan"),
        p("Projects/BIG PLAN").lookup_key()
    );
}

#[test]
fn display_titles() {
    assert_eq!(display_title(&p("don't stop"), None), "Don't Stop");
    assert_eq!(display_title(&p("straße"), None), "Straße");
    assert_eq!(display_title(&p("a/hello-world"), None), "Hello-World");
    assert_eq!(display_title(&p("iPhone"), None), "iPhone");
    assert_eq!(display_title(&p("faq"), Some("FAQ")), "FAQ");
    assert_eq!(display_title(&p("faq"), Some("Something else")), "Faq");
}

#[test]
fn attachment_names() {
    assert_eq!(
        sanitize_attachment_name("photo.JPG").as_deref(),
        Ok("photo.JPG")
    );
    assert_eq!(
        sanitize_attachment_name("../../etc/passwd").as_deref(),
        Ok("passwd")
    );
    assert_eq!(
        sanitize_attachment_name("C:\\x\\my file.pdf").as_deref(),
        Ok("my file.pdf")
    );
    assert_eq!(
        sanitize_attachment_name(".htaccess").as_deref(),
        Ok("htaccess")
    );
    assert_eq!(
        sanitize_attachment_name("a<b>:\"c\".txt").as_deref(),
        Ok("abc.txt")
    );
    assert!(sanitize_attachment_name("..").is_err());
    assert!(sanitize_attachment_name("dir/").is_err());
    assert!(sanitize_attachment_name(&"x".repeat(300)).is_err());
}

proptest! {
    #[test]
    fn parse_output_is_safe_and_idempotent(input in "\\PC{0,60}|[a-zA-Z./\\\\ _\\-?#!$|\u{0}-\u{1f}]{0,40}") {
        if let Ok(page) = PagePath::parse(&input) {
            let text = page.to_string();
            prop_assert!(!text.contains(".."));
            prop_assert!(!text.starts_with('/'));
            prop_assert!(!text.contains('\\'));
            prop_assert!(!text.chars().any(char::is_control));
            for segment in page.segments() {
                prop_assert!(!segment.is_empty());
                prop_assert!(segment != ".");
                prop_assert_eq!(segment.trim(), segment.as_str());
            }
            prop_assert_eq!(PagePath::parse(&text), Ok(page.clone()));
            prop_assert_eq!(PagePath::from_url_path(&page.url()), Ok(page.clone()));
            let file = page.file_name();
            prop_assert!(!file.starts_with('/'));
            prop_assert!(file.split('/').all(|s| !s.is_empty() && s != "." && s != ".."));
            let stem = file.strip_suffix(".md").unwrap_or(&file);
            prop_assert_eq!(page.lookup_key(), lookup_key_for_file(stem));
            prop_assert_eq!(PagePath::from_file_path(&file), Some(page.clone()));
        }
    }

    #[test]
    fn attachment_names_never_contain_separators(input in "\\PC{0,40}") {
        if let Ok(name) = sanitize_attachment_name(&input) {
            prop_assert!(!name.contains('/') && !name.contains('\\'));
            prop_assert!(!name.starts_with('.'));
            prop_assert!(!name.chars().any(char::is_control));
        }
    }
}
