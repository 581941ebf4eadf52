//! Fault injection on the demo server: every fault, exact counters, scoping,
//! and repeatable random rates.

#[path = "demo_support.rs"]
mod support;

use std::time::{Duration, Instant};

use gotrue_console::demo::{DemoConfig, FaultConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::Demo;

#[tokio::test]
async fn fail_next_answers_503_then_recovers() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        fail_next: 2,
        ..FaultConfig::default()
    });
    // /health and /demo/* are never faulted and do not use up the counter.
    let h = Demo::send(d.req(Method::GET, "/health")).await;
    assert_eq!(h.status, StatusCode::OK);
    let o = Demo::send(d.admin(Method::GET, "/demo/outbox")).await;
    assert_eq!(o.status, StatusCode::OK);
    for _ in 0..2 {
        let a = d.list("").await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(d.list("").await.status, StatusCode::OK);
}

#[tokio::test]
async fn path_prefix_limits_faults() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        fail_next: 1,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });
    assert_eq!(
        Demo::send(d.req(Method::GET, "/settings")).await.status,
        StatusCode::OK
    );
    assert_eq!(d.list("").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(d.list("").await.status, StatusCode::OK);
}

#[tokio::test]
async fn hang_is_cut_by_the_client_timeout() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        hang_next: 1,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let err = d
        .admin(Method::GET, "/admin/users")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(err.as_ref().is_err_and(|e| e.is_timeout()), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The server is fine afterwards, and shutdown releases the hung request.
    assert_eq!(d.list("").await.status, StatusCode::OK);
    d.server.set_faults(FaultConfig {
        hang_next: 1,
        ..FaultConfig::default()
    });
    let pending = tokio::spawn(d.admin(Method::GET, "/admin/users").send());
    // Wait until the hung request has taken the fault.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let cfg = Demo::send(d.admin(Method::GET, "/demo/faults")).await;
        if cfg.body["hang_next"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "hung request never arrived");
        tokio::task::yield_now().await;
    }
    let Demo { server, .. } = d;
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown does not wait for hung requests forever");
    let answer = pending.await.expect("task");
    assert!(answer.is_err() || answer.is_ok_and(|r| r.status().is_server_error()));
}

#[tokio::test]
async fn truncated_body_is_a_read_error() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        truncate_next: 1,
        ..FaultConfig::default()
    });
    let response = d.admin(Method::GET, "/admin/users").send().await;
    let body = match response {
        Ok(r) => r.text().await,
        Err(e) => Err(e),
    };
    assert!(body.is_err(), "a cut-off body must not read as complete");
    assert_eq!(d.list("").await.status, StatusCode::OK);
}

#[tokio::test]
async fn dropped_connection_and_html_answers() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        drop_next: 1,
        ..FaultConfig::default()
    });
    let dropped = d.admin(Method::GET, "/admin/users").send().await;
    let failed = match dropped {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(failed, "a dropped connection yields no answer");

    d.server.set_faults(FaultConfig {
        non_json_next: 1,
        ..FaultConfig::default()
    });
    let html = d.list("").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.header("content-type")
            .is_some_and(|v| v.starts_with("text/html"))
    );
    assert!(html.body.is_null(), "not JSON");
    assert_eq!(d.list("").await.body["aud"], "authenticated");
}

#[tokio::test]
async fn rate_limit_hits_only_sends() {
    let d = Demo::start().await;
    d.server.set_faults(FaultConfig {
        rate_limit_next: 1,
        ..FaultConfig::default()
    });
    // Not a send: unaffected, counter kept.
    assert_eq!(d.list("").await.status, StatusCode::OK);
    let r = Demo::send(
        d.req(Method::POST, "/recover")
            .json(&json!({"email": "ada@example.com"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error_code"], "over_email_send_rate_limit");
    assert_eq!(r.header("retry-after"), None);
    d.server.set_faults(FaultConfig {
        rate_limit_next: 1,
        ..FaultConfig::default()
    });
    let sms = Demo::send(
        d.req(Method::POST, "/otp")
            .json(&json!({"phone": "+15555550100"})),
    )
    .await;
    assert_eq!(sms.body["error_code"], "over_sms_send_rate_limit");
}

#[tokio::test]
async fn random_faults_repeat_with_the_same_seed() {
    let faults = FaultConfig {
        fail_rate: 0.5,
        seed: 42,
        path_prefix: Some("/settings".into()),
        ..FaultConfig::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let d = Demo::with(DemoConfig {
            seed: false,
            faults: faults.clone(),
            ..DemoConfig::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(
                Demo::send(d.req(Method::GET, "/settings"))
                    .await
                    .status
                    .as_u16(),
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&200));
    assert!(runs[0].iter().any(|s| *s >= 500));
    // 500s are GoTrue-shaped, with an error_id.
    let d = Demo::with(DemoConfig {
        seed: false,
        faults: FaultConfig {
            fail_rate: 1.0,
            seed: 1,
            ..FaultConfig::default()
        },
        ..DemoConfig::default()
    })
    .await;
    let mut saw_500 = false;
    for _ in 0..20 {
        let a = Demo::send(d.req(Method::GET, "/settings")).await;
        if a.status == StatusCode::INTERNAL_SERVER_ERROR {
            assert_eq!(a.body["error_code"], "unexpected_failure");
            assert!(a.body["error_id"].is_string());
            saw_500 = true;
        }
    }
    assert!(saw_500);
}

#[tokio::test]
async fn faults_can_be_set_over_http_and_latency_applies() {
    let d = Demo::start().await;
    let set = Demo::send(
        d.admin(Method::PUT, "/demo/faults")
            .json(&json!({"latency_ms": 150, "path_prefix": "/settings"})),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(set.body["latency_ms"], 150);
    let started = Instant::now();
    assert_eq!(
        Demo::send(d.req(Method::GET, "/settings")).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    let anon = Demo::send(
        d.req(Method::PUT, "/demo/faults")
            .bearer_auth(d.server.anon_key())
            .json(&json!({})),
    )
    .await;
    assert_eq!(anon.status, StatusCode::FORBIDDEN);
    let cleared = Demo::send(d.admin(Method::PUT, "/demo/faults").json(&json!({}))).await;
    assert_eq!(cleared.body["latency_ms"], 0);
}
