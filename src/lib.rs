//! gotrue-console: a terminal admin console for GoTrue (Supabase Auth).
//!
//! [`gotrue`] is the client (no UI types); [`demo`] the embedded GoTrue-compatible server;
//! [`app`] the console's pure state machine, drawn by [`screens`] and [`widgets`], fed by
//! [`term`] and served by [`worker`].
// GoTrueError carries status, code, message and detail so every panel can show GoTrue's own
// words; it is big for a Result's error, and errors are the rare path: not worth a Box.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod bulk;
pub mod cli;
pub mod command;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod duration;
pub mod export;
pub mod gotrue;
pub mod input;
pub mod keys;
pub mod logging;
pub mod mailpit;
pub mod screens;
pub mod term;
pub mod widgets;
pub mod worker;
