//! Forward proxies from the environment (contract §6.4), as curl,
//! pip and uv read them:
//! - `https_proxy` / `HTTPS_PROXY` for `https://` URLs, `http_proxy` /
//!   `HTTP_PROXY` for `http://` URLs, else `all_proxy` / `ALL_PROXY` (the
//!   lower-case spelling first; an empty value counts as unset);
//! - `no_proxy` / `NO_PROXY`: a comma- (or space-) separated list of hosts
//!   that are reached directly: `*` (every host), `example.org` (that host
//!   and its subdomains; a leading `.` or `*.` means the same), an IP
//!   address, a CIDR block (`10.0.0.0/8`, `fd00::/8`), each optionally with
//!   `:port`;
//! - a proxy URL without a scheme is `http://`; `http://` proxies tunnel
//!   HTTPS with CONNECT; `user:password@` in it is sent to the proxy and
//!   shown as `****` in every message.
//!
//! ureq's own `Proxy::try_from_env` takes the first of `ALL_PROXY`,
//! `HTTPS_PROXY`, `HTTP_PROXY` for every URL whatever its scheme, and
//! matches `NO_PROXY` entries exactly (no subdomains, CIDR, ports or
//! spaces), so the agents are built without it and each request is given
//! the proxy chosen here.

use std::net::IpAddr;

use url::{Host, Url};

use crate::redact::redact_url;

/// The proxy a request goes through.
#[derive(Clone)]
pub struct Chosen {
    /// The proxy for ureq.
    pub proxy: ureq::Proxy,
    /// Its URL as it may be shown (credentials as `****`).
    pub shown: String,
    /// The variable it came from.
    pub var: &'static str,
}

impl std::fmt::Debug for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (from {})", self.shown, self.var)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Bypass {
    All,
    /// A domain: the host itself and its subdomains.
    Domain(String, Option<u16>),
    /// An address block.
    Block(IpAddr, u8, Option<u16>),
}

/// The proxy settings of the environment.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    https: Option<Chosen>,
    http: Option<Chosen>,
    bypass: Vec<Bypass>,
}

impl Proxies {
    /// The settings of this process's environment, and warnings for proxy
    /// variables that could not be used.
    pub fn from_env() -> (Self, Vec<String>) {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The settings from a variable lookup.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let var = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|n| get(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
        };
        let mut proxy = |names: [&'static str; 2]| {
            let (name, value) = var(names)?;
            let value = value.trim().to_owned();
            let with_scheme = if value.contains("://") {
                value
            } else {
                format!("http://{value}")
            };
            match ureq::Proxy::new(&with_scheme) {
                Ok(proxy) => Some(Chosen {
                    proxy,
                    shown: redact_url(&with_scheme),
                    var: name,
                }),
                Err(e) => {
                    warnings.push(format!(
                        "{name}={} is not a usable proxy ({e}); requests go direct",
                        redact_url(&with_scheme)
                    ));
                    None
                }
            }
        };
        let all = proxy(["all_proxy", "ALL_PROXY"]);
        let https = proxy(["https_proxy", "HTTPS_PROXY"]).or_else(|| all.clone());
        let http = proxy(["http_proxy", "HTTP_PROXY"]).or(all);
        let bypass = var(["no_proxy", "NO_PROXY"])
            .map(|(_, v)| parse_no_proxy(&v))
            .unwrap_or_default();
        (
            Self {
                https,
                http,
                bypass,
            },
            warnings,
        )
    }

    /// The proxy for `url`, or `None` to connect directly.
    pub fn for_url(&self, url: &Url) -> Option<&Chosen> {
        let chosen = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        (!self.bypassed(url)).then_some(chosen)
    }

    fn bypassed(&self, url: &Url) -> bool {
        let port = url.port_or_known_default();
        let port_ok = |p: &Option<u16>| p.is_none() || *p == port;
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.bypass.iter().any(|b| match b {
            Bypass::All => true,
            Bypass::Domain(d, p) => {
                port_ok(p)
                    && (host == *d
                        || (host.len() > d.len()
                            && host.ends_with(d.as_str())
                            && host.as_bytes()[host.len() - d.len() - 1] == b'.'))
            }
            Bypass::Block(net, bits, p) => {
                port_ok(p) && ip.is_some_and(|ip| in_block(ip, *net, *bits))
            }
        })
    }
}

fn parse_no_proxy(text: &str) -> Vec<Bypass> {
    text.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            if entry == "*" {
                return Bypass::All;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            // [v6]:port, v6, v6/bits, host:port, v4/bits
            let (body, port) = if let Some(rest) = entry.strip_prefix('[') {
                match rest.split_once(']') {
                    Some((h, after)) => (h, after.strip_prefix(':').and_then(|p| p.parse().ok())),
                    None => (rest, None),
                }
            } else if entry.matches(':').count() == 1 {
                match entry.rsplit_once(':') {
                    Some((h, p)) if p.parse::<u16>().is_ok() => (h, p.parse().ok()),
                    _ => (entry, None),
                }
            } else {
                (entry, None)
            };
            let (addr, bits) = match body.split_once('/') {
                Some((a, b)) => (a, b.parse::<u8>().ok()),
                None => (body, None),
            };
            match addr.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    Bypass::Block(ip, bits.unwrap_or(max).min(max), port)
                }
                Err(_) => Bypass::Domain(body.to_ascii_lowercase(), port),
            }
        })
        .collect()
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (a, b, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (a >> shift) == (b >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Proxies {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Proxies::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).0
    }

    fn via(p: &Proxies, url: &str) -> Option<String> {
        p.for_url(&Url::parse(url).unwrap())
            .map(|c| format!("{} {}", c.var, c.shown))
    }

    #[test]
    fn scheme_picks_the_variable() {
        let p = env(&[
            ("HTTPS_PROXY", "http://u:secret@proxy:3128"),
            ("http_proxy", "plain:8080"),
            ("ALL_PROXY", "http://all:1"),
        ]);
        assert_eq!(
            via(&p, "https://pypi.org/simple/").as_deref(),
            Some("HTTPS_PROXY http://****@proxy:3128")
        );
        assert_eq!(
            via(&p, "http://mirror/simple/").as_deref(),
            Some("http_proxy http://plain:8080")
        );
        let p = env(&[("all_proxy", "http://all:1"), ("https_proxy", "")]);
        assert_eq!(
            via(&p, "https://x/").as_deref(),
            Some("all_proxy http://all:1")
        );
        assert_eq!(via(&env(&[]), "https://x/"), None);
    }

    #[test]
    fn no_proxy_forms() {
        let p = env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("HTTP_PROXY", "http://proxy:3128"),
            (
                "NO_PROXY",
                "internal.example, .corp, 10.0.0.0/8,127.0.0.1 [::1], mirror:8443",
            ),
        ]);
        for direct in [
            "https://internal.example/",
            "https://pypi.internal.example/",
            "https://a.b.corp/",
            "http://10.2.3.4/",
            "http://127.0.0.1:8080/",
            "http://[::1]:9/",
            "https://mirror:8443/",
        ] {
            assert_eq!(via(&p, direct), None, "{direct}");
        }
        for proxied in [
            "https://pypi.org/",
            "https://notinternal.example/",
            "http://11.0.0.1/",
            "http://127.0.0.2/",
            "https://mirror/",
        ] {
            assert!(via(&p, proxied).is_some(), "{proxied}");
        }
        let all = env(&[("https_proxy", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(via(&all, "https://pypi.org/"), None);
    }
}
