//! gotrue-console: a terminal admin console for GoTrue (Supabase Auth).
pub mod demo;
pub mod gotrue;
