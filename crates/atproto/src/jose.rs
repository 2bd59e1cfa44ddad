//! The JOSE pieces ATProto OAuth needs, by hand because they are small: ES256 (P-256 + SHA-256)
//! compact JWS, public JWKs and their RFC 7638 thumbprints, DPoP proofs (RFC 9449) and
//! `private_key_jwt` client assertions (RFC 7523).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AtprotoError;

/// Lifetime of a DPoP proof or client assertion; the server checks `iat`, we add `exp` too.
const PROOF_TTL_SECS: i64 = 60;

/// base64url without padding, as JOSE wants it.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random 128-bit identifier for `jti` claims and similar.
pub fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    b64(&bytes)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A P-256 key that signs ES256 JWS: the client's key or a per-session DPoP key.
#[derive(Clone)]
pub struct EsKey(SigningKey);

impl std::fmt::Debug for EsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret scalar.
        f.debug_tuple("EsKey").field(&self.thumbprint()).finish()
    }
}

impl EsKey {
    /// A fresh random key.
    pub fn generate() -> EsKey {
        EsKey(SigningKey::random(&mut rand::rngs::OsRng))
    }

    /// The secret scalar as base64url, for storing a session's DPoP key in the database.
    pub fn to_secret_string(&self) -> String {
        b64(&self.0.to_bytes())
    }

    /// Reads a key written by [`EsKey::to_secret_string`].
    pub fn from_secret_string(text: &str) -> Result<EsKey, AtprotoError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|e| AtprotoError::Key(format!("stored DPoP key is not base64url: {e}")))?;
        SigningKey::from_slice(&bytes)
            .map(EsKey)
            .map_err(|e| AtprotoError::Key(format!("stored DPoP key is not a P-256 key: {e}")))
    }

    /// The key as a PKCS#8 PEM document (for the client key file).
    pub fn to_pkcs8_pem(&self) -> Result<String, AtprotoError> {
        use p256::pkcs8::EncodePrivateKey as _;
        self.0
            .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| AtprotoError::Key(format!("cannot encode the key: {e}")))
    }

    /// Reads a PKCS#8 PEM P-256 private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<EsKey, AtprotoError> {
        use p256::pkcs8::DecodePrivateKey as _;
        SigningKey::from_pkcs8_pem(pem)
            .map(EsKey)
            .map_err(|e| AtprotoError::Key(format!("not a PKCS#8 P-256 private key: {e}")))
    }

    /// The public key as a JWK (`kty`, `crv`, `x`, `y`; never `d`).
    pub fn public_jwk(&self) -> Value {
        let point = self.0.verifying_key().to_encoded_point(false);
        // An uncompressed point always has both coordinates.
        let x = point.x().map(|x| b64(x)).unwrap_or_default();
        let y = point.y().map(|y| b64(y)).unwrap_or_default();
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
    }

    /// The RFC 7638 thumbprint of the public key: used as the client key's `kid`.
    pub fn thumbprint(&self) -> String {
        let jwk = self.public_jwk();
        // Required members in lexicographic order, no whitespace.
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or_default(),
            jwk["y"].as_str().unwrap_or_default()
        );
        b64(&Sha256::digest(canonical.as_bytes()))
    }

    /// Signs `header` and `claims` as a compact ES256 JWS.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature: Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }
}

/// The `htu` of a DPoP proof: the request URL without query and fragment.
fn htu(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// A DPoP proof for one request. `ath` binds it to an access token for resource requests.
pub fn dpop_proof(
    key: &EsKey,
    method: &str,
    url: &url::Url,
    nonce: Option<&str>,
    access_token: Option<&str>,
) -> String {
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk()});
    let iat = now();
    let mut claims = json!({
        "jti": random_id(),
        "htm": method,
        "htu": htu(url),
        "iat": iat,
        "exp": iat + PROOF_TTL_SECS,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(token) = access_token {
        claims["ath"] = json!(b64(&Sha256::digest(token.as_bytes())));
    }
    key.sign(&header, &claims)
}

/// A `private_key_jwt` client assertion for the authorization server `audience` (its issuer).
pub fn client_assertion(key: &EsKey, kid: &str, client_id: &str, audience: &str) -> String {
    let header = json!({"typ": "JWT", "alg": "ES256", "kid": kid});
    let iat = now();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": random_id(),
        "iat": iat,
        "exp": iat + PROOF_TTL_SECS,
    });
    key.sign(&header, &claims)
}

/// The client-assertion type for `private_key_jwt`.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier as _;

    /// Splits a compact JWS, checks its ES256 signature against the public JWK in `jwk` and
    /// returns (header, claims).
    pub(crate) fn verify(jws: &str, jwk: &Value) -> (Value, Value) {
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3, "compact JWS has three parts");
        let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).expect("base64url");
        let header: Value = serde_json::from_slice(&decode(parts[0])).expect("header json");
        let claims: Value = serde_json::from_slice(&decode(parts[1])).expect("claims json");
        let mut sec1 = vec![4u8];
        sec1.extend(decode(jwk["x"].as_str().expect("x")));
        sec1.extend(decode(jwk["y"].as_str().expect("y")));
        let key = VerifyingKey::from_sec1_bytes(&sec1).expect("public key");
        let sig = Signature::from_slice(&decode(parts[2])).expect("64-byte signature");
        key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .expect("signature verifies");
        (header, claims)
    }

    #[test]
    fn dpop_proof_has_the_rfc9449_shape() {
        let key = EsKey::generate();
        let url = url::Url::parse("https://pds.example.com/xrpc/x?y=1#z").expect("url");
        let proof = dpop_proof(&key, "POST", &url, Some("n0nce"), None);
        let (header, claims) = verify(&proof, &key.public_jwk());
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"], key.public_jwk());
        assert!(header["jwk"].get("d").is_none(), "no private part");
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["htu"], "https://pds.example.com/xrpc/x");
        assert_eq!(claims["nonce"], "n0nce");
        assert!(claims.get("ath").is_none());
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
        let iat = claims["iat"].as_i64().expect("iat");
        assert!((now() - iat).abs() < 5);
        // A second proof never reuses the jti.
        let other = dpop_proof(&key, "POST", &url, None, None);
        let (_, other) = verify(&other, &key.public_jwk());
        assert_ne!(claims["jti"], other["jti"]);
        assert!(other.get("nonce").is_none());
    }

    #[test]
    fn dpop_proof_binds_the_access_token_with_ath() {
        let key = EsKey::generate();
        let url = url::Url::parse("https://pds.example.com/xrpc/getSession").expect("url");
        let proof = dpop_proof(&key, "GET", &url, None, Some("the-token"));
        let (_, claims) = verify(&proof, &key.public_jwk());
        // SHA-256("the-token"), base64url.
        assert_eq!(claims["ath"], b64(&Sha256::digest(b"the-token")));
    }

    #[test]
    fn client_assertion_claims() {
        let key = EsKey::generate();
        let kid = key.thumbprint();
        let jws = client_assertion(
            &key,
            &kid,
            "https://robot.wtf/oauth/client-metadata.json",
            "https://bsky.social",
        );
        let (header, claims) = verify(&jws, &key.public_jwk());
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], kid.as_str());
        assert_eq!(
            claims["iss"],
            "https://robot.wtf/oauth/client-metadata.json"
        );
        assert_eq!(claims["sub"], claims["iss"]);
        assert_eq!(claims["aud"], "https://bsky.social");
        let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
        assert!(matches!((iat, exp), (Some(i), Some(e)) if e > i && e - i <= 300));
        assert!(claims["jti"].is_string());
    }

    #[test]
    fn keys_round_trip_and_thumbprints_are_stable() {
        let key = EsKey::generate();
        let again = EsKey::from_secret_string(&key.to_secret_string()).expect("secret");
        assert_eq!(again.public_jwk(), key.public_jwk());
        let pem = key.to_pkcs8_pem().expect("pem");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let from_pem = EsKey::from_pkcs8_pem(&pem).expect("parse pem");
        assert_eq!(from_pem.thumbprint(), key.thumbprint());
        assert_ne!(EsKey::generate().thumbprint(), key.thumbprint());
        assert!(EsKey::from_secret_string("not a key").is_err());
        assert!(format!("{key:?}").contains(&key.thumbprint()));
    }
}
