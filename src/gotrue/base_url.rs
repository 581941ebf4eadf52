//! The address of a GoTrue server, from either a GoTrue URL or a Supabase project URL.

use std::fmt;
use url::Url;

/// A normalised GoTrue base URL: no trailing slash, and `/auth/v1` appended to a bare
/// Supabase project URL (`https://abc.supabase.co` → `https://abc.supabase.co/auth/v1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(Url);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BaseUrlError {
    #[error("not a URL: {0}")]
    Invalid(String),
    #[error("the URL must start with http:// or https://, not {0}://")]
    Scheme(String),
}

impl BaseUrl {
    pub fn parse(input: &str) -> Result<Self, BaseUrlError> {
        let trimmed = input.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            // `localhost:9999` and `abc.supabase.co` are what people paste.
            let local = trimmed.starts_with("localhost") || trimmed.starts_with("127.");
            format!("{}://{trimmed}", if local { "http" } else { "https" })
        };
        let mut url =
            Url::parse(&with_scheme).map_err(|e| BaseUrlError::Invalid(format!("{input}: {e}")))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(BaseUrlError::Scheme(url.scheme().to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(BaseUrlError::Invalid(input.to_owned()));
        }
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().trim_end_matches('/').to_owned();
        // A bare Supabase project URL: its GoTrue lives under /auth/v1.
        let path = if path.is_empty() && is_supabase_host(url.host_str().unwrap_or_default()) {
            "/auth/v1".to_owned()
        } else {
            path
        };
        url.set_path(&path);
        Ok(Self(url))
    }

    /// Like [`BaseUrl::parse`], but a bare host always gets `/auth/v1`: for `SUPABASE_URL`,
    /// which names a project (self-hosted Supabase included), never GoTrue itself.
    pub fn from_supabase_url(input: &str) -> Result<Self, BaseUrlError> {
        let mut base = Self::parse(input)?;
        if base.0.path().trim_end_matches('/').is_empty() {
            base.0.set_path("/auth/v1");
        }
        Ok(base)
    }

    /// Whether the URL has no path: GoTrue itself, or a Supabase API URL whose Auth is
    /// under `/auth/v1`.
    pub fn is_bare(&self) -> bool {
        self.0.path().trim_end_matches('/').is_empty()
    }

    /// This URL with `/auth/v1` appended: where a Supabase API URL serves GoTrue.
    pub fn under_auth_v1(&self) -> BaseUrl {
        let mut u = self.0.clone();
        let path = format!("{}/auth/v1", u.path().trim_end_matches('/'));
        u.set_path(&path);
        BaseUrl(u)
    }

    /// The full URL of an endpoint path such as `/admin/users`.
    pub fn join(&self, path: &str) -> String {
        let base = self.as_str();
        format!("{base}{path}")
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_supabase_host(host: &str) -> bool {
    host.ends_with(".supabase.co")
        || host.ends_with(".supabase.in")
        || host.ends_with(".supabase.red")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_trailing_slashes() {
        let b = BaseUrl::parse("http://127.0.0.1:9999///").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:9999");
        assert_eq!(b.join("/health"), "http://127.0.0.1:9999/health");
        let b = BaseUrl::parse("https://example.com/auth/v1/").unwrap();
        assert_eq!(b.join("/user"), "https://example.com/auth/v1/user");
    }

    #[test]
    fn supabase_project_url_gets_auth_v1() {
        let b = BaseUrl::parse("https://abcd.supabase.co").unwrap();
        assert_eq!(b.as_str(), "https://abcd.supabase.co/auth/v1");
        let b = BaseUrl::parse("abcd.supabase.co/").unwrap();
        assert_eq!(b.as_str(), "https://abcd.supabase.co/auth/v1");
        let b = BaseUrl::from_supabase_url("http://localhost:54321").unwrap();
        assert_eq!(b.as_str(), "http://localhost:54321/auth/v1");
        let b = BaseUrl::from_supabase_url("http://localhost:54321/auth/v1/").unwrap();
        assert_eq!(b.as_str(), "http://localhost:54321/auth/v1");
    }

    #[test]
    fn bare_local_host_defaults_to_http() {
        let b = BaseUrl::parse("localhost:9999").unwrap();
        assert_eq!(b.as_str(), "http://localhost:9999");
    }

    #[test]
    fn rejects_garbage() {
        assert!(BaseUrl::parse("").is_err());
        assert!(matches!(
            BaseUrl::parse("ftp://x.org"),
            Err(BaseUrlError::Scheme(_))
        ));
        assert!(BaseUrl::parse("http://").is_err());
    }
}
