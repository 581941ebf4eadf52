//! Property tests (proptest) for everything that reads input from outside the process: error
//! answers, JWTs, pasted cookies, CSV and pasted invitation lists, and the bytes a remote
//! terminal sends. Each never panics on arbitrary input nor on near-valid input (valid JSON
//! with random fields, JWTs with random segments, CSV with random quoting and columns, escape
//! sequences split anywhere), and keeps its real properties: an encoded JWT decodes to the
//! same claims, a cookie gives back the tokens put in it, every CSV record is a row at its
//! own line, a byte stream parses the same however it is split.
//!
//! `cargo test --test fuzz` runs proptest's default 256 cases per property (seconds in a
//! debug build); `PROPTEST_CASES=100000 cargo test --release --test fuzz` runs longer.
//! A failure prints the minimal input and saves its seed under `proptest-regressions/`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gotrue_console::console::input::Input;
use gotrue_console::gotrue::jwt::{Claims, decode_unverified, looks_like_jwt};
use gotrue_console::gotrue::token_input::parse_token_input;
use gotrue_console::gotrue::{ErrorKind, GoTrueError};
use gotrue_console::ops::bulk::{InviteBatch, RowStatus, email_problem, normalize_email};
use gotrue_console::term::input_parser::InputParser;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

// ---- shared strategies ----------------------------------------------------------------------

/// A JSON value of a few levels: what a server might put in any field.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Floats that print and read back exactly (serde_json's default float parsing is not
        // exact for every f64, which is not what these tests are about).
        select(vec![0.5, -2.25, 1e10, 3.0]).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        select(vec![
            "",
            "over_email_send_rate_limit",
            "user_banned",
            "23505",
            "weak_password",
            "invalid_grant",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text with the characters that break parsers: quotes, separators, line breaks, non-ASCII.
fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9@._+-]",
            1 => select(vec![",", ";", "\t", "\"", "\n", "\r\n", " ", "é", "ß", "🦀", "#", "{", "}", "%", "="])
                .prop_map(str::to_owned),
        ],
        0..max,
    )
    .prop_map(|parts| parts.concat())
}

// ---- error decoding -------------------------------------------------------------------------

/// An error body as GoTrue, a proxy or a broken connection might send it.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let keys = select(vec![
        "code",
        "error_code",
        "msg",
        "message",
        "error",
        "error_description",
        "detail",
        "hint",
        "error_id",
        "weak_password",
        "reasons",
    ]);
    let object = prop::collection::vec((keys, json_value()), 0..8).prop_map(|fields| {
        let mut map = Map::new();
        for (k, v) in fields {
            map.insert(k.to_owned(), v);
        }
        Value::Object(map)
    });
    prop_oneof![
        // Valid JSON, maybe cut off anywhere.
        4 => (object, any::<prop::sample::Index>(), any::<bool>()).prop_map(|(v, cut, whole)| {
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            if whole || bytes.is_empty() {
                bytes
            } else {
                bytes[..cut.index(bytes.len())].to_vec()
            }
        }),
        1 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => tricky_text(300).prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..600),
    ]
}

proptest! {
    #[test]
    fn error_decoding_never_panics_and_keeps_what_it_can(
        status in prop_oneof![100u16..600, any::<u16>()],
        header in prop::option::of(prop_oneof![
            Just(String::new()),
            "[a-z_]{1,30}",
            ".{0,20}",
        ]),
        body in error_body(),
    ) {
        let e = GoTrueError::from_response(status, header.as_deref(), &body);
        prop_assert_eq!(e.status, Some(status));
        prop_assert!(!e.message.is_empty());
        prop_assert!(e.to_string().contains(&status.to_string()));
        if let Some(h) = header.as_deref().filter(|h| !h.is_empty()) {
            prop_assert_eq!(e.code.as_deref(), Some(h));
        }
        prop_assert_ne!(e.code.as_deref(), Some(""));
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        match parsed.as_ref().and_then(Value::as_object) {
            Some(obj) => {
                // GoTrue's own words are kept as they came.
                if let Some(m) = obj.get("message").and_then(Value::as_str).filter(|m| !m.is_empty()) {
                    prop_assert_eq!(&e.message, m);
                }
                let header_code = header.as_deref().filter(|h| !h.is_empty());
                if let (None, Some(c)) = (header_code, obj.get("error_code").and_then(Value::as_str).filter(|c| !c.is_empty())) {
                    prop_assert_eq!(e.code.as_deref(), Some(c));
                }
            }
            None => {
                // A body that is not GoTrue's: quoted back short.
                if let Some(d) = &e.detail {
                    prop_assert!(d.chars().count() <= 201, "{} chars", d.chars().count());
                }
            }
        }
        if (500..600).contains(&status) && e.kind == ErrorKind::Server {
            prop_assert!(e.is_transient() || !matches!(status, 500 | 502 | 503 | 504));
        }
    }
}

// ---- JWTs -----------------------------------------------------------------------------------

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(".{0,16}")
}

fn claims() -> impl Strategy<Value = Claims> {
    let aud = prop::option::of(prop_oneof![
        ".{0,12}".prop_map(Value::String),
        prop::collection::vec(".{0,8}", 0..3).prop_map(|v| json!(v)),
    ]);
    let amr = prop::option::of(prop::collection::vec(
        prop_oneof![
            "[a-z]{1,8}".prop_map(Value::String),
            ("[a-z]{1,8}", any::<i64>()).prop_map(|(m, t)| json!({"method": m, "timestamp": t})),
        ],
        0..3,
    ));
    let extra = prop::collection::btree_map("x_[a-z]{1,6}", json_value(), 0..4);
    (
        (opt_text(), opt_text(), aud, opt_text()),
        (
            prop::option::of(any::<i64>()),
            prop::option::of(any::<i64>()),
            opt_text(),
            amr,
        ),
        (
            opt_text(),
            opt_text(),
            opt_text(),
            prop::option::of(any::<bool>()),
        ),
        extra,
    )
        .prop_map(
            |(
                (sub, role, aud, iss),
                (exp, iat, aal, amr),
                (session_id, email, phone, is_anonymous),
                extra,
            )| Claims {
                sub,
                role,
                aud,
                iss,
                exp,
                iat,
                aal,
                amr,
                session_id,
                email,
                phone,
                is_anonymous,
                extra: extra.into_iter().collect(),
            },
        )
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One part of a token: base64url of JSON, of random bytes, or not base64 at all.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        json_value().prop_map(|v| b64(&serde_json::to_vec(&v).unwrap_or_default())),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| b64(&b)),
        tricky_text(20),
        "[A-Za-z0-9_=-]{0,30}",
    ]
}

proptest! {
    #[test]
    fn jwt_decoding_never_panics(s in ".{0,200}") {
        let _ = decode_unverified(&s);
        let _ = looks_like_jwt(&s);
    }

    #[test]
    fn jwts_with_random_segments_never_panic(parts in prop::collection::vec(segment(), 1..5)) {
        let token = parts.join(".");
        if let Ok(d) = decode_unverified(&token) {
            prop_assert_eq!(parts.len(), 3);
            let _ = d.algorithm();
            let _ = d.claims.amr_methods();
            let _ = d.claims.audiences();
            let _ = d.claims.is_expired_at(0);
        }
        let _ = looks_like_jwt(&token);
    }

    #[test]
    fn a_jwt_we_encode_decodes_to_the_same_claims(
        claims in claims(),
        signature in "[A-Za-z0-9_-]{0,43}",
        alg in select(vec!["HS256", "RS256", "ES256", "none"]),
    ) {
        let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
        let payload = b64(&serde_json::to_vec(&claims).unwrap());
        let token = format!("{header}.{payload}.{signature}");
        prop_assert!(looks_like_jwt(&token));
        let decoded = decode_unverified(&format!("  {token}\n")).unwrap();
        prop_assert_eq!(decoded.algorithm(), Some(alg));
        prop_assert_eq!(decoded.claims, claims);
    }
}

// ---- pasted tokens and cookies --------------------------------------------------------------

fn jwt_like() -> impl Strategy<Value = String> {
    (
        "[A-Za-z0-9_-]{4,20}",
        "[A-Za-z0-9_-]{4,40}",
        "[A-Za-z0-9_-]{0,20}",
    )
        .prop_map(|(h, p, s)| format!("eyJ{h}.eyJ{p}.{s}"))
}

/// Cookies a browser holds besides the session's.
fn other_cookies() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            select(vec![
                "theme",
                "_ga",
                "sb-ref-other",
                "session",
                "csrftoken",
                "sb-access",
            ]),
            "[A-Za-z0-9._~-]{0,20}",
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        0..4,
    )
}

/// Cookies joined as a `Cookie:` header (or just the pairs), in the given order.
fn cookie_header(pairs: &[(String, String)], prefix: bool, quote: bool) -> String {
    let joined = pairs
        .iter()
        .map(|(k, v)| {
            if quote {
                format!("{k}=\"{v}\"")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if prefix {
        format!("Cookie: {joined}")
    } else {
        joined
    }
}

proptest! {
    #[test]
    fn token_input_never_panics(s in ".{0,300}") {
        let _ = parse_token_input(&s);
    }

    #[test]
    fn token_input_of_cookie_fragments_never_panics(
        pairs in prop::collection::vec((segment(), prop_oneof![segment(), tricky_text(30)]), 0..5),
        prefix in any::<bool>(),
    ) {
        let names = ["sb-access-token", "sb-refresh-token", "sb-x-auth-token", "sb-x-auth-token.0", "sb-x-auth-token.1"];
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .enumerate()
            .map(|(i, (k, v))| (if i % 2 == 0 { names[i % names.len()].to_owned() } else { k }, v))
            .collect();
        let _ = parse_token_input(&cookie_header(&pairs, prefix, false));
        let _ = parse_token_input(&format!("base64-{}", pairs.first().map(|p| p.1.as_str()).unwrap_or_default()));
    }

    /// gotrue-js v1's cookies, among others, in any order, quoted or not.
    #[test]
    fn a_v1_cookie_header_gives_back_its_tokens(
        access in jwt_like(),
        refresh in "[A-Za-z0-9_-]{1,30}",
        others in other_cookies(),
        at in any::<prop::sample::Index>(),
        prefix in any::<bool>(),
        quote in any::<bool>(),
    ) {
        let mut pairs = others;
        let i = at.index(pairs.len() + 1);
        pairs.insert(i, ("sb-access-token".to_owned(), access.clone()));
        pairs.insert(i + 1, ("sb-refresh-token".to_owned(), refresh.clone()));
        let header = cookie_header(&pairs, prefix, quote);
        let t = parse_token_input(&header).map_err(|e| TestCaseError::fail(format!("{header}: {e}")))?;
        prop_assert_eq!(t.access_token.map(|s| s.expose().to_owned()), Some(access), "{}", header);
        prop_assert_eq!(t.refresh_token.map(|s| s.expose().to_owned()), Some(refresh));
    }

    /// A supabase-js `sb-<ref>-auth-token` cookie, `base64-` or URL-encoded, whole or split
    /// into `.0`, `.1`, … chunks given in any order.
    #[test]
    fn a_supabase_js_cookie_gives_back_its_tokens(
        access in jwt_like(),
        refresh in "[A-Za-z0-9_-]{1,30}",
        expires_at in any::<i64>(),
        base64 in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        order in any::<prop::sample::Index>(),
        others in other_cookies(),
    ) {
        let session = json!({"access_token": access, "refresh_token": refresh, "expires_at": expires_at, "user": {"id": "u1"}});
        let value = if base64 {
            format!("base64-{}", b64(session.to_string().as_bytes()))
        } else {
            url::form_urlencoded::byte_serialize(session.to_string().as_bytes()).collect()
        };
        // Chunks are cut where @supabase/ssr cuts them: never inside a %XX escape.
        let mut points: Vec<usize> = cuts
            .iter()
            .map(|c| c.index(value.len()))
            .filter(|&p| p > 0 && !value[..p].ends_with('%') && !value[..p.saturating_sub(1)].ends_with('%'))
            .collect();
        points.sort_unstable();
        points.dedup();
        let mut pairs = others;
        if points.is_empty() {
            pairs.push(("sb-abcd-auth-token".to_owned(), value.clone()));
        } else {
            let mut start = 0;
            let mut chunks = Vec::new();
            for (n, &p) in points.iter().chain(std::iter::once(&value.len())).enumerate() {
                chunks.push((format!("sb-abcd-auth-token.{n}"), value[start..p].to_owned()));
                start = p;
            }
            let k = order.index(chunks.len());
            chunks.rotate_left(k);
            pairs.extend(chunks);
        }
        let header = cookie_header(&pairs, false, false);
        let t = parse_token_input(&header).map_err(|e| TestCaseError::fail(format!("{header}: {e}")))?;
        prop_assert_eq!(t.access_token.map(|s| s.expose().to_owned()), Some(access));
        prop_assert_eq!(t.refresh_token.map(|s| s.expose().to_owned()), Some(refresh));
    }
}

// ---- CSV and pasted invitation lists ------------------------------------------------------

/// One generated CSV record: its cells as meant (before quoting).
#[derive(Clone, Debug)]
struct Record {
    cells: Vec<String>,
    /// Quote each cell (cells that need it are quoted anyway).
    quoted: Vec<bool>,
    /// Blank lines before it.
    blank_before: usize,
}

fn email_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ("[a-z]{1,6}", select(vec!["example.com", "ex.org", "mail.example.net"]), select(vec!["", " ", "  "]), any::<bool>())
            .prop_map(|(l, d, pad, upper)| {
                let e = format!("{pad}{l}@{d}{pad}");
                if upper { e.to_uppercase() } else { e }
            }),
        1 => tricky_text(20),
        1 => Just(String::new()),
    ]
}

fn csv_case() -> impl Strategy<Value = (Vec<String>, usize, Vec<Record>, bool, bool, bool)> {
    let others = prop::collection::vec(
        select(vec!["name", "Team", "data", "metadata", "note", "", "dept"])
            .prop_map(str::to_owned),
        1..4,
    );
    let header_name = select(vec![
        "email",
        "Email",
        " E-mail ",
        "EMAIL ADDRESS",
        "email_address",
    ]);
    (others, header_name, any::<prop::sample::Index>()).prop_flat_map(|(others, name, at)| {
        let mut headers = others;
        let col = at.index(headers.len() + 1);
        headers.insert(col, name.to_owned());
        let width = headers.len();
        let record = (
            prop::collection::vec(
                prop_oneof![
                    3 => tricky_text(12),
                    1 => json_value().prop_map(|v| v.to_string()),
                ],
                width.saturating_sub(2)..width + 2,
            ),
            email_cell(),
            prop::collection::vec(any::<bool>(), width + 2),
            0usize..3,
        )
            .prop_map(move |(mut cells, email, quoted, blank_before)| {
                let at = col.min(cells.len());
                cells.insert(at, email);
                Record {
                    cells,
                    quoted,
                    blank_before,
                }
            });
        (
            Just(headers),
            Just(col),
            prop::collection::vec(record, 0..12),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
    })
}

fn csv_cell(cell: &str, quote: bool) -> String {
    if quote || cell.contains([',', ';', '\t', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

proptest! {
    #[test]
    fn csv_import_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = InviteBatch::from_csv(bytes.as_slice());
        let mut with_header = b"email,name,data\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = InviteBatch::from_csv(with_header.as_slice());
    }

    #[test]
    fn pasted_lists_never_panic_and_keep_their_line_numbers(text in tricky_text(300)) {
        let batch = InviteBatch::from_text(&text);
        // A line ends at CR LF, CR or LF.
        let expected: Vec<usize> = text
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .map(|(i, _)| i + 1)
            .collect();
        let lines: Vec<usize> = batch.rows.iter().map(|r| r.line).collect();
        prop_assert_eq!(lines, expected);
    }

    /// A pasted list reads the same whatever ends its lines: terminals and tmux send the
    /// newlines of a paste as CR, others CR LF or LF, mixed in one paste even.
    #[test]
    fn pasted_lists_read_the_same_whatever_ends_their_lines(
        lines in prop::collection::vec(
            prop_oneof![
                "[a-z]{1,8}@[a-z]{1,8}\\.(com|org)",
                // No blank lines: a CR, a blank line and an LF are one CR LF.
                Just("# a comment".to_owned()),
                "[a-z]{1,6}@x\\.com, \\{\"team\": \"[a-z]{1,5}\"\\}",
            ],
            1..30,
        ),
        ends in prop::collection::vec(select(vec!["\n", "\r", "\r\n"]), 30),
        trailing in any::<bool>(),
    ) {
        let mut pasted = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                pasted.push_str(ends[i % ends.len()]);
            }
            pasted.push_str(l);
        }
        if trailing {
            pasted.push_str(ends[0]);
        }
        let by_lf = InviteBatch::from_text(&lines.join("\n"));
        let pasted = InviteBatch::from_text(&pasted);
        let view = |b: &InviteBatch| -> Vec<(usize, String, String)> {
            b.rows.iter().map(|r| (r.line, r.email.clone(), format!("{:?}", r.status))).collect()
        };
        prop_assert_eq!(view(&pasted), view(&by_lf));
        let addresses = lines.iter().filter(|l| l.contains('@')).count();
        prop_assert_eq!(pasted.rows.len(), addresses);
    }

    /// Every record of a CSV with random columns, quoting, blank lines, line endings and a
    /// byte-order mark is a row at its own line: accepted, or reported with a reason.
    #[test]
    fn every_csv_record_is_a_row_at_its_line(
        (headers, email_col, records, crlf, bom, semicolons) in csv_case(),
    ) {
        let delimiter = if semicolons { ';' } else { ',' };
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&headers.iter().map(|h| csv_cell(h, false)).collect::<Vec<_>>().join(&delimiter.to_string()));
        text.push_str(eol);
        let mut expected = Vec::new();
        for r in &records {
            for _ in 0..r.blank_before {
                text.push_str(eol);
            }
            let line = 1 + text.matches('\n').count();
            let cells: Vec<String> = r
                .cells
                .iter()
                .zip(&r.quoted)
                .map(|(c, q)| csv_cell(c, *q))
                .collect();
            text.push_str(&cells.join(&delimiter.to_string()));
            text.push_str(eol);
            let blank = r.cells.iter().all(|c| c.trim().is_empty());
            if !blank {
                let email = r.cells.get(email_col).map(String::as_str).unwrap_or_default();
                expected.push((line, normalize_email(email)));
            }
        }
        let batch = InviteBatch::from_csv(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let got: Vec<(usize, String)> = batch.rows.iter().map(|r| (r.line, r.email.clone())).collect();
        prop_assert_eq!(&got, &expected, "{}", text);
        let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for row in &batch.rows {
            match &row.status {
                RowStatus::Pending => {
                    prop_assert_eq!(email_problem(&row.email), None);
                    prop_assert!(first.insert(&row.email, row.line).is_none(), "a second pending {}", row.email);
                }
                RowStatus::Duplicate { of } => {
                    prop_assert_eq!(first.get(row.email.as_str()), Some(of));
                }
                RowStatus::Invalid { reason } => prop_assert!(!reason.is_empty()),
                other => prop_assert!(false, "a fresh row is {:?}", other),
            }
        }
        let c = batch.counts();
        prop_assert_eq!(c.total(), batch.rows.len());
    }
}

// ---- terminal input bytes ---------------------------------------------------------------------

/// Pieces of what a terminal sends: keys, escape sequences, UTF-8, pastes, garbage. Not mouse
/// reports: the console enables no mouse reporting, and termwiz reads some of them differently
/// next to other sequences (`ESC space` before one is lost when read whole); a report alone,
/// split anywhere, is a unit test in `src/term/input_parser.rs`.
fn terminal_piece() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<&'static [u8]> = vec![
        &b"a"[..],
        b"Z",
        b"1",
        b" ",
        b"\r",
        b"\n",
        b"\t",
        b"\x7f",
        b"\x08",
        b"\x03",
        b"\x00",
        b"\x1c",
        b"\x1b",
        b"\x1b[A",
        b"\x1b[B",
        b"\x1b[1;5C",
        b"\x1b[Z",
        b"\x1bOA",
        b"\x1b[3~",
        b"\x1b[5~",
        b"\x1b[15~",
        b"\x1bOP",
        b"\x1bx",
        b"\x1b[",
        b"\x1b[1;",
        b"\x1b]",
        b"\x1b[200~",
        b"\x1b[201~",
        "é".as_bytes(),
        "🦀".as_bytes(),
        b"\xe2\x82",
        b"\xff",
        b"\xc3",
    ];
    prop_oneof![
        4 => select(fixed).prop_map(<[u8]>::to_vec),
        1 => tricky_text(10).prop_map(|t| format!("\x1b[200~{t}\x1b[201~").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..8),
    ]
}

fn parse_chunks(chunks: &[&[u8]]) -> Vec<Input> {
    let mut p = InputParser::new();
    let mut out = Vec::new();
    for c in chunks {
        out.extend(p.feed(c));
    }
    out.extend(p.flush());
    out
}

proptest! {
    #[test]
    fn the_input_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut p = InputParser::new();
        let _ = p.feed(&bytes);
        let _ = p.flush();
        let _ = p.feed(&bytes);
    }

    /// The same bytes in one read, in random reads, and one byte a read give the same inputs.
    #[test]
    fn input_is_the_same_however_the_bytes_are_split(
        pieces in prop::collection::vec(terminal_piece(), 0..16),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let bytes = pieces.concat();
        let whole = parse_chunks(&[&bytes]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        points.dedup();
        let mut chunks = Vec::new();
        let mut start = 0;
        for p in points.into_iter().chain(std::iter::once(bytes.len())) {
            chunks.push(&bytes[start..p]);
            start = p;
        }
        prop_assert_eq!(&parse_chunks(&chunks), &whole, "chunks {:?}", chunks);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&parse_chunks(&bytewise), &whole, "byte by byte: {:?}", bytes);
    }
}

proptest! {
    /// The one duration grammar: `<n><unit>` parts add up, whitespace or not; anything at
    /// all never panics; and too long is an error, not an overflow.
    #[test]
    fn durations_add_up_and_never_overflow(
        parts in prop::collection::vec((0u64..1_000, select(vec![("w", 604_800u64), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)])), 1..5),
        spaced in any::<bool>(),
        noise in ".{0,30}",
        huge in 10_000_000_000_000u64..u64::MAX,
    ) {
        use gotrue_console::duration::{Bare, parse};
        let text: Vec<String> = parts.iter().map(|(n, (u, _))| format!("{n}{u}")).collect();
        let text = text.join(if spaced { " " } else { "" });
        let secs: u64 = parts.iter().map(|(n, (_, per))| n * per).sum();
        match parse(&text, Bare::Refused) {
            Ok(d) => prop_assert_eq!(d.as_secs(), secs),
            Err(e) => prop_assert!(secs == 0 && e.contains("more than zero"), "{text}: {e}"),
        }
        let _ = parse(&noise, Bare::Seconds);
        let _ = parse(&noise, Bare::Refused);
        let too_long = parse(&format!("{huge}w"), Bare::Refused);
        prop_assert!(too_long.is_err_and(|e| e.contains("too long")));
    }
}
