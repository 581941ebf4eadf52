//! `/demo/*`: the outbox and the fault switches, admin token required.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::super::errors::ApiResult;
use super::super::faults::{FaultConfig, FaultState};
use super::common::{self, Shared};

pub async fn list_outbox(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let messages = st.outbox().list();
    common::ok(&messages)
}

pub async fn clear_outbox(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    st.outbox().clear();
    common::empty_object()
}

pub async fn get_faults(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let cfg = st.faults().config();
    common::ok(&cfg)
}

pub async fn put_faults(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let cfg: FaultConfig = common::parse_body(&body)?;
    *st.faults() = FaultState::new(cfg.clone());
    common::ok(&cfg)
}
