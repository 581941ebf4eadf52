//! Work shared by the command line and the console, with no UI in it: exporting users,
//! bulk invitations, and the operator journal's file.

pub mod bulk;
pub mod bulk_users;
pub mod export;
pub mod journal;
pub mod session_store;
pub mod signout;
pub mod stats;
