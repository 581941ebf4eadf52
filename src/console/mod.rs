//! The console: a pure state machine (`app`) over screens (`screens`) drawn with shared
//! widgets (`widgets`), fed keys through the keymap (`keys`, `input`), asking for work as
//! commands (`command`) that the worker runs (`worker`). It knows the GoTrue client's types,
//! never the terminal: `crate::term` drives it.

pub mod app;
pub mod command;
pub mod input;
pub mod keys;
pub mod screens;
pub mod widgets;
pub mod worker;
