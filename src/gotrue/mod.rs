//! An async, typed GoTrue client. Knows nothing of the UI.
//!
//! User flows ([`auth`]) follow GoTrue's JS `GoTrueApi`; [`admin`] is the admin API. Every call
//! fails with one [`GoTrueError`]; secrets are [`Secret`]s.

pub mod admin;
pub mod api_key;
pub mod auth;
pub mod base_url;
pub mod client;
pub mod cookies;
pub mod error;
pub mod jwt;
pub mod links;
pub mod models;
pub mod secret;
pub mod surfaces;
pub mod token_input;
pub mod types;
pub mod user_query;

pub use admin::{PACE_ABOVE, UsersBatch};
pub use api_key::ApiKeyKind;
pub use auth::{SignUp, SignUpOutcome, TokenLookup, VerifyOutcome};
pub use base_url::BaseUrl;
pub use client::{ClientConfig, GoTrueClient, RequestLog, RequestObserver};
pub use error::{ErrorKind, GoTrueError};
pub use models::*;
pub use secret::Secret;
pub use surfaces::{
    Availability, CustomProvider, CustomProviderParams, CustomProviderType, OAuthClient,
    OAuthClientParams, Passkey, SamlProvider, SsoDomain, SsoProvider, SsoProviderParams,
};
pub use types::*;
