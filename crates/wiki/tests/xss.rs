//! XSS corpus: every vector rendered as a page and checked by a tag/attribute scanner, plus a
//! re-sanitise check. Vectors follow Otterwiki's §2.4 fixes and the usual cheat sheets.

mod support;

use robot_wiki::sanitize_html;
use support::{assert_safe, render_page};

const VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" ONERROR=\"alert(1)\">",
    "<img src=x onerror\n=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"jav&#9;ascript:alert(1)\">x</a>",
    "<a href=\"jav\tascript:alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<a href=\"&#x6a;avascript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"&amp;#106;avascript:alert(1)\">x</a>",
    "<a href=\"\x01javascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<img src=\"data:text/html,<script>alert(1)</script>\">",
    "<a href=\"file:///etc/passwd\">x</a>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:/\">",
    "<link rel=stylesheet href=\"//evil/x.css\">",
    "<!--<img src=x onerror=alert(1)>-->",
    "<a href=\"#\" onclick=\"alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](javascript:alert(1))",
    "![x](data:text/html,<script>alert(1)</script>)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:alert(1)>",
    "[[javascript:alert(1)]]",
    "[[javascript://alert(1)|x]]",
    "[[Page\" onmouseover=\"alert(1)|x]]",
    "[[Page|<img src=x onerror=alert(1)>]]",
    "[[<script>alert(1)</script>]]",
    "[[Page#\"><script>alert(1)</script>]]",
    "---\ntitle: <script>alert(1)</script>\nx: <img src=x onerror=alert(1)>\n---\nbody",
    "---\ntitle: \"\\\"><img src=x onerror=alert(1)>\"\n---\n",
    "::: x\" onclick=\"alert(1)\nbody\n:::",
    "::: info\n# <img src=x onerror=alert(1)>\n:::",
    ">| # <script>alert(1)</script>\n>| body",
    ">! <img src=x onerror=alert(1)>",
    "```mermaid\n</pre><script>alert(1)</script>\n```",
    "```\" onclick=\"alert(1)\ncode\n```",
    "```math\n</math><script>alert(1)</script>\n```",
    "$</math><img src=x onerror=alert(1)>$",
    "$\\text{</mtext><script>alert(1)</script>}$",
    "$$\\href{javascript:alert(1)}{x}$$",
    "> [!NOTE] <img src=x onerror=alert(1)>\n> x",
    "# Heading <img src=x onerror=alert(1)>",
    "<a href=\"java\nscript:alert(1)\">x</a>",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>",
    "<a href=\"javascript\u{0000}:alert(1)\">x</a>",
];

#[test]
fn corpus_is_neutralised() {
    assert!(VECTORS.len() >= 40);
    for vector in VECTORS {
        let rendered = render_page(vector);
        assert_safe(&rendered.html, vector);
        assert_eq!(
            sanitize_html(&rendered.html),
            rendered.html,
            "not idempotent for {vector}"
        );
        // The raw sanitiser on its own is also safe for every vector.
        assert_safe(&sanitize_html(vector), vector);
    }
}

#[test]
fn corpus_inside_containers_is_neutralised() {
    for vector in VECTORS {
        for wrapped in [
            format!("- {vector}"),
            format!("> {vector}"),
            format!("| a |\n|---|\n| {vector} |"),
            format!("::: info\n{vector}\n:::"),
            format!("text[^n]\n\n[^n]: {vector}"),
        ] {
            assert_safe(&render_page(&wrapped).html, &wrapped);
        }
    }
}

#[test]
fn ids_cannot_clobber_page_script_ids() {
    let html = render_page(
        "<span id=\"csrf_token\">a</span><a name=\"editor\">b</a><img id=\"x\" src=\"y\">",
    )
    .html;
    assert!(html.contains("id=\"user-content-csrf_token\""), "{html}");
    assert!(html.contains("name=\"user-content-editor\""), "{html}");
    for tag in support::tags(&html) {
        for (name, value) in tag.attributes {
            if name == "id" || name == "name" {
                assert!(value.starts_with("user-content-"), "{value}");
            }
        }
    }
}

#[test]
fn data_urls_only_for_images() {
    let html = render_page(
        "![a](data:image/png;base64,iVBORw0KGgo=) [b](data:image/png;base64,iVBORw0KGgo=)",
    )
    .html;
    assert!(
        html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\""),
        "{html}"
    );
    assert!(!html.contains("href=\"data:"), "{html}");
}

#[test]
#[should_panic(expected = "href")]
fn checker_catches_encoded_javascript() {
    assert_safe("<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "self-test");
}

#[test]
#[should_panic(expected = "event handler")]
fn checker_catches_event_handlers() {
    assert_safe("<img src=\"x\" onerror=\"alert(1)\">", "self-test");
}

#[test]
#[should_panic(expected = "<script")]
fn checker_catches_script_tags() {
    assert_safe("<p><ScRiPt>alert(1)</script></p>", "self-test");
}
