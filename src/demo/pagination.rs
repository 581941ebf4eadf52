//! Paging as GoTrue does it (internal/api/pagination.go, sorting.go):
//! `page`/`per_page` parsed with `strconv.ParseUint`, a `Link` header built
//! from the request URL with Go's query encoding (sorted keys, `+` for
//! spaces), `X-Total-Count`, and Postgres `LIKE`/`ILIKE` matching for filters.

use axum::http::{HeaderMap, HeaderValue, Uri};

use super::errors::ApiError;

pub const DEFAULT_PER_PAGE: u64 = 50;

#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// As given (may be 0; the query then acts as page 1, like pop does).
    pub page: u64,
    pub per_page: u64,
}

impl Page {
    /// Rows to skip.
    pub fn offset(&self) -> usize {
        let page = self.page.max(1);
        usize::try_from((page - 1).saturating_mul(self.per_page)).unwrap_or(usize::MAX)
    }

    pub fn limit(&self) -> usize {
        usize::try_from(self.per_page).unwrap_or(usize::MAX)
    }
}

/// The query string as Go's `url.Values`: keys with all their values, in
/// request order.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn from_uri(uri: &Uri) -> Self {
        Self::parse(uri.query())
    }

    /// `Get`: the first value, `""` when absent.
    pub fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `Del`.
    pub fn del(&mut self, key: &str) {
        self.pairs.retain(|(k, _)| k != key);
    }

    pub fn set(&mut self, key: &str, value: String) {
        self.pairs.retain(|(k, _)| k != key);
        self.pairs.push((key.to_string(), value));
    }

    /// `url.Values.Encode`: keys sorted, values in order, `QueryEscape`d.
    pub fn encode(&self) -> String {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut out = String::new();
        for key in keys {
            for (_, v) in self.pairs.iter().filter(|(k, _)| k == key) {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(&go_query_escape(key));
                out.push('=');
                out.push_str(&go_query_escape(v));
            }
        }
        out
    }
}

/// Go's `url.QueryEscape`.
pub fn go_query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `strconv.ParseUint(v, 10, 64)`, failing as GoTrue reports it.
fn parse_uint(v: &str) -> Result<u64, ApiError> {
    let bad = |why: &str| {
        ApiError::validation(format!(
            "Bad Pagination Parameters: strconv.ParseUint: parsing \"{v}\": {why}"
        ))
    };
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("invalid syntax"));
    }
    v.parse::<u64>().map_err(|_| bad("value out of range"))
}

/// GoTrue's `paginate`.
pub fn paginate(q: &Query) -> Result<Page, ApiError> {
    let parse = parse_uint;
    let mut page = Page {
        page: 1,
        per_page: DEFAULT_PER_PAGE,
    };
    let raw_page = q.get("page");
    if !raw_page.is_empty() {
        page.page = parse(raw_page)?;
    }
    let raw_per_page = q.get("per_page");
    if !raw_per_page.is_empty() {
        page.per_page = parse(raw_per_page)?;
        if page.per_page == 0 {
            return Err(ApiError::validation(
                "Bad Pagination Parameters: per_page must be greater than 0",
            ));
        }
    }
    Ok(page)
}

/// `defaultKeysetPerPage` and `maxKeysetPerPage`.
pub const DEFAULT_KEYSET_LIMIT: u64 = 50;
pub const MAX_KEYSET_LIMIT: u64 = 1000;

/// A keyset position: the last row of the page before (`models.KeysetCursor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub id: uuid::Uuid,
}

impl Cursor {
    /// The opaque token: base64url (unpadded) of `{"created_at":…,"id":…}`.
    pub fn encode(&self) -> String {
        use base64::Engine;
        let json = format!(
            r#"{{"created_at":"{}","id":"{}"}}"#,
            super::gotime::format(&self.created_at),
            self.id
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// `decodeCursor`: a malformed token, or one without an id or a time, is refused.
    pub fn decode(raw: &str) -> Result<Cursor, String> {
        use base64::Engine;
        #[derive(serde::Deserialize)]
        struct Wire {
            #[serde(default)]
            created_at: Option<String>,
            #[serde(default)]
            id: Option<String>,
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| {
                let at = raw
                    .bytes()
                    .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                    .unwrap_or(raw.len().saturating_sub(1));
                format!("invalid cursor encoding: illegal base64 data at input byte {at}")
            })?;
        let wire: Wire =
            serde_json::from_slice(&bytes).map_err(|e| format!("invalid cursor: {e}"))?;
        let id = match wire.id.as_deref() {
            None => uuid::Uuid::nil(),
            Some(s) => uuid::Uuid::parse_str(s).map_err(|e| format!("invalid cursor: {e}"))?,
        };
        let created_at = match wire.created_at.as_deref() {
            None => None,
            Some(s) => Some(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map_err(|e| format!("invalid cursor: parsing time {s:?}: {e}"))?
                    .with_timezone(&chrono::Utc),
            ),
        };
        if id.is_nil() {
            return Err("invalid cursor: missing id".into());
        }
        let zero = chrono::DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok();
        match created_at {
            Some(t) if Some(t) != zero => Ok(Cursor { created_at: t, id }),
            _ => Err("invalid cursor: missing created_at".into()),
        }
    }
}

/// A keyset page request (`models.KeysetPagination`).
#[derive(Clone, Copy, Debug)]
pub struct Keyset {
    pub limit: usize,
    pub after: Option<Cursor>,
}

/// `useCursorPagination`: the flag is on and the request names neither `page` nor
/// `per_page`.
pub fn wants_keyset(enabled: bool, q: &Query) -> bool {
    enabled && q.get("page").is_empty() && q.get("per_page").is_empty()
}

/// `parseKeysetParams`: `limit` (default 50, at most 1000, not 0) and `cursor`.
pub fn keyset(q: &Query) -> Result<Keyset, ApiError> {
    let mut limit = DEFAULT_KEYSET_LIMIT;
    let raw = q.get("limit");
    if !raw.is_empty() {
        limit = parse_uint(raw)?;
        if limit == 0 {
            return Err(ApiError::validation(
                "Bad Pagination Parameters: limit must be greater than 0",
            ));
        }
    }
    let limit = usize::try_from(limit.min(MAX_KEYSET_LIMIT)).unwrap_or(1000);
    let raw = q.get("cursor");
    let after = if raw.is_empty() {
        None
    } else {
        Some(
            Cursor::decode(raw)
                .map_err(|e| ApiError::validation(format!("Bad Pagination Parameters: {e}")))?,
        )
    };
    Ok(Keyset { limit, after })
}

/// `addKeysetPaginationHeaders`: `Link: <…cursor=…>; rel="next"` when there is a next
/// page, with `page` dropped; nothing else (no total).
pub fn keyset_headers(uri: &Uri, next: Option<&Cursor>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(next) = next {
        let mut query = Query::from_uri(uri);
        query.del("page");
        query.set("cursor", next.encode());
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.encode());
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.insert("link", v);
        }
    }
    h
}

/// GoTrue's `sort` for the users list: only `created_at`, default newest
/// first. Returns `true` for ascending.
pub fn created_at_ascending(q: &Query) -> Result<bool, ApiError> {
    let mut order = None;
    for value in q.all("sort") {
        let (field, dir) = match value.split_once(' ') {
            Some((f, d)) => (f, Some(d)),
            None => (value, None),
        };
        if field != "created_at" {
            return Err(ApiError::validation(format!(
                "Bad Sort Parameters: bad field for sort '{field}'"
            )));
        }
        let ascending = match dir.map(str::to_uppercase).as_deref() {
            None | Some("DESC") => false,
            Some("ASC") => true,
            Some(_) => {
                return Err(ApiError::validation(format!(
                    "Bad Sort Parameters: bad direction for sort '{}', only 'asc' and 'desc' allowed",
                    dir.unwrap_or_default()
                )));
            }
        };
        // The first sort field decides the order; later ones only tie-break.
        order.get_or_insert(ascending);
    }
    Ok(order.unwrap_or(false))
}

/// GoTrue's `addPaginationHeaders`: `Link` with `rel="next"` when another
/// page exists and always `rel="last"`, plus `X-Total-Count`.
pub fn headers(uri: &Uri, page: &Page, total: u64) -> HeaderMap {
    let per_page = page.per_page.max(1);
    let total_pages = total / per_page + u64::from(!total.is_multiple_of(per_page));
    let path = uri.path();
    let mut query = Query::from_uri(uri);
    let mut link = String::new();
    if total_pages > page.page {
        query.set("page", (page.page + 1).to_string());
        link.push_str(&format!("<{path}?{}>; rel=\"next\", ", query.encode()));
    }
    query.set("page", total_pages.to_string());
    link.push_str(&format!("<{path}?{}>; rel=\"last\"", query.encode()));
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert("link", v);
    }
    h.insert("x-total-count", HeaderValue::from(total));
    h
}

/// Postgres `LIKE` (or `ILIKE` when `insensitive`): `%` any run, `_` one
/// character, `\` escapes.
pub fn like_matches(pattern: &str, text: &str, insensitive: bool) -> bool {
    Like::new(pattern, insensitive).matches(text)
}

/// A `LIKE`/`ILIKE` pattern prepared once, for a scan over many rows: the common
/// `%literal%` is a substring search that allocates nothing for ASCII text.
pub struct Like {
    insensitive: bool,
    shape: LikeShape,
}

enum LikeShape {
    /// `%literal%` without wildcards inside (lower-cased when insensitive).
    Contains(String),
    /// Anything else, as characters (lower-cased when insensitive).
    General(Vec<char>),
}

impl Like {
    pub fn new(pattern: &str, insensitive: bool) -> Self {
        let p = if insensitive {
            pattern.to_lowercase()
        } else {
            pattern.to_string()
        };
        let inner = p
            .strip_prefix('%')
            .and_then(|rest| rest.strip_suffix('%'))
            .filter(|inner| !inner.contains(['%', '_', '\\']));
        let shape = match inner {
            Some(inner) => LikeShape::Contains(inner.to_string()),
            None => LikeShape::General(p.chars().collect()),
        };
        Like { insensitive, shape }
    }

    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            LikeShape::Contains(inner) if !self.insensitive => text.contains(inner.as_str()),
            LikeShape::Contains(inner) if text.is_ascii() && inner.is_ascii() => {
                inner.is_empty()
                    || text
                        .as_bytes()
                        .windows(inner.len())
                        .any(|w| w.eq_ignore_ascii_case(inner.as_bytes()))
            }
            LikeShape::Contains(inner) => text.to_lowercase().contains(inner.as_str()),
            LikeShape::General(p) => {
                let t: Vec<char> = if self.insensitive {
                    text.to_lowercase().chars().collect()
                } else {
                    text.chars().collect()
                };
                like_rec(p, &t)
            }
        }
    }
}

fn like_rec(p: &[char], t: &[char]) -> bool {
    // Iterative matcher with backtracking on the last `%`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '_' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like() {
        assert!(like_matches("%ada%", "ada@example.com", false));
        assert!(!like_matches("%ADA%", "ada@example.com", false));
        assert!(like_matches("%ADA%", "ada@example.com", true));
        assert!(like_matches("%a_a%", "ada@example.com", false));
        assert!(like_matches("%%", "", false));
        assert!(like_matches("%ex%com%", "ada@example.com", false));
        assert!(!like_matches("%x_z%", "ada@example.com", false));
        assert!(like_matches("%100\\%%", "100% sure", false));
    }

    #[test]
    fn link_header_like_gotrue() {
        let uri: Uri = "/admin/users?per_page=10&page=2&filter=a b"
            .replace(' ', "%20")
            .parse()
            .unwrap_or_default();
        let q = Query::from_uri(&uri);
        let page = paginate(&q).unwrap_or(Page {
            page: 0,
            per_page: 0,
        });
        let h = headers(&uri, &page, 123);
        assert_eq!(
            h.get("link").and_then(|v| v.to_str().ok()),
            Some(
                "</admin/users?filter=a+b&page=3&per_page=10>; rel=\"next\", \
                 </admin/users?filter=a+b&page=13&per_page=10>; rel=\"last\""
            )
        );
        assert_eq!(
            h.get("x-total-count").and_then(|v| v.to_str().ok()),
            Some("123")
        );
        let last = Page {
            page: 13,
            per_page: 10,
        };
        let h = headers(&uri, &last, 123);
        assert_eq!(
            h.get("link").and_then(|v| v.to_str().ok()),
            Some("</admin/users?filter=a+b&page=13&per_page=10>; rel=\"last\"")
        );
    }

    #[test]
    fn bad_pages() {
        let q = Query::parse(Some("page=many"));
        assert_eq!(
            paginate(&q).err().map(|e| e.message().to_string()),
            Some(
                "Bad Pagination Parameters: strconv.ParseUint: parsing \"many\": invalid syntax"
                    .to_string()
            )
        );
        let q = Query::parse(Some("per_page=0"));
        assert!(paginate(&q).is_err());
        let q = Query::parse(Some("sort=email"));
        assert!(created_at_ascending(&q).is_err());
        let q = Query::parse(Some("sort=created_at%20asc"));
        assert_eq!(created_at_ascending(&q).ok(), Some(true));
    }
}

#[cfg(test)]
mod keyset_tests {
    use super::*;

    #[test]
    fn a_cursor_comes_back_as_it_went_and_bad_ones_say_why() {
        let c = Cursor {
            created_at: chrono::DateTime::parse_from_rfc3339("2024-05-01T10:11:12.5Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            id: uuid::Uuid::parse_str("7d3c1ed4-3c0b-4b69-9d7a-0e5f0b3c1a11").unwrap(),
        };
        let token = c.encode();
        assert!(!token.contains('='), "unpadded: {token}");
        assert_eq!(Cursor::decode(&token), Ok(c));
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        for (raw, why) in [
            ("!!!!".to_owned(), "illegal base64 data at input byte 0"),
            (b64("not json"), "invalid cursor:"),
            (
                b64(r#"{"created_at":"2024-01-01T00:00:00Z"}"#),
                "missing id",
            ),
            (
                b64(r#"{"id":"7d3c1ed4-3c0b-4b69-9d7a-0e5f0b3c1a11"}"#),
                "missing created_at",
            ),
        ] {
            let e = Cursor::decode(&raw).expect_err("refused");
            assert!(e.contains(why), "{raw}: {e}");
        }
    }

    #[test]
    fn keyset_only_without_page_or_per_page_and_the_limit_is_capped() {
        let q = |s: &str| Query::parse(Some(s));
        assert!(wants_keyset(true, &q("limit=2")));
        assert!(!wants_keyset(true, &q("page=1")));
        assert!(!wants_keyset(true, &q("per_page=5")));
        assert!(!wants_keyset(false, &q("limit=2")));
        assert_eq!(keyset(&q("")).map(|k| k.limit).ok(), Some(50));
        assert_eq!(keyset(&q("limit=5000")).map(|k| k.limit).ok(), Some(1000));
        assert!(keyset(&q("limit=0")).is_err());
    }
}
