//! Bytes from a remote terminal (an SSH channel) into the console's [`Input`]: escape
//! sequences, bracketed paste, UTF-8 and a lone Esc. termwiz's `InputParser` (wezterm's) does
//! the parsing; this wraps it with what a network stream needs on top:
//!
//! - Sequences split across reads wait for the rest ([`InputParser::feed`]); an Esc that
//!   nothing follows is only known to be Esc once the client has been quiet for a moment,
//!   so the caller calls [`InputParser::flush`] after [`InputParser::ESC_WAIT`] without data.
//! - Invalid UTF-8 becomes U+FFFD before termwiz sees it (termwiz would wait forever for the
//!   rest of a character that never comes).
//! - What the parser holds is bounded: a paste longer than [`InputParser::MAX_PENDING`]
//!   bytes is dropped, up to its end marker (its text never turns into key presses).
//! - Keys come out as crossterm's `KeyEvent`s, as the local terminal gives them (uppercase
//!   letters carry SHIFT, Shift-Tab is `BackTab`, Ctrl-letters are `Char` + CONTROL).

use crate::console::input::{Input, MouseKind};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use termwiz::input::{InputEvent, KeyCode as Tw, Modifiers};

pub struct InputParser {
    inner: termwiz::input::InputParser,
    /// The end of an incomplete UTF-8 character, kept for the next read.
    utf8_tail: Vec<u8>,
    /// Bytes fed since the parser last produced something: what it may be holding.
    pending: usize,
    /// Dropping an overlong paste: the last bytes seen, to find its end marker.
    discarding: Option<Vec<u8>>,
    /// The start of an escape sequence whose end has not come yet, kept for the next read:
    /// termwiz gives up on some partial sequences (an SGR mouse report cut after `ESC [ <`)
    /// and would turn the rest into key presses.
    escape_tail: String,
}

const PASTE_END: &[u8] = b"\x1b[201~";

impl Default for InputParser {
    fn default() -> Self {
        Self::new()
    }
}

impl InputParser {
    /// How long an Esc waits for the rest of a sequence before it counts as the Esc key.
    pub const ESC_WAIT: Duration = Duration::from_millis(50);
    /// The most a parser holds (an unfinished paste, say) before it drops it.
    pub const MAX_PENDING: usize = 1 << 20;

    pub fn new() -> Self {
        Self {
            inner: termwiz::input::InputParser::new(),
            utf8_tail: Vec::new(),
            pending: 0,
            discarding: None,
            escape_tail: String::new(),
        }
    }

    /// The inputs that `bytes` complete. An incomplete sequence at the end (a lone Esc, half
    /// an arrow key, half a character, an open paste) is kept for the next call or
    /// [`flush`](Self::flush).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Input> {
        let bytes = match self.skip_paste(bytes) {
            Some(rest) => rest,
            None => return Vec::new(),
        };
        let mut text = std::mem::take(&mut self.escape_tail);
        text.push_str(&self.valid_utf8(bytes, false));
        self.escape_tail = text.split_off(incomplete_escape_start(&text));
        self.parse(text.as_bytes(), true)
    }

    /// While an overlong paste is dropped: `None` until its end marker, then what follows it.
    fn skip_paste<'b>(&mut self, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let Some(window) = self.discarding.as_mut() else {
            return Some(bytes);
        };
        let seen = window.len();
        window.extend_from_slice(bytes);
        match window.windows(PASTE_END.len()).position(|w| w == PASTE_END) {
            Some(at) => {
                self.discarding = None;
                // The marker may have begun in the bytes kept from before.
                let after = (at + PASTE_END.len()).saturating_sub(seen);
                Some(bytes.get(after..).unwrap_or_default())
            }
            None => {
                let keep = window.len().saturating_sub(PASTE_END.len() - 1);
                window.drain(..keep);
                None
            }
        }
    }

    /// The client went quiet: what is held is complete as it is (a lone Esc is the Esc key).
    /// An open paste stays open: its end may still come.
    pub fn flush(&mut self) -> Vec<Input> {
        let mut text = std::mem::take(&mut self.escape_tail);
        text.push_str(&self.valid_utf8(&[], true));
        self.parse(text.as_bytes(), false)
    }

    fn parse(&mut self, bytes: &[u8], maybe_more: bool) -> Vec<Input> {
        self.pending = self.pending.saturating_add(bytes.len());
        let mut inputs = Vec::new();
        let mut produced = false;
        self.inner.parse(
            bytes,
            |event| {
                produced = true;
                inputs.extend(convert(event));
            },
            maybe_more,
        );
        if produced {
            self.pending = 0;
        } else if self.pending > Self::MAX_PENDING {
            // Only an open paste holds this much: drop it, and the rest of it as it comes.
            *self = Self::new();
            self.discarding = Some(Vec::new());
        }
        inputs
    }

    /// `bytes` (after what was kept from the last read) as valid UTF-8: invalid bytes become
    /// U+FFFD; an incomplete character at the end is kept unless `end`.
    fn valid_utf8(&mut self, bytes: &[u8], end: bool) -> String {
        let mut buf = std::mem::take(&mut self.utf8_tail);
        buf.extend_from_slice(bytes);
        let mut out = String::with_capacity(buf.len());
        let mut rest = buf.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // `valid` is valid UTF-8 by construction.
                    out.push_str(&String::from_utf8_lossy(valid));
                    match e.error_len() {
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = after.get(bad..).unwrap_or_default();
                        }
                        None if end => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            break;
                        }
                        None => {
                            self.utf8_tail = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }
}

/// The longest unfinished sequence held back; past it, the bytes go to termwiz as they are.
const MAX_HELD: usize = 64;

/// Where an unfinished escape sequence (a lone ESC, `ESC O`, or `ESC [` with parameter and
/// intermediate bytes but no final byte yet) begins at the end of `text`; `text.len()` when
/// there is none.
fn incomplete_escape_start(text: &str) -> usize {
    let Some(at) = text.rfind('\x1b') else {
        return text.len();
    };
    let rest = &text.as_bytes()[at..];
    // A lone ESC or `ESC O` too: termwiz would keep them itself, then see `[` and `<` in
    // the next read as a sequence it does not know.
    let unfinished = match rest {
        [0x1b] | [0x1b, b'O'] => true,
        [0x1b, b'[', params @ ..] => {
            rest.len() <= MAX_HELD && params.iter().all(|b| (0x20..=0x3f).contains(b))
        }
        _ => false,
    };
    if unfinished { at } else { text.len() }
}

fn convert(event: InputEvent) -> Option<Input> {
    match event {
        InputEvent::Key(key) => convert_key(key.key, key.modifiers).map(Input::Key),
        InputEvent::Paste(text) => Some(Input::Paste(text)),
        InputEvent::Mouse(m) => convert_mouse(&m),
        // A resize comes from the SSH channel; pixel reports are never asked for.
        InputEvent::PixelMouse(_) | InputEvent::Resized { .. } | InputEvent::Wake => None,
    }
}

/// A press of the left button or a wheel turn; termwiz counts cells from 1.
fn convert_mouse(m: &termwiz::input::MouseEvent) -> Option<Input> {
    use termwiz::input::MouseButtons as B;
    let b = m.mouse_buttons.clone();
    let kind = if b.contains(B::VERT_WHEEL) {
        if b.contains(B::WHEEL_POSITIVE) {
            MouseKind::ScrollUp
        } else {
            MouseKind::ScrollDown
        }
    } else if b == B::LEFT {
        MouseKind::Click
    } else {
        return None;
    };
    Some(Input::mouse(
        kind,
        m.x.saturating_sub(1),
        m.y.saturating_sub(1),
    ))
}

fn convert_key(key: Tw, mods: Modifiers) -> Option<KeyEvent> {
    let mut m = KeyModifiers::NONE;
    if mods.contains(Modifiers::SHIFT) {
        m |= KeyModifiers::SHIFT;
    }
    if mods.contains(Modifiers::ALT) {
        m |= KeyModifiers::ALT;
    }
    if mods.contains(Modifiers::CTRL) {
        m |= KeyModifiers::CONTROL;
    }
    if mods.contains(Modifiers::SUPER) {
        m |= KeyModifiers::SUPER;
    }
    let code = match key {
        // Control bytes without a letter of their own, as crossterm reads them.
        Tw::Char('\0') => {
            m |= KeyModifiers::CONTROL;
            KeyCode::Char(' ')
        }
        Tw::Char(c @ '\x1c'..='\x1f') => {
            m |= KeyModifiers::CONTROL;
            KeyCode::Char(char::from(b'4' + (c as u8 - 0x1c)))
        }
        Tw::Char(c) if c.is_control() => return None,
        Tw::Char(c) => {
            if c.is_uppercase() {
                m |= KeyModifiers::SHIFT;
            }
            KeyCode::Char(c)
        }
        Tw::Tab if m.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        Tw::Tab => KeyCode::Tab,
        Tw::Enter => KeyCode::Enter,
        Tw::Escape => KeyCode::Esc,
        Tw::Backspace => KeyCode::Backspace,
        Tw::Delete => KeyCode::Delete,
        Tw::Insert => KeyCode::Insert,
        Tw::UpArrow | Tw::ApplicationUpArrow => KeyCode::Up,
        Tw::DownArrow | Tw::ApplicationDownArrow => KeyCode::Down,
        Tw::LeftArrow | Tw::ApplicationLeftArrow => KeyCode::Left,
        Tw::RightArrow | Tw::ApplicationRightArrow => KeyCode::Right,
        Tw::Home => KeyCode::Home,
        Tw::End => KeyCode::End,
        Tw::PageUp => KeyCode::PageUp,
        Tw::PageDown => KeyCode::PageDown,
        Tw::Function(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyEvent::new(code, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Input {
        Input::key(code)
    }

    fn with(code: KeyCode, mods: KeyModifiers) -> Input {
        Input::Key(KeyEvent::new(code, mods))
    }

    /// Everything `chunks` give, as if each arrived in its own read, then a quiet moment.
    fn parse(chunks: &[&[u8]]) -> Vec<Input> {
        let mut p = InputParser::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(p.feed(c));
        }
        out.extend(p.flush());
        out
    }

    /// The same bytes cut at every possible place give the same inputs.
    fn same_when_split(bytes: &[u8]) -> Vec<Input> {
        let whole = parse(&[bytes]);
        for cut in 1..bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(parse(&[a, b]), whole, "cut at {cut} of {bytes:?}");
        }
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse(&bytewise), whole, "byte by byte: {bytes:?}");
        whole
    }

    #[test]
    fn letters_digits_and_uppercase_with_shift() {
        assert_eq!(
            parse(&[b"aZ1 "]),
            vec![
                key(KeyCode::Char('a')),
                with(KeyCode::Char('Z'), KeyModifiers::SHIFT),
                key(KeyCode::Char('1')),
                key(KeyCode::Char(' ')),
            ]
        );
    }

    #[test]
    fn arrows_in_normal_and_application_mode() {
        let arrows = vec![
            key(KeyCode::Up),
            key(KeyCode::Down),
            key(KeyCode::Right),
            key(KeyCode::Left),
        ];
        assert_eq!(same_when_split(b"\x1b[A\x1b[B\x1b[C\x1b[D"), arrows);
        assert_eq!(same_when_split(b"\x1bOA\x1bOB\x1bOC\x1bOD"), arrows);
    }

    #[test]
    fn paging_home_end_insert_delete() {
        assert_eq!(
            same_when_split(b"\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[2~\x1b[3~"),
            vec![
                key(KeyCode::PageUp),
                key(KeyCode::PageDown),
                key(KeyCode::Home),
                key(KeyCode::End),
                key(KeyCode::Home),
                key(KeyCode::End),
                key(KeyCode::Insert),
                key(KeyCode::Delete),
            ]
        );
    }

    #[test]
    fn function_keys() {
        assert_eq!(
            same_when_split(b"\x1bOP\x1bOS\x1b[15~\x1b[24~"),
            vec![
                key(KeyCode::F(1)),
                key(KeyCode::F(4)),
                key(KeyCode::F(5)),
                key(KeyCode::F(12)),
            ]
        );
    }

    #[test]
    fn tab_shift_tab_enter_backspace() {
        assert_eq!(
            same_when_split(b"\t\x1b[Z\r\x7f\x08"),
            vec![
                key(KeyCode::Tab),
                with(KeyCode::BackTab, KeyModifiers::SHIFT),
                key(KeyCode::Enter),
                key(KeyCode::Backspace),
                key(KeyCode::Backspace),
            ]
        );
    }

    #[test]
    fn ctrl_letters_as_crossterm_reads_them() {
        assert_eq!(
            same_when_split(b"\x03\x04\x15"),
            vec![Input::ctrl('c'), Input::ctrl('d'), Input::ctrl('u')]
        );
        assert_eq!(parse(&[b"\x00"]), vec![Input::ctrl(' ')]);
    }

    #[test]
    fn alt_letters() {
        assert_eq!(
            same_when_split(b"\x1bx"),
            vec![with(KeyCode::Char('x'), KeyModifiers::ALT)]
        );
        assert_eq!(
            parse(&[b"\x1bX"]),
            vec![with(
                KeyCode::Char('X'),
                KeyModifiers::ALT | KeyModifiers::SHIFT
            )]
        );
    }

    #[test]
    fn modified_arrows() {
        assert_eq!(
            same_when_split(b"\x1b[1;5C\x1b[1;2A"),
            vec![
                with(KeyCode::Right, KeyModifiers::CONTROL),
                with(KeyCode::Up, KeyModifiers::SHIFT),
            ]
        );
    }

    /// Found by tests/fuzz.rs: a mouse report cut after `ESC [ <` came out as Alt-[ and
    /// key presses (`M` among them) when read in pieces, and as nothing when read whole.
    #[test]
    fn a_mouse_report_split_anywhere_is_no_key_press() {
        assert_eq!(
            same_when_split(b"\x1b[<0;1;1M"),
            vec![Input::mouse(MouseKind::Click, 0, 0)]
        );
        assert_eq!(
            same_when_split(b"a\x1b[<35;12;7mb"),
            vec![key(KeyCode::Char('a')), key(KeyCode::Char('b'))]
        );
        assert_eq!(
            same_when_split(b"\x1b[1;5A"),
            vec![with(KeyCode::Up, KeyModifiers::CONTROL)]
        );
    }

    /// SGR reports (mode 1006): a left press, its release, the wheel both ways, a right
    /// press; cells count from 0 here, from 1 on the wire.
    #[test]
    fn mouse_reports_are_clicks_and_wheel_turns() {
        assert_eq!(
            same_when_split(b"\x1b[<0;12;7M\x1b[<0;12;7m\x1b[<64;3;4M\x1b[<65;3;4M\x1b[<2;1;1M"),
            vec![
                Input::mouse(MouseKind::Click, 11, 6),
                Input::mouse(MouseKind::ScrollUp, 2, 3),
                Input::mouse(MouseKind::ScrollDown, 2, 3),
            ]
        );
    }

    #[test]
    fn a_lone_esc_waits_for_a_quiet_moment_then_is_esc() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b"), vec![], "it may be the start of a sequence");
        assert_eq!(p.flush(), vec![key(KeyCode::Esc)]);
        // Nothing left behind: the next key is itself.
        assert_eq!(p.feed(b"q"), vec![key(KeyCode::Char('q'))]);
        // Esc then, after a pause, `[A` typed by hand is Esc, `[`, `A`.
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert_eq!(p.flush(), vec![key(KeyCode::Esc)]);
        assert_eq!(
            p.feed(b"j"),
            vec![key(KeyCode::Char('j'))],
            "no Alt left over from the Esc"
        );
    }

    #[test]
    fn a_paste_then_enters_in_one_read_or_many() {
        let bytes = b"/\x1b[200~ada@\x1b[201~\r\r";
        let mut p = InputParser::new();
        let fed = p.feed(bytes);
        assert_eq!(
            fed,
            vec![
                key(KeyCode::Char('/')),
                Input::Paste("ada@".into()),
                key(KeyCode::Enter),
                key(KeyCode::Enter),
            ],
            "nothing held back once the read is complete"
        );
        same_when_split(bytes);
    }

    #[test]
    fn a_sequence_split_across_reads_is_one_key() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b["), vec![]);
        assert_eq!(p.feed(b"5"), vec![]);
        assert_eq!(p.feed(b"~"), vec![key(KeyCode::PageUp)]);
    }

    #[test]
    fn bracketed_paste_is_one_input_even_across_reads() {
        let paste = b"\x1b[200~ada@example.com\r\nline two \x1b[A not a key\x1b[201~x";
        let got = same_when_split(paste);
        assert_eq!(
            got,
            vec![
                Input::Paste("ada@example.com\r\nline two \x1b[A not a key".into()),
                key(KeyCode::Char('x')),
            ]
        );
        // An open paste survives a quiet moment: its end may come later.
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b[200~half"), vec![]);
        assert_eq!(p.flush(), vec![]);
        assert_eq!(
            p.feed(b" done\x1b[201~"),
            vec![Input::Paste("half done".into())]
        );
    }

    #[test]
    fn utf8_split_across_reads() {
        let text = "é€😀ü".as_bytes();
        assert_eq!(
            same_when_split(text),
            vec![
                key(KeyCode::Char('é')),
                key(KeyCode::Char('€')),
                key(KeyCode::Char('😀')),
                key(KeyCode::Char('ü')),
            ]
        );
        let mut p = InputParser::new();
        assert_eq!(p.feed(&[0xe2, 0x82]), vec![], "half a euro sign waits");
        assert_eq!(p.feed(&[0xac]), vec![key(KeyCode::Char('€'))]);
    }

    #[test]
    fn invalid_utf8_does_not_block_what_follows() {
        let mut p = InputParser::new();
        let got = p.feed(&[0xff, b'a', 0xc3, b'b']);
        assert_eq!(
            got,
            vec![
                key(KeyCode::Char('\u{fffd}')),
                key(KeyCode::Char('a')),
                key(KeyCode::Char('\u{fffd}')),
                key(KeyCode::Char('b')),
            ]
        );
        // A truncated character at the end counts as broken once the client is quiet.
        assert_eq!(p.feed(&[0xe2]), vec![]);
        assert_eq!(p.flush(), vec![key(KeyCode::Char('\u{fffd}'))]);
        assert_eq!(p.feed(b"q"), vec![key(KeyCode::Char('q'))]);
    }

    #[test]
    fn an_overlong_paste_is_dropped_and_never_typed() {
        let mut p = InputParser::new();
        assert!(p.feed(b"\x1b[200~").is_empty());
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..(InputParser::MAX_PENDING / chunk.len() + 4) {
            assert!(p.feed(&chunk).is_empty(), "no x becomes a key press");
        }
        assert!(p.pending <= InputParser::MAX_PENDING, "{}", p.pending);
        assert!(p.flush().is_empty());
        // The end marker, split across reads, ends the paste; what follows is keys again.
        assert!(p.feed(b"xx\x1b[2").is_empty());
        assert!(p.feed(b"01").is_empty());
        assert_eq!(p.feed(b"~q"), vec![key(KeyCode::Char('q'))]);
        assert_eq!(
            p.feed(b"\x1b[200~small\x1b[201~"),
            vec![Input::Paste("small".into())]
        );
    }

    #[test]
    fn random_bytes_never_panic_and_keys_work_afterwards() {
        // A small xorshift: the same bytes every run.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut p = InputParser::new();
        for _ in 0..2000 {
            let mut chunk = Vec::new();
            for _ in 0..(state % 17) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chunk.push((state >> 24) as u8);
            }
            let _ = p.feed(&chunk);
            if state.is_multiple_of(5) {
                let _ = p.flush();
            }
        }
        // Close whatever may be open (a paste), then a key gets through.
        let _ = p.feed(b"\x1b[201~");
        let _ = p.flush();
        assert_eq!(p.feed(b"q"), vec![key(KeyCode::Char('q'))]);
    }
}
