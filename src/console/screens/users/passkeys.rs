//! `has:passkey`: the user list does not carry passkeys, so while the filter asks for them
//! the list reads them, user by user, for the users its other words leave (at most
//! [`SCAN_AT_MOST`], two requests at a time). Each answer marks its row; the filter then
//! shows who has one. Leaving the condition stops the reading.

use super::UsersScreen;
use crate::console::command::{ApiCall, Command, Pending, RequestId};
use crate::console::screens::Ctx;
use crate::gotrue::{Availability, GoTrueError, Passkey, UserId};
use std::collections::VecDeque;

/// Users whose passkeys one `has:passkey` reads at most.
pub const SCAN_AT_MOST: usize = 2_000;
const IN_FLIGHT: usize = 2;

#[derive(Default)]
pub(super) struct PasskeyScan {
    queue: VecDeque<UserId>,
    out: Vec<(Pending<Availability<Vec<Passkey>>>, UserId)>,
    /// The server has no passkeys: GoTrue's words.
    pub(super) unavailable: Option<String>,
    /// More users matched than are read.
    pub(super) capped: bool,
    /// Reads sent since the condition came: never more than [`SCAN_AT_MOST`].
    sent: usize,
}

impl UsersScreen {
    /// After a refilter: start, go on with or stop reading passkeys. `candidates`: the rows
    /// the other words leave, when the filter asks for passkeys.
    pub(super) fn scan_passkeys(&mut self, candidates: Option<Vec<u32>>, ctx: Option<&mut Ctx>) {
        let Some(candidates) = candidates else {
            // The condition went: what is out is cancelled.
            if let Some(scan) = self.passkey_scan.take()
                && let Some(ctx) = ctx
            {
                for (p, _) in scan.out {
                    ctx.commands.push(Command::Cancel(p.id()));
                }
            }
            return;
        };
        let scan = self.passkey_scan.get_or_insert_with(PasskeyScan::default);
        if scan.unavailable.is_some() {
            return;
        }
        let unread: Vec<UserId> = candidates
            .iter()
            .filter_map(|i| self.rows.get(*i as usize))
            .filter(|r| r.passkeys.is_none())
            .map(|r| r.id)
            .filter(|id| !scan.out.iter().any(|(_, u)| u == id))
            .collect();
        let room = SCAN_AT_MOST.saturating_sub(scan.sent);
        scan.capped = unread.len() > room;
        scan.queue = unread.into_iter().take(room).collect();
        if let Some(ctx) = ctx {
            self.send_passkey_reads(ctx);
        }
    }

    pub(super) fn send_passkey_reads(&mut self, ctx: &mut Ctx) {
        let Some(scan) = self.passkey_scan.as_mut() else {
            return;
        };
        while scan.out.len() < IN_FLIGHT
            && let Some(id) = scan.queue.pop_front()
        {
            scan.out.push((ctx.send(ApiCall::Passkeys(id)), id));
            scan.sent += 1;
        }
    }

    /// An answer to a passkey read; `Err` gives back one that is not.
    pub(super) fn passkeys_reply(
        &mut self,
        id: RequestId,
        result: Result<crate::console::command::ApiReply, GoTrueError>,
        ctx: &mut Ctx,
    ) -> Option<Result<crate::console::command::ApiReply, GoTrueError>> {
        let Some(scan) = self.passkey_scan.as_mut() else {
            return Some(result);
        };
        let Some(at) = scan.out.iter().position(|(p, _)| p.is(id)) else {
            return Some(result);
        };
        let (pending, user) = scan.out.swap_remove(at);
        let mut found = false;
        match pending.read(result) {
            Ok(Availability::Available(list)) => {
                let n = list.len().min(255) as u8;
                found = n > 0;
                if let Some(&i) = self.by_id.get(&user) {
                    self.rows[i as usize].passkeys = Some(n);
                }
            }
            Ok(Availability::Unavailable { message, .. }) => {
                scan.unavailable = Some(message);
                scan.queue.clear();
            }
            // One that failed stays unread; the rest go on.
            Err(e) => tracing::warn!(error = %e, "reading a user's passkeys failed"),
        }
        let done = scan.queue.is_empty() && scan.out.is_empty();
        self.send_passkey_reads(ctx);
        if found || done {
            self.refilter();
        }
        None
    }

    /// The filter line's words about the reading.
    pub(super) fn passkey_note(&self) -> String {
        let read = self.rows.iter().filter(|r| r.passkeys.is_some()).count();
        match &self.passkey_scan {
            Some(PasskeyScan {
                unavailable: Some(why),
                ..
            }) => format!("has:passkey: this server has no passkeys ({why})"),
            Some(s) if !s.queue.is_empty() || !s.out.is_empty() => format!(
                "has:passkey: reading each user's passkeys… {} to go",
                s.queue.len() + s.out.len()
            ),
            Some(s) if s.capped => format!(
                "has:passkey: read for the first {SCAN_AT_MOST} users the rest of the filter \
                 leaves ({read} read); narrow it to read the others"
            ),
            _ => format!("has:passkey: read for {read} users"),
        }
    }
}
