//! Who may be talked to how (contract §6.2): verified HTTPS everywhere;
//! plain HTTP only to `trusted_hosts` and loopback; unverified TLS only to
//! `trusted_hosts`; `user:password@` sent as Basic auth, never shown.

use std::net::{Ipv4Addr, Ipv6Addr};

use base64::Engine as _;
use url::{Host, Url};

use crate::error::{ResolverError, Result};
use crate::redact::redact_url;

/// How a request to one URL is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS, certificate verified against the webpki roots.
    Verified,
    /// HTTPS to a trusted host: any certificate is accepted.
    Unverified,
    /// Plain HTTP (a trusted host or loopback).
    Plain,
}

/// A URL as it may be shown (credentials replaced by `****`).
pub fn shown(url: &Url) -> String {
    redact_url(url.as_str())
}

/// One `trusted_hosts` entry: a host, and the port when one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TrustedHost {
    host: String,
    port: Option<u16>,
}

impl TrustedHost {
    /// Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
    fn parse(entry: &str) -> Self {
        let entry = entry.trim().to_ascii_lowercase();
        if let Some(rest) = entry.strip_prefix('[') {
            if let Some((host, after)) = rest.split_once(']') {
                let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
                return Self {
                    host: format!("[{host}]"),
                    port,
                };
            }
        }
        if entry.matches(':').count() > 1 {
            return Self {
                host: format!("[{entry}]"),
                port: None,
            };
        }
        match entry.rsplit_once(':') {
            Some((host, port)) if port.parse::<u16>().is_ok() => Self {
                host: host.to_owned(),
                port: port.parse().ok(),
            },
            _ => Self {
                host: entry,
                port: None,
            },
        }
    }
}

/// The `trusted_hosts` policy.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    hosts: Vec<TrustedHost>,
}

impl TrustPolicy {
    /// The policy for `index.trusted_hosts`.
    pub fn new(trusted_hosts: &[String]) -> Self {
        Self {
            hosts: trusted_hosts
                .iter()
                .map(|h| TrustedHost::parse(h))
                .collect(),
        }
    }

    /// Is the URL's host (and port) in `trusted_hosts`?
    pub fn is_trusted(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let port = url.port_or_known_default();
        self.hosts
            .iter()
            .any(|t| t.host == host && (t.port.is_none() || t.port == port))
    }

    /// How `url` may be fetched, or `insecure_index` (decided before any
    /// request is made).
    pub fn transport(&self, url: &Url) -> Result<Transport> {
        match url.scheme() {
            "https" if self.is_trusted(url) => Ok(Transport::Unverified),
            "https" => Ok(Transport::Verified),
            "http" if self.is_trusted(url) || is_loopback(url) => Ok(Transport::Plain),
            "http" => Err(ResolverError::InsecureIndex {
                url: shown(url),
                message: format!(
                    "plain HTTP is allowed only for loopback and index.trusted_hosts; use HTTPS or add `{}` to index.trusted_hosts",
                    host_port(url)
                ),
            }),
            other => Err(ResolverError::IndexError {
                url: shown(url),
                message: format!("unsupported URL scheme `{other}` (only http and https)"),
            }),
        }
    }
}

/// `host` or `host:port` as written in a URL.
pub fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip == Ipv6Addr::LOCALHOST
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
        }
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The `(scheme, host, port)` a credential belongs to.
pub type Origin = (String, String, Option<u16>);

/// The origin of a URL.
pub fn origin(url: &Url) -> Origin {
    (
        url.scheme().to_owned(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default(),
    )
}

/// Splits `user:password@` off a URL: the URL without it, and the
/// `Authorization` header value it stands for.
pub fn take_credentials(url: &mut Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    // Both setters only fail for URLs that cannot have credentials at all.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Some(format!("Basic {token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn trusted_host_forms() {
        let p = TrustPolicy::new(&[
            "Example.org".into(),
            "mirror.local:8443".into(),
            "[::2]:99".into(),
            "fe80::1".into(),
        ]);
        assert!(p.is_trusted(&u("https://example.org/simple/")));
        assert!(p.is_trusted(&u("http://example.org:81/simple/")));
        assert!(p.is_trusted(&u("https://mirror.local:8443/")));
        assert!(!p.is_trusted(&u("https://mirror.local/")));
        assert!(p.is_trusted(&u("http://[::2]:99/")));
        assert!(p.is_trusted(&u("http://[fe80::1]/")));
        assert!(!p.is_trusted(&u("https://other.org/")));
    }

    #[test]
    fn transports() {
        let p = TrustPolicy::new(&["trusted.example".into()]);
        assert_eq!(
            p.transport(&u("https://pypi.org/simple/")).unwrap(),
            Transport::Verified
        );
        assert_eq!(
            p.transport(&u("https://trusted.example/simple/")).unwrap(),
            Transport::Unverified
        );
        for lo in [
            "http://127.0.0.1:9/simple",
            "http://127.1.2.3/",
            "http://[::1]:80/",
            "http://LOCALHOST:1/",
        ] {
            assert_eq!(p.transport(&u(lo)).unwrap(), Transport::Plain, "{lo}");
        }
        // Loopback over HTTPS is still verified.
        assert_eq!(
            p.transport(&u("https://127.0.0.1:8443/")).unwrap(),
            Transport::Verified
        );
        let e = p
            .transport(&u("http://user:secret@pypi.example/simple/"))
            .unwrap_err();
        assert_eq!(e.code(), "insecure_index");
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().contains("****@pypi.example"), "{e}");
        assert_eq!(
            p.transport(&u("ftp://x/")).unwrap_err().code(),
            "index_error"
        );
    }

    #[test]
    fn credentials_become_basic_auth() {
        let mut url = u("https://al%40ice:p%3Ass@host/simple/");
        let auth = take_credentials(&mut url).unwrap();
        assert_eq!(url.as_str(), "https://host/simple/");
        let token = auth.strip_prefix("Basic ").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap();
        assert_eq!(raw, b"al@ice:p:ss");
        let mut plain = u("https://host/simple/");
        assert_eq!(take_credentials(&mut plain), None);
        let mut token_only = u("https://tok@host/");
        assert!(take_credentials(&mut token_only).is_some());
    }
}
