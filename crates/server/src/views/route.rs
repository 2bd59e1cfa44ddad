//! Parsing a wiki URL path into a page and an action. Pure, so it is tested without HTTP.

use robot_wiki::{PageNameError, PagePath};

/// What to do with the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAction {
    /// Show it (or an attachment, or a folder listing).
    View,
    /// The editor.
    Edit,
    /// Save from the editor.
    Save,
    /// Live preview.
    Preview,
    /// Page history.
    History,
    /// Diff between two revisions.
    Diff(String, String),
    /// Blame.
    Blame,
    /// Highlighted source.
    Source,
    /// Raw markdown.
    Raw,
    /// Rename form / action.
    Rename,
    /// Delete form / action.
    Delete,
    /// Attachment list / upload.
    Attachments,
    /// Manage one attachment.
    Attachment(String),
    /// Raw attachment bytes.
    AttachmentRaw(String),
    /// Editor drag-and-drop upload.
    InlineAttachment,
}

/// A parsed page route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRoute {
    /// The page addressed.
    pub page: PagePath,
    /// The action.
    pub action: PageAction,
}

/// Why a path is not a valid page route.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// The page part is not a valid page name.
    #[error("invalid page name: {0}")]
    Page(#[from] PageNameError),
}

/// Splits `Some/Page/diff/a/b` into page `Some/Page` and action `Diff(a, b)`.
pub fn parse_page_route(path: &str) -> Result<PageRoute, RouteError> {
    let trimmed = path.trim_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let n = segments.len();
    let split = |keep: usize, action: PageAction| -> Result<PageRoute, RouteError> {
        let page = PagePath::from_url_path(&segments[..keep].join("/"))?;
        Ok(PageRoute { page, action })
    };
    if n >= 4 && segments[n - 3] == "diff" {
        return split(
            n - 3,
            PageAction::Diff(segments[n - 2].to_string(), segments[n - 1].to_string()),
        );
    }
    if n >= 3 && segments[n - 2] == "attachment" {
        return split(n - 2, PageAction::Attachment(decode(segments[n - 1])));
    }
    if n >= 3 && segments[n - 2] == "a" {
        return split(n - 2, PageAction::AttachmentRaw(decode(segments[n - 1])));
    }
    if n >= 2 {
        let action = match segments[n - 1] {
            "view" => Some(PageAction::View),
            "edit" => Some(PageAction::Edit),
            "save" => Some(PageAction::Save),
            "preview" => Some(PageAction::Preview),
            "history" => Some(PageAction::History),
            "blame" => Some(PageAction::Blame),
            "source" => Some(PageAction::Source),
            "raw" => Some(PageAction::Raw),
            "rename" => Some(PageAction::Rename),
            "delete" => Some(PageAction::Delete),
            "attachments" => Some(PageAction::Attachments),
            "inline_attachment" => Some(PageAction::InlineAttachment),
            _ => None,
        };
        if let Some(action) = action {
            return split(n - 1, action);
        }
    }
    Ok(PageRoute {
        page: PagePath::from_url_path(trimmed)?,
        action: PageAction::View,
    })
}

/// Last path segments that name an action, so a page called like that is addressed as
/// `/{page}/view`.
const ACTION_SEGMENTS: [&str; 12] = [
    "view",
    "edit",
    "save",
    "preview",
    "history",
    "blame",
    "source",
    "raw",
    "rename",
    "delete",
    "attachments",
    "inline_attachment",
];

/// The URL that shows `page`: its plain URL, or `{url}/view` when the plain URL would be read
/// as an action on its parent (e.g. a page named `History` inside `Help`).
pub fn view_url(page: &PagePath) -> String {
    let name = page.name().to_lowercase().replace(' ', "_");
    let parent_action = page.segments().len() > 1 && ACTION_SEGMENTS.contains(&name.as_str());
    let shadowed = page.segments().len() > 2 && {
        let segments = page.segments();
        let before = segments[segments.len() - 2].to_lowercase();
        before == "attachment" || before == "a"
    };
    if parent_action || shadowed {
        format!("{}/view", page.url())
    } else {
        page.url()
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> (String, PageAction) {
        let r = parse_page_route(path).expect("valid route");
        (r.page.to_string(), r.action)
    }

    #[test]
    fn parses_actions() {
        assert_eq!(route("Home"), ("Home".into(), PageAction::View));
        assert_eq!(route("edit"), ("edit".into(), PageAction::View));
        assert_eq!(
            route("Big_Plan/edit"),
            ("Big Plan".into(), PageAction::Edit)
        );
        assert_eq!(route("A/B/history"), ("A/B".into(), PageAction::History));
        assert_eq!(
            route("A/diff/abc1/def2"),
            ("A".into(), PageAction::Diff("abc1".into(), "def2".into()))
        );
        assert_eq!(
            route("A/a/pic%20one.png"),
            ("A".into(), PageAction::AttachmentRaw("pic one.png".into()))
        );
        assert_eq!(
            route("A/attachment/x.txt"),
            ("A".into(), PageAction::Attachment("x.txt".into()))
        );
        assert_eq!(
            route("Folder/Page"),
            ("Folder/Page".into(), PageAction::View)
        );
    }

    #[test]
    fn pages_named_like_actions_are_reached_through_view() {
        let shadowed = PagePath::parse("Help/Attachments").expect("page");
        assert_eq!(view_url(&shadowed), "/Help/Attachments/view");
        assert_eq!(
            route(&view_url(&shadowed)),
            ("Help/Attachments".into(), PageAction::View)
        );
        let plain = PagePath::parse("Help/Intro").expect("page");
        assert_eq!(view_url(&plain), "/Help/Intro");
        let top = PagePath::parse("History").expect("page");
        assert_eq!(view_url(&top), "/History");
        assert_eq!(route(&view_url(&top)), ("History".into(), PageAction::View));
    }

    #[test]
    fn rejects_empty_page() {
        assert!(parse_page_route("/").is_err());
        assert!(parse_page_route("..").is_err());
    }
}
