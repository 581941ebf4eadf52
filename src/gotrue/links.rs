//! Paging headers: `X-Total-Count` and `Link: <…?page=2&per_page=50>; rel="next", …`.

use reqwest::header::HeaderMap;

/// `X-Total-Count`, when present and a number.
pub fn total_count(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-total-count")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The `next` and `last` page numbers of a `Link` header.
pub fn page_links(headers: &HeaderMap) -> (Option<u32>, Option<u32>) {
    let mut next = None;
    let mut last = None;
    for value in headers.get_all("link") {
        let Ok(text) = value.to_str() else { continue };
        for (rel, page) in parse_link_header(text) {
            match rel.as_str() {
                "next" => next = Some(page),
                "last" => last = Some(page),
                _ => {}
            }
        }
    }
    (next, last)
}

/// `(rel, page)` for each link in a `Link` header that carries a `page` parameter.
pub fn parse_link_header(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    // Split on the commas between links, not those inside `<…>`.
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let target = &rest[start + 1..start + end];
        let after = &rest[start + end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        rest = &after[params_end..];

        let rel = params.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k.trim().eq_ignore_ascii_case("rel")).then(|| {
                v.trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .to_owned()
            })
        });
        let page = query_param(target, "page").and_then(|p| p.parse::<u32>().ok());
        if let (Some(rel), Some(page)) = (rel, page) {
            for r in rel.split_whitespace() {
                out.push((r.to_owned(), page));
            }
        }
    }
    out
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn multi_digit_pages() {
        let h = r#"</admin/users?page=2&per_page=50>; rel="next", </admin/users?page=2481&per_page=50>; rel="last""#;
        assert_eq!(
            parse_link_header(h),
            vec![("next".into(), 2), ("last".into(), 2481)]
        );
    }

    #[test]
    fn absolute_urls_and_odd_spacing() {
        let h = r#"<http://x:9999/admin/users?per_page=10&page=13>;rel=next,<http://x:9999/admin/users?per_page=10&page=140>;  rel="last""#;
        assert_eq!(
            parse_link_header(h),
            vec![("next".into(), 13), ("last".into(), 140)]
        );
    }

    #[test]
    fn headers() {
        let mut m = HeaderMap::new();
        m.insert("x-total-count", HeaderValue::from_static("12408"));
        m.insert(
            "link",
            HeaderValue::from_static(r#"</admin/users?page=249&per_page=50>; rel="last""#),
        );
        assert_eq!(total_count(&m), Some(12408));
        assert_eq!(page_links(&m), (None, Some(249)));
        assert_eq!(page_links(&HeaderMap::new()), (None, None));
        m.insert("x-total-count", HeaderValue::from_static("lots"));
        assert_eq!(total_count(&m), None);
    }
}
