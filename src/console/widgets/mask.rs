//! Mask mode for screen shares and public demos: emails and phone numbers shown so that a
//! person can tell rows apart but not read them off the screen.

/// The bullet that stands for a hidden character.
const HIDDEN: char = '•';

/// `ada@example.com` → `a••@example.com`: the first character of the local part, then two
/// bullets whatever its length (the length says something too), then the domain, which
/// tells test users from real ones and says little about a person. Without an `@` the whole
/// text is the local part.
pub fn mask_email(email: &str) -> String {
    let (local, domain) = match email.rsplit_once('@') {
        Some((local, domain)) => (local, Some(domain)),
        None => (email, None),
    };
    let mut out = String::with_capacity(email.len() + 4);
    if let Some(first) = local.chars().next() {
        out.push(first);
        out.push(HIDDEN);
        out.push(HIDDEN);
    }
    if let Some(domain) = domain {
        out.push('@');
        out.push_str(domain);
    }
    out
}

/// `+15555550100` → `+1••••••0100`: the first digit (for most numbers, the start of the
/// country code) and the last four stay, every other digit becomes a bullet; `+`, spaces
/// and dashes stay where they are. Short numbers keep less: from 4 to 7 digits only the last
/// two, under 4 none.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = match digits {
        8.. => (1, 4),
        4..=7 => (0, 2),
        _ => (0, 0),
    };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits - tail {
                c
            } else {
                HIDDEN
            }
        })
        .collect()
}

/// A user's label (email, `+phone`, or id) as mask mode shows it.
pub fn mask_label(label: &str, mask: bool) -> String {
    if !mask {
        label.to_owned()
    } else if label.contains('@') {
        mask_email(label)
    } else if label.starts_with('+') || label.chars().all(|c| c.is_ascii_digit()) {
        mask_phone(label)
    } else {
        label.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_the_first_letter_and_the_domain() {
        assert_eq!(mask_email("ada@example.com"), "a••@example.com");
        assert_eq!(
            mask_email("lena.chowdhury39@mail.example.com"),
            "l••@mail.example.com"
        );
        // One letter or twenty: the same two bullets.
        assert_eq!(mask_email("x@example.com"), "x••@example.com");
        assert_eq!(mask_email("élodie@example.fr"), "é••@example.fr");
    }

    #[test]
    fn odd_emails_are_still_masked() {
        assert_eq!(mask_email(""), "");
        assert_eq!(mask_email("no-at-sign"), "n••");
        assert_eq!(mask_email("@example.com"), "@example.com");
        // The last `@` separates the domain.
        assert_eq!(mask_email("\"a@b\"@example.com"), "\"••@example.com");
    }

    #[test]
    fn phones_keep_the_first_digit_and_the_last_four() {
        assert_eq!(mask_phone("+15555550100"), "+1••••••0100");
        // GoTrue stores phones without the `+`.
        assert_eq!(mask_phone("15555550100"), "1••••••0100");
        assert_eq!(mask_phone("+44 20 7946 0958"), "+4• •• •••• 0958");
        assert_eq!(mask_phone("+1-555-555-0100"), "+1-•••-•••-0100");
    }

    #[test]
    fn short_phones_keep_less() {
        assert_eq!(mask_phone("5550100"), "•••••00");
        assert_eq!(mask_phone("123"), "•••");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn masking_never_shows_more_than_it_keeps() {
        let phone = "+15555550123";
        let masked = mask_phone(phone);
        assert_eq!(masked.chars().count(), phone.chars().count());
        assert_eq!(masked.chars().filter(char::is_ascii_digit).count(), 5);
        let email = "secret.person@example.com";
        assert!(!mask_email(email).contains("secret"));
    }
}
