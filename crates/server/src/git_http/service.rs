//! The two git services smart HTTP exposes, and their wire names.

use crate::error::AppError;

/// A git service a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Clone, fetch, pull.
    UploadPack,
    /// Push.
    ReceivePack,
}

impl Service {
    /// Parses the `service` query parameter of `info/refs`.
    pub fn from_query(query: Option<&str>) -> Result<Service, AppError> {
        let service = query
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("service="));
        match service {
            Some("git-upload-pack") => Ok(Service::UploadPack),
            Some("git-receive-pack") => Ok(Service::ReceivePack),
            Some(other) => Err(AppError::BadRequest(format!(
                "Unknown git service “{other}”: this server offers git-upload-pack and git-receive-pack."
            ))),
            None => Err(AppError::BadRequest(
                "This server speaks git's smart HTTP protocol only; use git 1.6.6 or newer.".into(),
            )),
        }
    }

    /// The subcommand of `git` that serves it.
    pub fn command(self) -> &'static str {
        match self {
            Service::UploadPack => "upload-pack",
            Service::ReceivePack => "receive-pack",
        }
    }

    /// `git-upload-pack` or `git-receive-pack`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Service::UploadPack => "git-upload-pack",
            Service::ReceivePack => "git-receive-pack",
        }
    }

    /// Content type of the ref advertisement.
    pub fn advertisement_type(self) -> String {
        format!("application/x-{}-advertisement", self.wire_name())
    }

    /// Content type a client must send its request with.
    pub fn request_type(self) -> String {
        format!("application/x-{}-request", self.wire_name())
    }

    /// Content type of the result.
    pub fn result_type(self) -> String {
        format!("application/x-{}-result", self.wire_name())
    }
}

/// One pkt-line: four hex digits of length (including themselves), then the payload.
pub fn pkt_line(payload: &str) -> Vec<u8> {
    let mut line = format!("{:04x}", payload.len() + 4).into_bytes();
    line.extend_from_slice(payload.as_bytes());
    line
}

/// The end of a pkt-line section.
pub const FLUSH: &[u8] = b"0000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_service_parameter() {
        assert_eq!(
            Service::from_query(Some("service=git-upload-pack")).ok(),
            Some(Service::UploadPack)
        );
        assert_eq!(
            Service::from_query(Some("x=1&service=git-receive-pack")).ok(),
            Some(Service::ReceivePack)
        );
        assert!(Service::from_query(Some("service=git-upload-archive")).is_err());
        assert!(Service::from_query(None).is_err());
    }

    #[test]
    fn pkt_lines_count_their_own_length() {
        assert_eq!(
            pkt_line("# service=git-upload-pack\n"),
            b"001e# service=git-upload-pack\n".to_vec()
        );
    }
}
