//! Snapshots of every admin dialog and of the invites tab, at 80x24 and 120x40, against the
//! embedded demo server. The flows behind them are driven and checked in tests/console.rs;
//! these keep their looks from drifting unnoticed.

mod common;

use common::harness::{Harness, select, snapshot};
use gotrue_console::console::app::Msg;
use gotrue_console::console::input::Input;
use gotrue_console::console::keys::Context;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Opens the dialog `key` starts on `email`, waits for it to settle, snapshots it, closes it.
async fn dialog(h: &mut Harness, email: &str, key: char, name: &str, (w, hgt): (u16, u16)) {
    select(h, email).await;
    h.char(key);
    h.settle().await;
    assert!(h.app().action().is_some(), "`{key}` opened no dialog");
    snapshot(&format!("dialog_{name}_{w}x{hgt}"), &h.screen());
    // A form stops editing at the first Esc and closes at the second; other steps close
    // at once.
    let form = matches!(h.app().context(), Context::Form | Context::EditUser);
    h.key(KeyCode::Esc);
    if form {
        assert_eq!(
            h.app().context(),
            Context::Stopped,
            "{name}: Esc stops editing"
        );
        assert!(h.app().action().is_some(), "{name}: still open");
        h.key(KeyCode::Esc);
    }
    assert!(h.app().action().is_none(), "Esc closes the {name} dialog");
}

#[tokio::test]
async fn admin_dialogs_at_both_sizes() {
    for size in SIZES {
        let mut h = Harness::new(size.0, size.1).await;
        for (email, key, name) in [
            ("ada@example.com", 'n', "create"),
            ("ada@example.com", 'i', "invite"),
            ("ada@example.com", 'e', "edit"),
            ("ada@example.com", 'p', "password_help"),
            ("ada@example.com", 'l', "links_and_codes"),
            ("ada@example.com", 'b', "ban"),
            ("banned@example.com", 'u', "unban"),
            ("unconfirmed@example.com", 'c', "confirm"),
            ("ada@example.com", 'D', "delete"),
            ("ada@example.com", 'O', "sign_out_everywhere"),
            ("ada@example.com", 'd', "diagnose"),
            ("ada@example.com", 'E', "export"),
        ] {
            dialog(&mut h, email, key, name, size).await;
        }
    }
}

#[tokio::test]
async fn edit_preview_and_mfa_factors_at_both_sizes() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt).await;
        select(&mut h, "ada@example.com").await;
        h.char('e');
        h.settle().await;
        // role is the fourth field.
        for _ in 0..3 {
            h.key(KeyCode::Tab);
        }
        h.text("-support");
        h.key(KeyCode::Enter);
        h.settle().await;
        let s = h.screen();
        assert!(s.contains("Save these changes?"), "{s}");
        snapshot(&format!("dialog_edit_preview_{w}x{hgt}"), &s);
        // Esc: back to the form (editing), Esc: stop editing, Esc: close.
        h.key(KeyCode::Esc);
        assert_eq!(h.app().context(), Context::EditUser);
        h.key(KeyCode::Esc);
        assert_eq!(h.app().context(), Context::Stopped);
        h.key(KeyCode::Esc);
        assert!(h.app().action().is_none(), "closed");

        // MFA factors are listed on the user's own screen.
        h.key(KeyCode::Enter);
        h.until("ada's details", |app| {
            app.detail().and_then(|d| d.user()).is_some()
        })
        .await;
        h.char('M');
        h.settle().await;
        snapshot(&format!("dialog_remove_mfa_{w}x{hgt}"), &h.screen());
        h.char('r');
        h.settle().await;
        assert_eq!(
            h.app().context(),
            Context::Form,
            "the new name is typed at once"
        );
        snapshot(&format!("dialog_rename_factor_{w}x{hgt}"), &h.screen());
    }
}

#[tokio::test]
async fn invites_tab_with_a_pasted_list_at_both_sizes() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt).await;
        h.char('7');
        snapshot(&format!("invites_empty_{w}x{hgt}"), &h.screen());
        h.driver.handle(Msg::Input(Input::Paste(
            "grace@example.com\nnew.person@example.com\nnot-an-email\nnew.person@example.com\n"
                .into(),
        )));
        h.settle().await;
        snapshot(&format!("invites_preview_{w}x{hgt}"), &h.screen());
    }
}
