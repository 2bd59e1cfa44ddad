//! Matching a request's method and raw path against [`ENDPOINTS`].
//!
//! Paths are matched on the raw (still percent-encoded) URL: `{path}` is a page path and may span
//! several segments, `{filename}` is one segment. The first endpoint whose template and method
//! match wins, so the table lists the most specific templates first.

#[cfg(test)]
use super::routes::Op;
use super::routes::{ENDPOINTS, Endpoint};

/// Captured path parameters, still percent-encoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// The page path (`{path}`), segments joined with `/`.
    pub path: Option<String>,
    /// The attachment name (`{filename}`).
    pub filename: Option<String>,
}

/// The result of matching a request against the table.
#[derive(Debug)]
pub enum Matched {
    /// An endpoint serves this method and path.
    Found(&'static Endpoint, Params),
    /// The path exists but not for this method; the allowed methods.
    MethodNotAllowed(Vec<&'static str>),
    /// No endpoint has this path.
    NotFound,
}

/// Finds the endpoint for `method` and the raw `path` (relative to `/api/v1`).
pub fn find(method: &str, path: &str) -> Matched {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut allowed: Vec<&'static str> = Vec::new();
    for endpoint in ENDPOINTS {
        let Some(params) = match_template(endpoint.path, &segments) else {
            continue;
        };
        // HEAD is answered like GET (axum drops the body).
        if endpoint.method == method || (method == "HEAD" && endpoint.method == "GET") {
            return Matched::Found(endpoint, params);
        }
        if !allowed.contains(&endpoint.method) {
            allowed.push(endpoint.method);
        }
    }
    if allowed.is_empty() {
        Matched::NotFound
    } else {
        Matched::MethodNotAllowed(allowed)
    }
}

fn match_template(template: &str, segments: &[&str]) -> Option<Params> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut params = Params::default();
    let Some(greedy) = parts.iter().position(|p| *p == "{path}") else {
        if parts.len() != segments.len() {
            return None;
        }
        return parts
            .iter()
            .zip(segments)
            .all(|(p, s)| p == s)
            .then_some(params);
    };
    let tail = parts.len() - greedy - 1;
    if segments.len() < greedy + 1 + tail || parts[..greedy] != segments[..greedy] {
        return None;
    }
    let split = segments.len() - tail;
    for (part, segment) in parts[greedy + 1..].iter().zip(&segments[split..]) {
        match *part {
            "{filename}" => params.filename = Some((*segment).to_string()),
            literal if literal == *segment => {}
            _ => return None,
        }
    }
    params.path = Some(segments[greedy..split].join("/"));
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: &str, path: &str) -> Option<(Op, Params)> {
        match find(method, path) {
            Matched::Found(e, p) => Some((e.op, p)),
            _ => None,
        }
    }

    #[test]
    fn suffixes_win_only_for_their_methods() {
        let (o, p) = op("GET", "/pages/A/B/history").expect("history");
        assert_eq!((o, p.path.as_deref()), (Op::History, Some("A/B")));
        let (o, p) = op("PUT", "/pages/A/history").expect("write");
        assert_eq!((o, p.path.as_deref()), (Op::WritePage, Some("A/history")));
        let (o, p) = op("GET", "/pages/A/%68istory").expect("read");
        assert_eq!((o, p.path.as_deref()), (Op::ReadPage, Some("A/%68istory")));
        let (o, p) = op("DELETE", "/pages/A/attachments/x%20y.png").expect("delete");
        assert_eq!(o, Op::DeleteAttachment);
        assert_eq!(
            (p.path.as_deref(), p.filename.as_deref()),
            (Some("A"), Some("x%20y.png"))
        );
        let (o, _) = op("GET", "/pages/").expect("list");
        assert_eq!(o, Op::ListPages);
        assert_eq!(
            op("GET", "/pages/attachments").map(|x| x.0),
            Some(Op::ReadPage)
        );
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert!(matches!(find("GET", "/nope"), Matched::NotFound));
        assert!(matches!(find("GET", "/"), Matched::NotFound));
        match find("POST", "/pages/A") {
            Matched::MethodNotAllowed(m) => assert!(m.contains(&"GET") && m.contains(&"PUT")),
            other => panic!("expected 405, got {other:?}"),
        }
        assert!(matches!(
            find("DELETE", "/search"),
            Matched::MethodNotAllowed(_)
        ));
    }

    #[test]
    fn every_op_has_one_endpoint() {
        let mut seen = std::collections::HashSet::new();
        for e in ENDPOINTS {
            assert!(seen.insert(e.op), "{:?} listed twice", e.op);
            assert!(seen.len() <= ENDPOINTS.len());
        }
    }
}
