//! Editing a user: email, phone, password, role, confirmation and both metadata objects,
//! validated before anything is sent, with a preview of what will change. Just before saving
//! the user is read again: if someone else changed it meanwhile (`updated_at` moved), the
//! dialog shows what changed and asks before overwriting (the lost-update guard).

use crate::console::command::{
    ApiCall, ApiReply, Pending, RequestId, Saved, Task, TaskError, TaskReply,
};
use crate::console::keys::{Action, Context};
use crate::console::screens::dialog::{Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::widgets::field::Field;
use crate::console::widgets::theme;
use crate::gotrue::{AdminUserAttributes, GoTrueError, Secret, User, UserId};
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::Line;
use serde_json::{Map, Value};

const EMAIL: usize = 0;
const PHONE: usize = 1;
const PASSWORD: usize = 2;
const ROLE: usize = 3;
const USER_META: usize = 4;
const APP_META: usize = 5;

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Loading,
    Form,
    /// The fields are out in `$EDITOR`.
    Editor,
    Rereading,
    Confirm,
    Saving,
    Done,
}

pub struct EditUser {
    id: UserId,
    /// The user as loaded when the form opened: the base of the diff and of the guard.
    original: Option<User>,
    /// What was typed, kept across steps so a refusal returns to it.
    values: Vec<String>,
    /// The changes to send, once validated.
    attrs: Option<AdminUserAttributes>,
    dialog: Dialog,
    stage: Stage,
    /// The user, read to open the form or again before the preview.
    pending: Option<Pending<Box<User>>>,
    /// `$EDITOR` at work.
    editor: Option<Pending<String>>,
    saving: Option<Pending<Saved>>,
    /// The editor's text when it could not be read back: the next Ctrl-O reopens it, so a
    /// typo in the JSON loses nothing.
    draft: Option<String>,
}

impl EditUser {
    /// Opens on `user` when the full user is at hand, else loads it first.
    pub fn start(id: UserId, user: Option<User>, ctx: &mut Ctx) -> Self {
        let mut s = Self {
            id,
            original: None,
            values: Vec::new(),
            attrs: None,
            dialog: Dialog::new("Edit user", Step::Working("Loading the user".into())),
            stage: Stage::Loading,
            pending: None,
            editor: None,
            saving: None,
            draft: None,
        };
        match user {
            Some(u) => s.show_form(u),
            None => s.pending = Some(ctx.send(ApiCall::GetUser(id))),
        }
        s
    }

    fn show_form(&mut self, u: User) {
        self.values = vec![
            u.email.clone(),
            if u.phone.is_empty() {
                String::new()
            } else {
                format!("+{}", u.phone)
            },
            String::new(),
            u.role.clone().unwrap_or_default(),
            compact(&u.user_metadata),
            compact(&u.app_metadata),
        ];
        self.dialog.title = format!("Edit {}", u.display_name());
        self.original = Some(u);
        self.stage = Stage::Form;
        self.dialog.set_step(self.form());
    }

    fn form(&self) -> Step {
        let labels: [(&str, &str); 6] = [
            ("email", ""),
            ("phone", "+15555550123"),
            ("password", "(unchanged)"),
            ("role", "authenticated"),
            ("user_metadata", "{}"),
            ("app_metadata", "{}"),
        ];
        let fields = labels
            .iter()
            .enumerate()
            .map(|(i, (label, placeholder))| {
                let mut f = Field::new(label).placeholder(placeholder);
                if i == PASSWORD {
                    f = f.masked();
                }
                f.set(self.values.get(i).cloned().unwrap_or_default());
                f
            })
            .collect();
        Dialog::form(
            "Change what needs changing; metadata is the whole JSON object.",
            fields,
        )
    }

    /// Back to the form, as typed, with a message or GoTrue's error.
    fn back_to_form(&mut self, note: Option<String>, error: Option<GoTrueError>) {
        self.stage = Stage::Form;
        self.dialog.set_step(self.form());
        self.dialog.note = note;
        self.dialog.error = error;
    }

    fn submitted(&mut self, values: Vec<String>, ctx: &mut Ctx) {
        self.values = values;
        let Some(original) = self.original.clone() else {
            return;
        };
        match changes(&original, &self.values) {
            Err(why) => self.back_to_form(Some(why), None),
            Ok((attrs, _)) if attrs == AdminUserAttributes::default() => {
                self.back_to_form(Some("Nothing changed.".into()), None)
            }
            Ok((attrs, _)) => {
                // Read the user again before showing the preview: the guard compares it.
                self.attrs = Some(attrs);
                self.stage = Stage::Rereading;
                self.dialog
                    .set_step(Step::Working("Checking for changes made meanwhile".into()));
                self.pending = Some(ctx.send(ApiCall::GetUser(self.id)));
            }
        }
    }

    /// Saving (or reading the user again) failed: back to the form, as typed.
    fn failed(&mut self, stage: Stage, e: GoTrueError, ctx: &mut Ctx) {
        ctx.flash(Level::Error, format!("Saving failed: {e}"));
        // Sent but unanswered: the next Enter reads the user again first, and the
        // preview shows the change if it was made.
        let note = (stage == Stage::Saving && e.may_have_been_applied()).then(|| {
            "No whole answer came back: the change may have been saved. Enter reads \
             the user again and shows what changed before saving."
                .to_owned()
        });
        self.back_to_form(note, Some(e));
    }

    /// Hands the fields to `$EDITOR` as one JSON document (the password stays in the form).
    fn open_editor(&mut self, ctx: &mut Ctx) {
        if let Some(values) = self.dialog.form_values() {
            self.values = values;
        }
        // Kept until an edit reads back well: an editor that fails loses nothing either.
        let text = match &self.draft {
            Some(draft) => draft.clone(),
            None => document(&self.values),
        };
        self.stage = Stage::Editor;
        self.dialog.set_step(Step::Working(
            "Editing in $EDITOR: save and quit it to come back (the password stays in the form)"
                .into(),
        ));
        self.editor = Some(ctx.task(Task::EditText {
            text,
            extension: "json",
        }));
    }

    /// The editor's text back: into the form, then on to the preview as if submitted.
    fn edited(&mut self, text: String, ctx: &mut Ctx) {
        let read = from_document(&text, &self.values);
        if read.is_ok() {
            self.draft = None;
        }
        match read {
            Ok(values) if values == self.values => {
                self.back_to_form(Some("The editor changed nothing.".into()), None)
            }
            Ok(values) => self.submitted(values, ctx),
            Err(why) => {
                self.draft = Some(text);
                self.back_to_form(
                    Some(format!(
                        "{why}. Ctrl-O reopens your text as you left it to fix it."
                    )),
                    None,
                );
            }
        }
    }

    fn preview(&mut self, current: &User) {
        let Some(original) = self.original.clone() else {
            return;
        };
        let mut lines = Vec::new();
        if current.updated_at != original.updated_at {
            lines.push("Someone changed this user since you opened it:".to_owned());
            let theirs = describe_user_changes(&original, current);
            if theirs.is_empty() {
                lines.push("  (updated_at moved; no field you can edit changed)".into());
            }
            lines.extend(theirs.into_iter().map(|l| format!("  {l}")));
            lines.push("Your changes, if you save anyway:".to_owned());
        } else {
            lines.push("Save these changes?".to_owned());
        }
        let (_, diff) = changes(&original, &self.values).unwrap_or_default();
        lines.extend(diff.into_iter().map(|l| format!("  {l}")));
        self.stage = Stage::Confirm;
        self.dialog.set_step(Step::Confirm { lines, typed: None });
    }
}

impl Flow for EditUser {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        if self.stage == Stage::Form && action == Some(Action::ExternalEditor) {
            self.open_editor(ctx);
            return true;
        }
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => {
                if self.stage == Stage::Confirm {
                    // n / Esc on the preview returns to the form rather than losing it.
                    self.back_to_form(None, None);
                    return true;
                }
                false
            }
            DialogEvent::Submitted(values) => {
                self.submitted(values, ctx);
                true
            }
            DialogEvent::Confirmed => {
                if let Some(attrs) = self.attrs.clone() {
                    self.stage = Stage::Saving;
                    self.dialog.set_step(Step::Working("Saving".into()));
                    self.saving = Some(ctx.send(ApiCall::UpdateUser(self.id, Box::new(attrs))));
                }
                true
            }
            _ => true,
        }
    }

    fn on_paste(&mut self, text: &str) {
        self.dialog.on_paste(text);
    }

    fn is_finished(&self) -> bool {
        match self.stage {
            Stage::Done | Stage::Confirm => true,
            Stage::Form => self.dialog.error.is_some() || self.dialog.note.is_some(),
            _ => false,
        }
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some(pending) = self.pending.filter(|p| p.is(id)) {
            self.pending = None;
            match (self.stage.clone(), pending.read(result)) {
                (Stage::Loading, Ok(u)) => self.show_form(*u),
                (Stage::Rereading, Ok(u)) => self.preview(&u),
                (Stage::Loading, Err(e)) => {
                    self.stage = Stage::Done;
                    self.dialog.set_step(Step::Done {
                        lines: vec![Line::styled(
                            "The user could not be loaded.",
                            theme::danger(),
                        )],
                        copy: None,
                    });
                    self.dialog.error = Some(e);
                }
                (stage, Err(e)) => self.failed(stage, e, ctx),
                (stage, Ok(u)) => {
                    crate::console::command::bug(&format!("edit user ({stage:?})"), &u.id)
                }
            }
        } else if let Some(saving) = self.saving.filter(|p| p.is(id)) {
            self.saving = None;
            match saving.read(result) {
                Ok(Saved { user, .. }) => {
                    let name = user.display_name();
                    let (_, diff) = self
                        .original
                        .as_ref()
                        .and_then(|o| changes(o, &self.values).ok())
                        .unwrap_or_default();
                    let mut lines = vec![Line::styled(format!("Saved {name}:"), theme::ok())];
                    lines.extend(diff.into_iter().map(|l| Line::raw(format!("  {l}"))));
                    self.stage = Stage::Done;
                    self.dialog.set_step(Step::Done { lines, copy: None });
                    ctx.flash(Level::Info, format!("Saved {name}"));
                    ctx.effect(Effect::UserChanged(user));
                }
                Err(e) => self.failed(Stage::Saving, e, ctx),
            }
        }
    }

    fn on_task(&mut self, id: RequestId, result: Result<TaskReply, TaskError>, ctx: &mut Ctx) {
        let Some(editor) = self.editor.filter(|p| p.is(id)) else {
            return;
        };
        self.editor = None;
        match editor.read(result) {
            Ok(text) => self.edited(text, ctx),
            // Not GoTrue's refusal: the editor's own reason, as a note under the form.
            Err(e) => self.back_to_form(Some(e.to_string()), None),
        }
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }

    fn context(&self) -> Context {
        match self.stage {
            Stage::Form if self.dialog.context() == Context::Form => Context::EditUser,
            _ => self.dialog.context(),
        }
    }
}

/// The fields `$EDITOR` gets, in the form's order. Metadata goes in as objects; text in the
/// form that is not (yet) a JSON object goes in as a string, so nothing typed is lost.
const DOCUMENT_FIELDS: [(&str, usize); 5] = [
    ("email", EMAIL),
    ("phone", PHONE),
    ("role", ROLE),
    ("user_metadata", USER_META),
    ("app_metadata", APP_META),
];

fn document(values: &[String]) -> String {
    let mut doc = Map::new();
    for (name, i) in DOCUMENT_FIELDS {
        let v = values.get(i).cloned().unwrap_or_default();
        let value = if i == USER_META || i == APP_META {
            match object(&v, name) {
                Ok(m) => Value::Object(m),
                Err(_) => Value::String(v),
            }
        } else {
            Value::String(v)
        };
        doc.insert(name.to_owned(), value);
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

/// The form's values from the editor's text; a field left out keeps the form's value.
fn from_document(text: &str, form: &[String]) -> Result<Vec<String>, String> {
    let doc = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err("The editor's text must be one JSON object".into()),
        Err(e) => return Err(format!("The editor's text is not JSON ({e})")),
    };
    let mut values = form.to_vec();
    values.resize(APP_META + 1, String::new());
    for (name, value) in doc {
        let Some(&(_, i)) = DOCUMENT_FIELDS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = DOCUMENT_FIELDS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "`{name}` is not a field here (these are: {})",
                names.join(", ")
            ));
        };
        values[i] = match (value, i) {
            (Value::String(s), _) => s,
            (Value::Null, _) => String::new(),
            (Value::Object(m), USER_META | APP_META) => compact(&m),
            (_, USER_META | APP_META) => return Err(format!("{name} must be a JSON object")),
            (_, _) => return Err(format!("{name} must be a string")),
        };
    }
    Ok(values)
}

fn compact(m: &Map<String, Value>) -> String {
    if m.is_empty() {
        String::new()
    } else {
        serde_json::to_string(m).unwrap_or_default()
    }
}

fn object(text: &str, what: &str) -> Result<Map<String, Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("{what} must be a JSON object")),
        Err(e) => Err(format!("{what} is not JSON: {e}")),
    }
}

/// GoTrue merges metadata: send what changed, and `null` for a key that went.
fn metadata_patch(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    what: &str,
    diff: &mut Vec<String>,
) -> Option<Map<String, Value>> {
    let mut patch = Map::new();
    for (k, v) in new {
        match old.get(k) {
            Some(o) if o == v => {}
            Some(o) => {
                diff.push(format!("{what}.{k}: {o} → {v}"));
                patch.insert(k.clone(), v.clone());
            }
            None => {
                diff.push(format!("{what}.{k}: + {v}"));
                patch.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, o) in old {
        if !new.contains_key(k) {
            diff.push(format!("{what}.{k}: − {o}"));
            patch.insert(k.clone(), Value::Null);
        }
    }
    (!patch.is_empty()).then_some(patch)
}

/// The form's values against the user: the attributes to send and a line per change.
fn changes(u: &User, values: &[String]) -> Result<(AdminUserAttributes, Vec<String>), String> {
    let get = |i: usize| values.get(i).map(|v| v.trim()).unwrap_or_default();
    let mut attrs = AdminUserAttributes::default();
    let mut diff = Vec::new();

    let email = get(EMAIL).to_lowercase();
    if email != u.email {
        if email.is_empty() {
            return Err("GoTrue cannot remove an email; change it instead".into());
        }
        let domain_ok = email
            .rsplit_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
        if !domain_ok || email.contains(' ') {
            return Err(format!("`{email}` is not an email address"));
        }
        diff.push(format!("email: {} → {email}", show(&u.email)));
        attrs.email = Some(email);
    }
    let phone = get(PHONE).trim_start_matches('+').to_owned();
    if phone != u.phone {
        if phone.is_empty() {
            return Err("GoTrue cannot remove a phone; change it instead".into());
        }
        if phone.len() < 8 || !phone.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "`{}` is not a phone number like +15555550123",
                get(PHONE)
            ));
        }
        diff.push(format!("phone: {} → +{phone}", show(&u.phone)));
        attrs.phone = Some(phone);
    }
    let password = values.get(PASSWORD).cloned().unwrap_or_default();
    if !password.is_empty() {
        diff.push("password: changed (the user's sessions end)".into());
        attrs.password = Some(Secret::new(password));
    }
    let role = get(ROLE);
    if !role.is_empty() && Some(role) != u.role.as_deref() {
        diff.push(format!(
            "role: {} → {role}",
            u.role.clone().unwrap_or_else(|| "—".into())
        ));
        attrs.role = Some(role.to_owned());
    }
    let user_meta = object(get(USER_META), "user_metadata")?;
    attrs.user_metadata = metadata_patch(&u.user_metadata, &user_meta, "user_metadata", &mut diff);
    let app_meta = object(get(APP_META), "app_metadata")?;
    attrs.app_metadata = metadata_patch(&u.app_metadata, &app_meta, "app_metadata", &mut diff);
    Ok((attrs, diff))
}

fn show(v: &str) -> &str {
    if v.is_empty() { "—" } else { v }
}

/// What changed between two versions of a user, in the fields the form edits.
fn describe_user_changes(before: &User, after: &User) -> Vec<String> {
    let mut out = Vec::new();
    if before.email != after.email {
        out.push(format!(
            "email: {} → {}",
            show(&before.email),
            show(&after.email)
        ));
    }
    if before.phone != after.phone {
        out.push(format!(
            "phone: {} → {}",
            show(&before.phone),
            show(&after.phone)
        ));
    }
    if before.role != after.role {
        out.push(format!("role: {:?} → {:?}", before.role, after.role));
    }
    let mut meta = Vec::new();
    metadata_patch(
        &before.user_metadata,
        &after.user_metadata,
        "user_metadata",
        &mut meta,
    );
    metadata_patch(
        &before.app_metadata,
        &after.app_metadata,
        "app_metadata",
        &mut meta,
    );
    out.extend(meta);
    if before.banned_until != after.banned_until {
        out.push("ban changed".into());
    }
    if before.email_confirmed_at != after.email_confirmed_at {
        out.push("email confirmation changed".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> User {
        serde_json::from_value(json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "email": "ada@example.com", "phone": "",
            "role": "authenticated",
            "user_metadata": {"full_name": "Ada", "theme": "dark"},
            "app_metadata": {"provider": "email", "plan": "free"},
            "updated_at": "2025-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn unchanged_form_changes_nothing() {
        let u = user();
        let v = values(&[
            "ada@example.com",
            "",
            "",
            "authenticated",
            &compact(&u.user_metadata),
            &compact(&u.app_metadata),
        ]);
        let (attrs, diff) = changes(&u, &v).unwrap();
        assert_eq!(attrs, AdminUserAttributes::default());
        assert!(diff.is_empty());
    }

    #[test]
    fn metadata_is_sent_as_a_merge_patch() {
        let u = user();
        let v = values(&[
            "ADA@example.com",
            "+15555550123",
            "",
            "authenticated",
            r#"{"full_name":"Ada L."}"#,
            r#"{"provider":"email","plan":"pro"}"#,
        ]);
        let (attrs, diff) = changes(&u, &v).unwrap();
        assert_eq!(
            attrs.email, None,
            "the same address in capitals is no change"
        );
        assert_eq!(attrs.phone.as_deref(), Some("15555550123"));
        let um = attrs.user_metadata.unwrap();
        assert_eq!(um["full_name"], "Ada L.");
        assert_eq!(um["theme"], Value::Null, "a removed key is sent as null");
        assert_eq!(
            attrs.app_metadata.unwrap(),
            json!({"plan": "pro"}).as_object().cloned().unwrap()
        );
        assert!(diff.iter().any(|d| d.contains("user_metadata.theme: −")));
    }

    #[test]
    fn the_editor_document_round_trips_and_keeps_the_password_out() {
        let form = values(&[
            "ada@example.com",
            "",
            "s3cret-typed",
            "authenticated",
            r#"{"full_name":"Ada"}"#,
            "{not json yet",
        ]);
        let doc = document(&form);
        assert!(!doc.contains("s3cret-typed"), "{doc}");
        assert!(doc.contains("\"full_name\": \"Ada\""), "{doc}");
        // Text that is not an object yet goes out as a string and comes back unchanged.
        assert!(doc.contains(r#""app_metadata": "{not json yet""#), "{doc}");
        assert_eq!(from_document(&doc, &form).unwrap(), form);

        let edited = doc.replace("\"Ada\"", "\"Ada L.\"");
        let back = from_document(&edited, &form).unwrap();
        assert_eq!(back[USER_META], r#"{"full_name":"Ada L."}"#);
        assert_eq!(back[PASSWORD], "s3cret-typed", "the form's password stays");

        // Left-out fields keep the form's value; unknown fields and wrong types are refused.
        assert_eq!(
            from_document(r#"{"role":"admin"}"#, &form).unwrap()[EMAIL],
            form[EMAIL]
        );
        assert!(
            from_document(r#"{"plan":"pro"}"#, &form)
                .unwrap_err()
                .contains("`plan`")
        );
        assert!(
            from_document(r#"{"email":3}"#, &form)
                .unwrap_err()
                .contains("string")
        );
        assert!(
            from_document(r#"{"user_metadata":[1]}"#, &form)
                .unwrap_err()
                .contains("object")
        );
        assert!(from_document("{", &form).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn bad_input_is_refused_before_sending() {
        let u = user();
        assert!(
            changes(&u, &values(&["", "", "", "", "", ""]))
                .unwrap_err()
                .contains("remove an email")
        );
        assert!(changes(&u, &values(&["not-an-email", "", "", "", "", ""])).is_err());
        assert!(changes(&u, &values(&["ada@example.com", "12ab", "", "", "", ""])).is_err());
        assert!(
            changes(&u, &values(&["ada@example.com", "", "", "", "[1]", ""]))
                .unwrap_err()
                .contains("object")
        );
    }
}
