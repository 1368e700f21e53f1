//! Credentials never leave the resolver: `user:password@` in a URL is shown as `****@`.

/// Replaces the userinfo of every URL-like `scheme://user[:pass]@host` in `url` with `****`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => format!("{}****{}", &url[..rest_start], &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_userinfo() {
        assert_eq!(
            redact_url("https://u:p@host/simple/"),
            "https://****@host/simple/"
        );
        assert_eq!(
            redact_url("https://token@host:8080/x"),
            "https://****@host:8080/x"
        );
        assert_eq!(
            redact_url("http://host/simple/?a=b@c"),
            "http://host/simple/?a=b@c"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
