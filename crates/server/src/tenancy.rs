//! Host → site resolution: the bare domain is the platform, `{slug}.{domain}` is a wiki.

/// What a request's `Host` header addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// The bare platform domain (landing page, login).
    Platform,
    /// A wiki host; the label is not yet known to be a valid or existing wiki.
    Wiki(String),
    /// Anything else: another domain, nested labels, or a reserved service label.
    Unknown,
}

/// Host labels that never address a wiki, even if someone managed to create one.
const SERVICE_LABELS: &[&str] = &["www", "api", "mcp", "auth"];

/// Classifies a `Host` header value against the configured domain.
pub fn resolve_site(host: &str, domain: &str) -> Site {
    let host = host.trim().to_ascii_lowercase();
    let host = strip_port(&host);
    let host = host.strip_suffix('.').unwrap_or(host);
    if host == domain {
        return Site::Platform;
    }
    let Some(label) = host.strip_suffix(domain).and_then(|h| h.strip_suffix('.')) else {
        return Site::Unknown;
    };
    if label.is_empty() || label.contains('.') || SERVICE_LABELS.contains(&label) {
        return Site::Unknown;
    }
    Site::Wiki(label.to_string())
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split(']')
            .next()
            .map_or(host, |h| h.trim_start_matches('['));
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_hosts() {
        let d = "localhost";
        assert_eq!(resolve_site("localhost:8080", d), Site::Platform);
        assert_eq!(resolve_site("LOCALHOST", d), Site::Platform);
        assert_eq!(
            resolve_site("notes.localhost:8080", d),
            Site::Wiki("notes".into())
        );
        assert_eq!(
            resolve_site("notes.localhost.", d),
            Site::Wiki("notes".into())
        );
        assert_eq!(resolve_site("a.b.localhost", d), Site::Unknown);
        assert_eq!(resolve_site("www.localhost", d), Site::Unknown);
        assert_eq!(resolve_site("evil.com", d), Site::Unknown);
        assert_eq!(resolve_site("notlocalhost", d), Site::Unknown);
        assert_eq!(resolve_site(".localhost", d), Site::Unknown);
        assert_eq!(
            resolve_site("x.robot.wtf", "robot.wtf"),
            Site::Wiki("x".into())
        );
    }
}
