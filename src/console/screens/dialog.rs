//! A small dialog for actions on a user: choose among options, fill a form, confirm (typing
//! the target's email for what cannot be undone), wait, and read the result. The flows in
//! `user_actions` decide what each step means; this only keeps keys and drawing in one place.

use crate::console::keys::{Action, Context};
use crate::console::screens::{Ctx, View};
use crate::console::widgets::field::Field;
use crate::console::widgets::{centered, panel, theme};
use crate::gotrue::GoTrueError;
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::backend::crossterm::EventHandler;

/// An admin action running in a dialog: the app routes keys (with the action its step's
/// context binds them to), pastes and answers to it.
pub trait Flow: Send {
    /// Returns false when the dialog closed.
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool;
    fn on_paste(&mut self, text: &str);
    /// An answer to a GoTrue call it sent (the app routes by request id).
    fn on_reply(
        &mut self,
        _id: crate::console::command::RequestId,
        result: Result<crate::console::command::ApiReply, GoTrueError>,
        _ctx: &mut Ctx,
    ) {
        crate::console::command::bug("a dialog that sends no GoTrue call", &result);
    }
    /// An answer to a local task it sent (a file, the editor).
    fn on_task(
        &mut self,
        _id: crate::console::command::RequestId,
        result: Result<crate::console::command::TaskReply, crate::console::command::TaskError>,
        _ctx: &mut Ctx,
    ) {
        crate::console::command::bug("a dialog that sends no local task", &result);
    }
    /// A result, a failure or a question is on screen: nothing is running.
    fn is_finished(&self) -> bool;
    /// The dialog on screen.
    fn dialog(&self) -> &Dialog;
    /// The keys in force (footer and help): those of the dialog's step.
    fn context(&self) -> Context {
        self.dialog().context()
    }
    /// Keys are text for a field (so `q` types rather than quits).
    fn is_typing(&self) -> bool {
        matches!(self.context(), Context::Form | Context::EditUser)
    }
    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        self.dialog().draw(frame, area, view);
    }
}

/// One option of a `Choose` step: a key, what it does, and an id for the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub key: char,
    pub label: String,
    pub id: u16,
}

impl Choice {
    pub fn new(key: char, label: impl Into<String>, id: u16) -> Self {
        Self {
            key,
            label: label.into(),
            id,
        }
    }
}

pub enum Step {
    Choose {
        prompt: String,
        options: Vec<Choice>,
        selected: usize,
    },
    /// A form opens editing: keys type into the focused field. Esc stops editing (what
    /// was typed stays); Esc again closes the dialog, Enter or `e` edits again.
    Form {
        prompt: String,
        fields: Vec<Field>,
        focus: usize,
        editing: bool,
    },
    Confirm {
        lines: Vec<String>,
        /// What must be typed to go on (an email), for what cannot be undone.
        typed: Option<(String, Field)>,
    },
    Working(String),
    Done {
        lines: Vec<Line<'static>>,
        /// Text `y` copies (a link), if any.
        copy: Option<String>,
    },
}

/// What a key did to the dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogEvent {
    None,
    Close,
    Chosen(u16),
    /// The form's values, in field order.
    Submitted(Vec<String>),
    Confirmed,
    Copy(String),
}

pub struct Dialog {
    pub title: String,
    pub step: Step,
    /// The last failure, shown under the step (a failed submit keeps the form).
    pub error: Option<GoTrueError>,
    /// A plain message under the step (validation).
    pub note: Option<String>,
    /// Draws in the danger colour: deletes, bans.
    pub danger: bool,
    /// What a result's copy key copies, when it is not a link.
    pub copy_label: Option<&'static str>,
}

impl Dialog {
    pub fn new(title: impl Into<String>, step: Step) -> Self {
        Self {
            title: title.into(),
            step,
            error: None,
            note: None,
            danger: false,
            copy_label: None,
        }
    }

    pub fn danger(mut self) -> Self {
        self.danger = true;
        self
    }

    pub fn choose(prompt: impl Into<String>, options: Vec<Choice>) -> Step {
        Step::Choose {
            prompt: prompt.into(),
            options,
            selected: 0,
        }
    }

    pub fn form(prompt: impl Into<String>, fields: Vec<Field>) -> Step {
        Step::Form {
            prompt: prompt.into(),
            fields,
            focus: 0,
            editing: true,
        }
    }

    /// What the form's fields hold now, when the step is a form.
    pub fn form_values(&self) -> Option<Vec<String>> {
        match &self.step {
            Step::Form { fields, .. } => {
                Some(fields.iter().map(|f| f.value().to_owned()).collect())
            }
            _ => None,
        }
    }

    pub fn set_step(&mut self, step: Step) {
        self.step = step;
        self.error = None;
        self.note = None;
        self.copy_label = None;
    }

    /// The result: one line, green, or red with GoTrue's failure under it.
    pub fn finish(&mut self, line: String, error: Option<GoTrueError>) {
        let style = if error.is_some() {
            theme::danger()
        } else {
            theme::ok()
        };
        self.set_step(Step::Done {
            lines: vec![Line::styled(line, style)],
            copy: None,
        });
        self.error = error;
    }

    /// Whether keys are text for a field (so `q` must not quit).
    pub fn is_typing(&self) -> bool {
        matches!(
            self.step,
            Step::Form { editing: true, .. } | Step::Confirm { typed: Some(_), .. }
        )
    }

    pub fn on_paste(&mut self, text: &str) {
        let clean = crate::console::widgets::field::one_line(text);
        let field = match &mut self.step {
            // Pasting into a form that stopped editing edits again.
            Step::Form {
                fields,
                focus,
                editing,
                ..
            } => {
                *editing = true;
                fields.get_mut(*focus)
            }
            Step::Confirm {
                typed: Some((_, f)),
                ..
            } => Some(f),
            _ => None,
        };
        if let Some(f) = field {
            let v = format!("{}{}", f.value(), clean.trim());
            f.set(v);
        }
    }

    /// The context of the step on screen.
    pub fn context(&self) -> Context {
        match &self.step {
            Step::Choose { .. } => Context::Choose,
            Step::Form { editing: false, .. } => Context::Stopped,
            Step::Form { .. } | Step::Confirm { typed: Some(_), .. } => Context::Form,
            Step::Confirm { typed: None, .. } => Context::Confirm,
            Step::Working(_) => Context::Working,
            Step::Done { .. } => Context::Result,
        }
    }

    /// A key, with the action the step's context binds it to (if any).
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> DialogEvent {
        if let Step::Form { editing, .. } = &mut self.step {
            match (*editing, action) {
                (true, Some(Action::Back)) => {
                    *editing = false;
                    return DialogEvent::None;
                }
                (false, Some(Action::Edit)) => {
                    *editing = true;
                    return DialogEvent::None;
                }
                (false, Some(Action::Back)) => return DialogEvent::Close,
                (false, _) => return DialogEvent::None,
                (true, _) => {}
            }
        }
        if action == Some(Action::Back) {
            return DialogEvent::Close;
        }
        match &mut self.step {
            Step::Choose {
                options, selected, ..
            } => match action {
                Some(Action::Up) => {
                    *selected = selected.saturating_sub(1);
                    DialogEvent::None
                }
                Some(Action::Down) => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1));
                    DialogEvent::None
                }
                Some(Action::Submit) => options
                    .get(*selected)
                    .map(|c| DialogEvent::Chosen(c.id))
                    .unwrap_or(DialogEvent::None),
                _ => match key.code {
                    KeyCode::Char(c) => options
                        .iter()
                        .find(|o| o.key == c)
                        .map(|o| DialogEvent::Chosen(o.id))
                        .unwrap_or(DialogEvent::None),
                    _ => DialogEvent::None,
                },
            },
            Step::Form { fields, focus, .. } => match action {
                Some(Action::Submit) => {
                    DialogEvent::Submitted(fields.iter().map(|f| f.value().to_owned()).collect())
                }
                Some(Action::NextField) => {
                    *focus = (*focus + 1) % fields.len().max(1);
                    DialogEvent::None
                }
                Some(Action::PrevField) => {
                    let n = fields.len().max(1);
                    *focus = (*focus + n - 1) % n;
                    DialogEvent::None
                }
                _ => {
                    if let Some(f) = fields.get_mut(*focus) {
                        f.error = None;
                        f.input.handle_event(&Event::Key(key));
                    }
                    DialogEvent::None
                }
            },
            Step::Confirm { typed, .. } => match (typed, action) {
                (None, Some(Action::Submit)) => DialogEvent::Confirmed,
                (None, _) => DialogEvent::None,
                (Some((expected, field)), Some(Action::Submit)) => {
                    if field.value().trim().eq_ignore_ascii_case(expected.trim()) {
                        DialogEvent::Confirmed
                    } else {
                        field.error = Some("does not match".into());
                        DialogEvent::None
                    }
                }
                (Some(_), Some(Action::NextField | Action::PrevField)) => DialogEvent::None,
                (Some((_, field)), _) => {
                    field.error = None;
                    field.input.handle_event(&Event::Key(key));
                    DialogEvent::None
                }
            },
            Step::Working(_) => DialogEvent::None,
            Step::Done { copy, .. } => match action {
                Some(Action::CopyLink) => copy
                    .clone()
                    .map(DialogEvent::Copy)
                    .unwrap_or(DialogEvent::None),
                Some(Action::Submit) => DialogEvent::Close,
                _ => DialogEvent::None,
            },
        }
    }

    fn body(&self, view: &View) -> (Vec<Line<'static>>, Vec<(usize, &Field)>) {
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut fields = Vec::new();
        match &self.step {
            Step::Choose {
                prompt,
                options,
                selected,
            } => {
                lines.push(Line::raw(prompt.clone()));
                lines.push(Line::raw(""));
                for (i, o) in options.iter().enumerate() {
                    let line = Line::from(vec![
                        Span::styled(format!(" {} ", o.key), theme::key()),
                        Span::raw(o.label.clone()),
                    ]);
                    lines.push(if i == *selected {
                        line.style(theme::selected())
                    } else {
                        line
                    });
                }
                lines.push(Line::raw(""));
                let c = Context::Choose;
                lines.push(Line::styled(
                    format!(
                        "a key or {}{} {} to choose · {} cancels",
                        view.key(c, Action::Up),
                        view.key(c, Action::Down),
                        view.key(c, Action::Submit),
                        view.key(c, Action::Back)
                    ),
                    theme::dim(),
                ));
            }
            Step::Form {
                prompt,
                fields: fs,
                editing,
                ..
            } => {
                lines.push(Line::raw(prompt.clone()));
                lines.push(Line::raw(""));
                for f in fs {
                    fields.push((lines.len(), f));
                    lines.push(Line::raw(""));
                }
                lines.push(Line::raw(""));
                let hint = if *editing {
                    let c = Context::Form;
                    format!(
                        "{} submits · {} next field · {} stops editing",
                        view.key(c, Action::Submit),
                        view.key(c, Action::NextField),
                        view.key(c, Action::Back)
                    )
                } else {
                    let c = Context::Stopped;
                    format!(
                        "{} edits again · {} closes (what you typed goes)",
                        view.keys_or(c, Action::Edit),
                        view.key(c, Action::Back)
                    )
                };
                lines.push(Line::styled(hint, theme::dim()));
            }
            Step::Confirm { lines: text, typed } => {
                for t in text {
                    lines.push(Line::raw(t.clone()));
                }
                lines.push(Line::raw(""));
                match typed {
                    Some((expected, f)) => {
                        lines.push(Line::from(vec![
                            Span::raw("Type "),
                            Span::styled(expected.clone(), theme::key()),
                            Span::raw(" to confirm:"),
                        ]));
                        fields.push((lines.len(), f));
                        lines.push(Line::raw(""));
                        let c = Context::Form;
                        lines.push(Line::styled(
                            format!(
                                "{} confirms · {} cancels",
                                view.key(c, Action::Submit),
                                view.key(c, Action::Back)
                            ),
                            theme::dim(),
                        ));
                    }
                    None => {
                        let c = Context::Confirm;
                        lines.push(Line::styled(
                            format!(
                                "{} confirms · {} cancels",
                                view.keys_or(c, Action::Submit),
                                view.keys_or(c, Action::Back)
                            ),
                            theme::dim(),
                        ))
                    }
                }
            }
            Step::Working(what) => lines.push(Line::styled(format!("{what}…"), theme::info())),
            Step::Done { lines: done, copy } => {
                lines.extend(done.iter().cloned());
                lines.push(Line::raw(""));
                let c = Context::Result;
                let close = format!(
                    "{} or {} closes",
                    view.key(c, Action::Submit),
                    view.key(c, Action::Back)
                );
                lines.push(Line::styled(
                    if copy.is_some() {
                        format!(
                            "{} copies {} · {close}",
                            view.key(c, Action::CopyLink),
                            self.copy_label.unwrap_or("the link")
                        )
                    } else {
                        close
                    },
                    theme::dim(),
                ));
            }
        }
        if let Some(n) = &self.note {
            lines.push(Line::raw(""));
            lines.push(Line::styled(n.clone(), theme::warn()));
        }
        if let Some(e) = &self.error {
            lines.push(Line::raw(""));
            lines.extend(panel::error_lines(&self.title, e));
        }
        (lines, fields)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let (lines, fields) = self.body(view);
        let width = 76.min(area.width);
        // Long lines (links) wrap: count the rows they take.
        let inner_width = usize::from(width.saturating_sub(2)).max(1);
        let rows: usize = lines
            .iter()
            .map(|l| l.width().div_ceil(inner_width).max(1))
            .sum();
        let height = (rows as u16 + 2).min(area.height);
        let popup = centered(area, width, height);
        let border = if self.danger {
            theme::danger()
        } else {
            theme::focused_border()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Span::styled(format!(" {} ", self.title), border));
        let inner = block.inner(popup);
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            popup,
        );
        let focus = match &self.step {
            Step::Form {
                focus,
                editing: true,
                ..
            } => Some(*focus),
            Step::Confirm { typed: Some(_), .. } => Some(0),
            _ => None,
        };
        for (i, (row, f)) in fields.into_iter().enumerate() {
            let y = inner.y + row as u16;
            if y >= inner.bottom() {
                break;
            }
            let area = Rect::new(inner.x, y, inner.width, 1);
            f.draw(frame, area, 16, focus == Some(i));
        }
    }
}
