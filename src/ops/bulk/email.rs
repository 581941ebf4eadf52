//! Email addresses as GoTrue stores them, and the plain reason one would be refused.

/// Trimmed and lower-cased, as GoTrue stores an email.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Why `email` (already normalised) cannot be invited, in plain words; `None` when it looks
/// like an address.
///
/// Slightly stricter than GoTrue on one point: a domain without a dot (`ada@gmail`) is refused
/// here, because in a pasted list it is almost always a typo. GoTrue's own, stricter rules for
/// the characters of the address still apply when the invite is sent, and its refusal shows up
/// as a failed row with `validation_failed`.
pub fn email_problem(email: &str) -> Option<String> {
    if email.is_empty() {
        return Some("no email address".to_owned());
    }
    let not_an_address = |why: &str| Some(format!("not an email address: {why}"));
    if email.len() > 255 {
        return not_an_address("longer than 255 characters");
    }
    if email.chars().any(char::is_whitespace) {
        return not_an_address("it contains a space");
    }
    if email.chars().any(char::is_control) {
        return not_an_address("it contains a control character");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return not_an_address("no @");
    };
    if domain.contains('@') {
        return not_an_address("more than one @");
    }
    if local.is_empty() {
        return not_an_address("nothing before the @");
    }
    if domain.is_empty() {
        return not_an_address("nothing after the @");
    }
    if !domain.contains('.') {
        return not_an_address("the domain has no dot");
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return not_an_address("the domain is malformed");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_gotrue() {
        assert_eq!(normalize_email("  Ada@Example.COM \t"), "ada@example.com");
        assert_eq!(normalize_email("JOSÉ@example.com"), "josé@example.com");
    }

    #[test]
    fn plain_reasons() {
        let reason = |e: &str| email_problem(e).unwrap_or_default();
        assert_eq!(reason(""), "no email address");
        assert_eq!(reason("ada.example.com"), "not an email address: no @");
        assert_eq!(reason("a@b@c.com"), "not an email address: more than one @");
        assert_eq!(
            reason("@example.com"),
            "not an email address: nothing before the @"
        );
        assert_eq!(reason("ada@"), "not an email address: nothing after the @");
        assert_eq!(
            reason("ada@gmail"),
            "not an email address: the domain has no dot"
        );
        assert_eq!(
            reason("ada@example..com"),
            "not an email address: the domain is malformed"
        );
        assert_eq!(
            reason("ada lovelace@x.com"),
            "not an email address: it contains a space"
        );
        assert!(reason(&format!("{}@example.com", "a".repeat(250))).contains("255"));
        assert_eq!(email_problem("ada@example.com"), None);
        assert_eq!(email_problem("a+tag@sub.example.co.uk"), None);
    }
}
