//! Reading a batch: a pasted list (one address a line, optional JSON data) or a CSV file.

use super::BulkError;
use super::email::normalize_email;
use super::model::{InviteBatch, InviteRow, RowStatus};
use serde_json::{Map, Value};
use std::io::Read;

const BOM: char = '\u{feff}';

/// Header names taken for the address column (compared trimmed and case-insensitively).
const EMAIL_HEADERS: &[&str] = &["email", "e-mail", "email address", "email_address"];
/// Header names of a column holding a JSON object to merge into the data.
const DATA_HEADERS: &[&str] = &["data", "metadata"];

/// The lines of pasted text, whatever ends them: terminals and tmux turn the newlines of a
/// paste into CR, other sources send CR LF or LF.
pub fn paste_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split("\r\n").flat_map(|part| part.split(['\r', '\n']))
}

impl InviteBatch {
    /// A pasted list: one address a line, or `address, {"json": "object"}` to give the user
    /// metadata. Blank lines and lines starting with `#` are skipped. Every other line becomes
    /// a row, unusable ones [`RowStatus::Invalid`] with the reason.
    pub fn from_text(text: &str) -> InviteBatch {
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let mut rows = Vec::new();
        for (i, raw) in paste_lines(text).enumerate() {
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (email, rest) = match trimmed.split_once(',') {
                Some((e, r)) => (e, r.trim()),
                None => (trimmed, ""),
            };
            let mut row = InviteRow {
                line: i + 1,
                email: normalize_email(email),
                data: Map::new(),
                status: RowStatus::Pending,
                in_doubt_since: None,
            };
            if !rest.is_empty() {
                match json_object(rest) {
                    Ok(data) => row.data = data,
                    Err(why) => {
                        row.status = RowStatus::Invalid {
                            reason: format!("the text after the address {why}"),
                        }
                    }
                }
            }
            rows.push(row);
        }
        InviteBatch::validated(rows)
    }

    /// A CSV file with a header row. The address comes from the `email` column (any case;
    /// `e-mail` and `email address` work too); every other column with a header and a
    /// non-empty cell goes into the data as a string; a `data` or `metadata` column holding a
    /// JSON object is merged in (a named column wins over the same key in the JSON). Accepts a
    /// byte-order mark, quoted fields (with commas and line breaks), rows of uneven length,
    /// and `;` or tab instead of `,` when the header row uses them.
    pub fn from_csv<R: Read>(mut reader: R) -> Result<InviteBatch, BulkError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(BulkError::Empty);
        }
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(delimiter(body))
            .flexible(true)
            .from_reader(body);
        let headers: Vec<String> = csv.headers()?.iter().map(|h| h.trim().to_owned()).collect();
        let is = |names: &[&str], h: &str| names.iter().any(|n| h.eq_ignore_ascii_case(n));
        let Some(email_col) = headers.iter().position(|h| is(EMAIL_HEADERS, h)) else {
            return Err(BulkError::NoEmailColumn { found: headers });
        };
        let data_cols: Vec<usize> = (0..headers.len())
            .filter(|&i| is(DATA_HEADERS, &headers[i]))
            .collect();

        let mut rows = Vec::new();
        let mut lines = LineCounter::new(body);
        let mut record = csv::StringRecord::new();
        loop {
            let next = csv.position().byte();
            match csv.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => match e.kind() {
                    csv::ErrorKind::Utf8 { pos, .. } => {
                        let byte = pos.as_ref().map_or(next, csv::Position::byte);
                        rows.push(invalid_row(
                            lines.line_at(byte),
                            "the line is not valid UTF-8 text",
                        ));
                        continue;
                    }
                    _ => return Err(e.into()),
                },
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let byte = record.position().map_or(next, csv::Position::byte);
            let line = lines.line_at(byte);
            rows.push(csv_row(line, &record, &headers, email_col, &data_cols));
        }
        Ok(InviteBatch::validated(rows))
    }
}

fn csv_row(
    line: usize,
    record: &csv::StringRecord,
    headers: &[String],
    email_col: usize,
    data_cols: &[usize],
) -> InviteRow {
    let mut row = InviteRow {
        line,
        email: normalize_email(record.get(email_col).unwrap_or_default()),
        data: Map::new(),
        status: RowStatus::Pending,
        in_doubt_since: None,
    };
    for (i, value) in record.iter().enumerate() {
        let value = value.trim();
        let Some(header) = headers.get(i) else {
            continue;
        };
        if i == email_col || data_cols.contains(&i) || header.is_empty() || value.is_empty() {
            continue;
        }
        row.data
            .insert(header.clone(), Value::String(value.to_owned()));
    }
    for &i in data_cols {
        let value = record.get(i).unwrap_or_default().trim();
        if value.is_empty() {
            continue;
        }
        match json_object(value) {
            Ok(extra) => {
                for (k, v) in extra {
                    row.data.entry(k).or_insert(v);
                }
            }
            Err(why) => {
                row.status = RowStatus::Invalid {
                    reason: format!("the `{}` column {why}", headers[i]),
                };
            }
        }
    }
    row
}

/// Line numbers from byte offsets, for records read in order. The csv crate places a record
/// that follows blank lines at the first of them; the line shown is the record's own.
struct LineCounter<'a> {
    body: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(body: &'a [u8]) -> Self {
        Self {
            body,
            byte: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> usize {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.body.len());
        while let Some(b'\r' | b'\n') = self.body.get(target) {
            target += 1;
        }
        if target >= self.byte {
            let newlines = self.body[self.byte..target]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines;
            self.byte = target;
        }
        self.line
    }
}

fn invalid_row(line: usize, reason: &str) -> InviteRow {
    InviteRow {
        line,
        email: String::new(),
        data: Map::new(),
        status: RowStatus::Invalid {
            reason: reason.to_owned(),
        },
        in_doubt_since: None,
    }
}

/// The JSON object in `text`, or why it is not one (to follow "the … column").
fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("is JSON but not an object ({…})".to_owned()),
        Err(e) => Err(format!("is not valid JSON ({e})")),
    }
}

/// `,` unless the header line has more `;` or tabs than commas (spreadsheets in many
/// languages save with `;`).
fn delimiter(body: &[u8]) -> u8 {
    let header = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|&&b| b == c).count();
    let commas = count(b',');
    [b';', b'\t']
        .into_iter()
        .filter(|&d| count(d) > commas)
        .max_by_key(|&d| count(d))
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statuses(batch: &InviteBatch) -> Vec<(usize, &str, &RowStatus)> {
        batch
            .rows
            .iter()
            .map(|r| (r.line, r.email.as_str(), &r.status))
            .collect()
    }

    fn invalid(reason: &str) -> RowStatus {
        RowStatus::Invalid {
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn text_one_address_a_line_with_comments_blanks_and_json() {
        let batch = InviteBatch::from_text(
            "\u{feff}# staff, June\n\
             Ada@Example.com  \n\
             \n\
             bob@example.com, {\"full_name\": \"Bob, Jr.\", \"seats\": 3}\n\
             \t# indented comment\n\
             carol@example.com, not json\n\
             dan@example.com, [1, 2]\n\
             ada@example.com\n\
             ,{\"a\": 1}\n\
             eve@example\r\n",
        );
        let rows = statuses(&batch);
        assert_eq!(rows[0], (2, "ada@example.com", &RowStatus::Pending));
        assert_eq!(rows[1], (4, "bob@example.com", &RowStatus::Pending));
        assert_eq!(
            Value::Object(batch.rows[1].data.clone()),
            json!({"full_name": "Bob, Jr.", "seats": 3})
        );
        assert_eq!(rows[2].0, 6);
        assert!(matches!(
            rows[2].2,
            RowStatus::Invalid { reason } if reason.starts_with("the text after the address is not valid JSON")
        ));
        assert_eq!(
            rows[3],
            (
                7,
                "dan@example.com",
                &invalid("the text after the address is JSON but not an object ({…})")
            )
        );
        assert_eq!(
            rows[4],
            (8, "ada@example.com", &RowStatus::Duplicate { of: 2 })
        );
        assert_eq!(rows[5], (9, "", &invalid("no email address")));
        assert_eq!(
            rows[6],
            (
                10,
                "eve@example",
                &invalid("not an email address: the domain has no dot")
            )
        );
        assert_eq!(rows.len(), 7);
    }

    #[test]
    fn a_row_with_bad_data_does_not_claim_its_address() {
        // Line 1 will not be sent, so line 2 is the first real one, not a duplicate.
        let batch = InviteBatch::from_text("ada@example.com, {oops\nada@example.com\n");
        assert!(matches!(batch.rows[0].status, RowStatus::Invalid { .. }));
        assert_eq!(batch.rows[1].status, RowStatus::Pending);
    }

    #[test]
    fn csv_with_metadata_columns_json_column_bom_and_quotes() {
        let csv = "\u{feff}Name,EMAIL,Team,Metadata,\n\
                   \"Lovelace, Ada\",ADA@example.com,Engines,\"{\"\"plan\"\": \"\"pro\"\", \"\"seats\"\": 5, \"\"Team\"\": \"\"ignored\"\"}\",\n\
                   Bob,bob@example.com,,,\n\
                   \n\
                   \"Carol\nNewline\",carol@example.com,Ops,\"[1]\"\n\
                   Dan,,Ops\n\
                   Eve,ada@example.com,Ops,,\n";
        let batch = InviteBatch::from_csv(csv.as_bytes()).unwrap();
        let rows = statuses(&batch);
        assert_eq!(rows[0], (2, "ada@example.com", &RowStatus::Pending));
        assert_eq!(
            Value::Object(batch.rows[0].data.clone()),
            json!({"Name": "Lovelace, Ada", "Team": "Engines", "plan": "pro", "seats": 5})
        );
        assert_eq!(rows[1], (3, "bob@example.com", &RowStatus::Pending));
        assert_eq!(
            Value::Object(batch.rows[1].data.clone()),
            json!({"Name": "Bob"})
        );
        // The blank line 4 is skipped; Carol's quoted name spans lines 5 and 6.
        assert_eq!(
            rows[2],
            (
                5,
                "carol@example.com",
                &invalid("the `Metadata` column is JSON but not an object ({…})")
            )
        );
        assert_eq!(rows[3], (7, "", &invalid("no email address")));
        assert_eq!(
            rows[4],
            (8, "ada@example.com", &RowStatus::Duplicate { of: 2 })
        );
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn csv_with_semicolons_and_a_json_data_column() {
        let csv = "email;data\nada@example.com;{\"locale\": \"fr\"}\n";
        let batch = InviteBatch::from_csv(csv.as_bytes()).unwrap();
        assert_eq!(batch.rows[0].email, "ada@example.com");
        assert_eq!(
            Value::Object(batch.rows[0].data.clone()),
            json!({"locale": "fr"})
        );
    }

    #[test]
    fn csv_without_an_email_column_or_content_is_refused() {
        let err = InviteBatch::from_csv("name,mail\nAda,ada@example.com\n".as_bytes())
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("no `email` column: the header row has `name`, `mail`")
        );
        assert!(matches!(
            InviteBatch::from_csv("\u{feff}\n  \n".as_bytes()),
            Err(BulkError::Empty)
        ));
    }

    #[test]
    fn csv_lines_that_are_not_utf8_become_invalid_rows() {
        let mut bytes = b"email,name\nada@example.com,Ada\n".to_vec();
        bytes.extend_from_slice(b"bob@example.com,B\xffb\ncy@example.com,Cy\n");
        let batch = InviteBatch::from_csv(bytes.as_slice()).unwrap();
        let rows = statuses(&batch);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1],
            (3, "", &invalid("the line is not valid UTF-8 text"))
        );
        assert_eq!(rows[2], (4, "cy@example.com", &RowStatus::Pending));
    }
}
