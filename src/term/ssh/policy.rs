//! What a remote user may ask of the server, and what of it the operator journal records.

use crate::console::command::ApiCall;
use crate::gotrue::Credential;

/// Whether a call changes something on the server (or acts as a user): what the journal
/// records. Reads are not recorded. A call this list does not know yet counts as a change,
/// so that a new kind of request is journaled until someone decides otherwise.
pub fn is_mutating(call: &ApiCall) -> bool {
    !matches!(
        call,
        ApiCall::Health
            | ApiCall::Settings
            | ApiCall::LoadUsers { .. }
            | ApiCall::UsersByCursor(_)
            | ApiCall::UsersByPage(_)
            | ApiCall::DbUsers(_)
            | ApiCall::DbCounts { .. }
            | ApiCall::DbStats { .. }
            | ApiCall::GetUser(_)
            | ApiCall::Passkeys(_)
            | ApiCall::Providers { .. }
            | ApiCall::Outbox
            | ApiCall::Audit { .. }
            // The console's own session, kept alive in the background.
            | ApiCall::Refresh { .. }
    )
}

/// Whether a call only talks to GoTrue, and so may run for a remote user. Anything else
/// (writing a file, say) would act on the server's own machine: it is refused over SSH until
/// it is added here on purpose.
pub fn allowed_over_ssh(call: &ApiCall) -> bool {
    matches!(
        call,
        ApiCall::Health
            | ApiCall::Settings
            | ApiCall::LoadUsers { .. }
            | ApiCall::UsersByCursor(_)
            | ApiCall::UsersByPage(_)
            | ApiCall::GetUser(_)
            | ApiCall::SignIn { .. }
            | ApiCall::SignUp(_)
            | ApiCall::MagicLink { .. }
            | ApiCall::SendOtp { .. }
            | ApiCall::Verify(_)
            | ApiCall::Resend { .. }
            | ApiCall::Refresh { .. }
            | ApiCall::SignOut { .. }
            | ApiCall::Outbox
            | ApiCall::CreateUser { .. }
            | ApiCall::UpdateUser(..)
            | ApiCall::SetTemporaryPassword(_)
            | ApiCall::DeleteUser { .. }
            | ApiCall::Recover { .. }
            | ApiCall::GenerateLink(_)
            | ApiCall::DeleteFactor { .. }
            | ApiCall::Passkeys(_)
            | ApiCall::DeletePasskey { .. }
            | ApiCall::Providers { .. }
            | ApiCall::RegenerateClientSecret(_)
            | ApiCall::DeleteSurface(_)
            | ApiCall::SaveSurface(_)
            | ApiCall::RenameFactor { .. }
            | ApiCall::SignOutEverywhere { .. }
            | ApiCall::Invite { .. }
            // Sends invitations through GoTrue; the pasted list is in the app's memory.
            | ApiCall::RunInvites { .. }
            | ApiCall::Audit { .. }
            | ApiCall::LookupToken(_)
    )
}

/// Whether a local task may run for a remote user: only reading the server's own journal,
/// whose path the server set (never typed). Reading or writing a CSV, an export or an editor
/// would act on the server's own machine.
pub fn task_allowed_over_ssh(task: &crate::console::command::Task) -> bool {
    matches!(task, crate::console::command::Task::ReadJournal { .. })
}

/// Whom a call is about, when it names someone (never a secret).
pub fn target(call: &ApiCall) -> Option<String> {
    let credential = |c: &Credential| match c {
        Credential::Email(e) | Credential::Phone(e) => e.clone(),
    };
    match call {
        ApiCall::GetUser(id) => Some(id.to_string()),
        ApiCall::SignIn { credential: c, .. } => Some(credential(c)),
        ApiCall::SignUp(s) => Some(credential(&s.credential)),
        ApiCall::MagicLink { email } => Some(email.clone()),
        ApiCall::SendOtp { target, .. } | ApiCall::Resend { target, .. } => {
            Some(credential(target))
        }
        ApiCall::Verify(crate::gotrue::Verification::Token { target, .. }) => {
            Some(credential(target))
        }
        ApiCall::UpdateUser(id, _)
        | ApiCall::SetTemporaryPassword(id)
        | ApiCall::DeleteUser { id, .. }
        | ApiCall::DeleteFactor { user_id: id, .. }
        | ApiCall::Passkeys(id)
        | ApiCall::DeletePasskey { user_id: id, .. }
        | ApiCall::RenameFactor { user_id: id, .. }
        | ApiCall::SignOutEverywhere { user_id: id, .. }
        | ApiCall::Impersonate { user_id: id, .. } => Some(id.to_string()),
        ApiCall::CreateUser { attrs, .. } => attrs.email.clone().or_else(|| attrs.phone.clone()),
        ApiCall::Recover { email } | ApiCall::Invite { email, .. } => Some(email.clone()),
        ApiCall::GenerateLink(request) => Some(request.email.clone()),
        ApiCall::SaveSurface(write) => write.target().map(str::to_owned),
        ApiCall::DeleteSurface(what) => Some(
            match what {
                crate::console::command::SurfaceId::Sso(id)
                | crate::console::command::SurfaceId::OAuthClient(id)
                | crate::console::command::SurfaceId::Custom(id) => id,
            }
            .clone(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotrue::{ResendType, Secret};
    use crate::ops::journal::{JournalEntry, JournalEvent};

    #[test]
    fn reads_are_not_journaled_changes_are() {
        assert!(!is_mutating(&ApiCall::Health));
        assert!(!is_mutating(&ApiCall::LoadUsers { filter: None }));
        assert!(!is_mutating(&ApiCall::GetUser(uuid::Uuid::nil())));
        assert!(!is_mutating(&ApiCall::Outbox));
        assert!(is_mutating(&ApiCall::MagicLink {
            email: "ada@example.com".into()
        }));
        assert!(is_mutating(&ApiCall::SignIn {
            credential: Credential::Email("ada@example.com".into()),
            password: Secret::new("analytical-engine-1843".to_owned()),
        }));
        assert!(is_mutating(&ApiCall::Resend {
            kind: ResendType::Signup,
            target: Credential::Phone("+15555550100".into()),
        }));
        let id = uuid::Uuid::new_v4();
        assert!(is_mutating(&ApiCall::DeleteUser { id, soft: true }));
        assert!(is_mutating(&ApiCall::SetTemporaryPassword(id)));
        assert_eq!(
            target(&ApiCall::DeleteUser { id, soft: false }),
            Some(id.to_string())
        );
    }

    #[test]
    fn every_call_known_today_talks_only_to_gotrue() {
        let id = uuid::Uuid::new_v4();
        for call in [
            ApiCall::Health,
            ApiCall::LoadUsers { filter: None },
            ApiCall::DeleteUser { id, soft: false },
            ApiCall::Recover {
                email: "ada@example.com".into(),
            },
        ] {
            assert!(allowed_over_ssh(&call), "{call:?}");
        }
    }

    #[test]
    fn targets_name_the_person_never_the_secret() {
        let call = ApiCall::SignIn {
            credential: Credential::Email("ada@example.com".into()),
            password: Secret::new("analytical-engine-1843".to_owned()),
        };
        assert_eq!(target(&call).as_deref(), Some("ada@example.com"));
        let mut entry = JournalEntry::new("s1", "SHA256:x", "ada@laptop", JournalEvent::Action);
        entry.action = Some(call.label().to_owned());
        entry.target = target(&call);
        let line = serde_json::to_string(&entry).unwrap();
        assert!(!line.contains("analytical"), "{line}");
        assert!(line.contains("\"event\":\"action\""), "{line}");
        assert!(
            !line.contains("reason"),
            "absent fields are left out: {line}"
        );
    }
}
