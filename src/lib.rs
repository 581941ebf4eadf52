//! gotrue-console: a terminal admin console for GoTrue (Supabase Auth).
//!
//! - [`gotrue`]: the client (no UI types).
//! - [`db`]: read-only reads straight from GoTrue's PostgreSQL (no UI types either).
//! - [`console`]: the console's pure state machine, its screens, widgets and keymap, and the
//!   worker that runs its requests.
//! - [`term`]: what drives the console: the local terminal and `serve-ssh`.
//! - [`ops`]: work the command line and the console share (export, bulk invitations, the
//!   operator journal's file).
//! - [`demo`]: the embedded GoTrue-compatible server.
//! - [`config`], [`cli`], [`doctor`], [`mailpit`], [`duration`], [`logging`]: around them.
// GoTrueError carries status, code, message and detail so every panel can show GoTrue's own
// words; it is big for a Result's error, and errors are the rare path: not worth a Box.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod doctor;
pub mod duration;
pub mod gotrue;
pub mod logging;
pub mod mailpit;
pub mod ops;
pub mod term;
