//! Input checks with GoTrue's answers: `validateEmail` (mail.go, checkmail's
//! format rule), `validatePhone` (phone.go, E.164 without the `+`) and the
//! password rules of `checkPasswordStrength` (password.go).

use super::errors::ApiError;

/// bcrypt only looks at 72 bytes; GoTrue refuses longer passwords.
pub const MAX_PASSWORD_LENGTH: usize = 72;

/// GoTrue's `validateEmail`: required, at most 255 bytes, checkmail's format,
/// then lower-cased.
pub fn email(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::validation("An email address is required"));
    }
    if raw.len() > 255 {
        return Err(ApiError::validation("An email address is too long"));
    }
    if !email_format_ok(raw) {
        return Err(ApiError::validation(
            "Unable to validate email address: invalid format",
        ));
    }
    Ok(raw.to_lowercase())
}

/// checkmail's pattern:
/// `^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`
fn email_format_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
    {
        return false;
    }
    if domain.is_empty() {
        return false;
    }
    domain.split('.').all(|label| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 63
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// GoTrue's `formatPhoneNumber`: drop a leading `+` and every space.
pub fn format_phone(raw: &str) -> String {
    raw.strip_prefix('+').unwrap_or(raw).replace(' ', "")
}

/// GoTrue's `validatePhone`: E.164 digits, stored without the `+`.
pub fn phone(raw: &str) -> Result<String, ApiError> {
    let phone = format_phone(raw);
    let bytes = phone.as_bytes();
    let ok = (2..=15).contains(&bytes.len())
        && bytes.first().is_some_and(|b| (b'1'..=b'9').contains(b))
        && bytes.iter().all(u8::is_ascii_digit);
    if ok {
        Ok(phone)
    } else {
        Err(ApiError::unprocessable(
            "validation_failed",
            "Invalid phone number format (E.164 required)",
        ))
    }
}

/// GoTrue's `checkPasswordStrength` with the default configuration (no
/// required character sets, no HIBP): too long is a 400, too short a 422
/// `weak_password` with reason `length`.
pub fn password_strength(password: &str, min_length: usize) -> Result<(), ApiError> {
    if password.len() > MAX_PASSWORD_LENGTH {
        return Err(ApiError::validation(format!(
            "Password cannot be longer than {MAX_PASSWORD_LENGTH} characters"
        )));
    }
    if password.len() < min_length {
        return Err(ApiError::weak_password(
            format!("Password should be at least {min_length} characters."),
            vec!["length".to_string()],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("Ada@Example.com").ok().as_deref(),
            Some("ada@example.com")
        );
        assert!(email("no-at-sign").is_err());
        assert!(email("a@b").is_ok());
        assert!(email("a@-b.com").is_err());
        assert!(email("a@b..com").is_err());
        assert!(email("a b@c.com").is_err());
        assert!(email("").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(
            phone("+1 555 555 0100").ok().as_deref(),
            Some("15555550100")
        );
        assert!(phone("+0123").is_err());
        assert!(phone("12345678901234567").is_err());
        assert!(phone("abc").is_err());
    }
}
