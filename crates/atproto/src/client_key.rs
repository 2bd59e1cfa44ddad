//! The client's own ES256 key: generated on first start at `keys/atproto-client.pem` (mode
//! 0600), served as a JWKS so authorization servers can check our client assertions.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::AtprotoError;
use crate::jose::EsKey;

/// File name of the client key inside the keys directory.
pub const CLIENT_KEY_FILE: &str = "atproto-client.pem";

/// The client key and its `kid` (the key's RFC 7638 thumbprint, so a new key gets a new id).
#[derive(Debug, Clone)]
pub struct ClientKey {
    key: EsKey,
    kid: String,
}

impl ClientKey {
    /// Loads `{dir}/atproto-client.pem`, creating the directory and a new key when missing.
    pub fn load_or_generate(dir: &Path) -> Result<ClientKey, AtprotoError> {
        let path = dir.join(CLIENT_KEY_FILE);
        let io = |what: &str, e: std::io::Error| {
            AtprotoError::Key(format!("cannot {what} {}: {e}", path.display()))
        };
        if path.exists() {
            let pem = std::fs::read_to_string(&path).map_err(|e| io("read", e))?;
            return Ok(ClientKey::from_key(EsKey::from_pkcs8_pem(&pem)?));
        }
        std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
        let key = EsKey::generate();
        write_private(&path, &key.to_pkcs8_pem()?).map_err(|e| io("write", e))?;
        tracing::info!(path = %path.display(), "generated the ATProto OAuth client key");
        Ok(ClientKey::from_key(key))
    }

    /// Wraps an existing key.
    pub fn from_key(key: EsKey) -> ClientKey {
        let kid = key.thumbprint();
        ClientKey { key, kid }
    }

    /// The signing key.
    pub fn key(&self) -> &EsKey {
        &self.key
    }

    /// The key id used in assertions and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWKS: `{"keys": [{kty, crv, x, y, kid, use, alg}]}`, never the private part.
    pub fn jwks(&self) -> Value {
        let mut jwk = self.key.public_jwk();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!("ES256");
        json!({"keys": [jwk]})
    }
}

/// Writes a file readable only by its owner, atomically (temporary file, then rename), so a
/// crash never leaves half a key.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp: PathBuf = path.with_extension("pem.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys");
        let first = ClientKey::load_or_generate(&keys).expect("generate");
        let again = ClientKey::load_or_generate(&keys).expect("load");
        assert_eq!(first.kid(), again.kid());
        assert_eq!(first.jwks(), again.jwks());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(keys.join(CLIENT_KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let jwk = &first.jwks()["keys"][0];
        assert_eq!(jwk["kid"], first.kid());
        assert_eq!(jwk["alg"], "ES256");
        assert!(
            jwk.get("d").is_none(),
            "the JWKS never holds the private key"
        );
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(CLIENT_KEY_FILE), "garbage").expect("write");
        assert!(matches!(
            ClientKey::load_or_generate(dir.path()),
            Err(AtprotoError::Key(_))
        ));
    }
}
