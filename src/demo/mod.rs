//! An embedded, in-memory server that speaks GoTrue's (Supabase Auth's) HTTP
//! API, for demos and tests: seeded users and personas, an outbox instead of
//! SMTP/SMS, and fault injection.
//!
//! Behaviour copies GoTrue v2 (supabase/auth): paths, bodies, status codes,
//! error codes and messages, both error shapes, `Link`/`X-Total-Count`
//! paging, refresh-token rotation. See `assets/README.md` for the personas.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gotrue_console::demo::DemoError> {
//! use gotrue_console::demo::{DemoConfig, DemoServer};
//! let server = DemoServer::start(DemoConfig::default()).await?;
//! println!("GoTrue at {} with key {}", server.url(), server.service_role_key());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod audit;
mod config;
mod errors;
mod faults;
mod gateway;
mod gotime;
mod jwt;
mod listener;
mod mailer;
mod model;
mod outbox;
mod pagination;
mod passwords;
mod routes;
mod seed;
mod server;
mod sessions;
mod smtp;
mod state;
mod store;
mod surfaces;
mod validate;

pub use config::{DemoConfig, DemoServerArgs, JwtAlg};
pub use errors::DemoError;
pub use faults::FaultConfig;
pub use outbox::{OutboxKind, OutboxMessage};
pub use seed::SYNTHETIC_PASSWORD;
pub use server::{DemoServer, run_standalone};
