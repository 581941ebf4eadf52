//! `demo-server --smtp HOST:PORT`: every mail the demo server puts in its outbox also goes to
//! a real SMTP server (Mailpit in the tests, as a local Supabase stack has), in the
//! background, so that the Outbox-from-Mailpit path runs end to end. SMS stay in the outbox.
//! Plain SMTP without TLS: meant for a server on loopback.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outbox::{Draft, OutboxKind};

/// Where the mails go.
#[derive(Clone)]
pub struct SmtpRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpRelay")
    }
}

impl SmtpRelay {
    /// `addr` is `host:port`.
    pub fn new(addr: &str) -> Result<SmtpRelay, String> {
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or_else(|| format!("--smtp {addr}: give HOST:PORT"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("--smtp {addr}: the port is not a number"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .build();
        Ok(SmtpRelay { transport })
    }

    /// Sends a copy of `draft` if it is a mail, without waiting; a failure is logged.
    pub fn relay(&self, draft: &Draft) {
        if draft.kind == OutboxKind::OtpSms || draft.kind == OutboxKind::PhoneChange {
            return;
        }
        let message = (|| -> Result<Message, String> {
            let from: Mailbox = "GoTrue demo <noreply@demo.invalid>"
                .parse()
                .map_err(|e| format!("{e}"))?;
            let to: Mailbox = draft.to.parse().map_err(|e| format!("{e}"))?;
            Message::builder()
                .from(from)
                .to(to)
                .subject(draft.subject.clone())
                .body(draft.body.clone())
                .map_err(|e| format!("{e}"))
        })();
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("demo smtp: cannot write the mail: {e}");
                return;
            }
        };
        let transport = self.transport.clone();
        tokio::spawn(async move {
            if let Err(e) = transport.send(message).await {
                tracing::warn!("demo smtp: sending failed: {e}");
            }
        });
    }
}
