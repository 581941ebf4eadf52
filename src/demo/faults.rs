//! Fault injection: latency, failures, 429s, truncated or non-JSON bodies,
//! dropped connections and hangs, so clients can be tested against the ways
//! a real deployment misbehaves. Random faults use a seeded RNG so a run is
//! repeatable; the `*_next` counters make single faults exact for tests.
//! Faults never touch `/demo/*` or `/health`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What to break. `Default` breaks nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Added to every affected request before it is handled.
    pub latency_ms: u64,
    /// Added to a users page by number for every 1,000 rows it skips, in microseconds, as a
    /// real server's OFFSET grows with the page (keyset pages cost the same everywhere).
    pub offset_latency_us: u64,
    /// Probability (0..1) of a 500 (GoTrue `unexpected_failure`) or a 503
    /// (a gateway's non-GoTrue JSON), half each.
    pub fail_rate: f64,
    /// Probability that a request that would send mail or SMS answers 429
    /// `over_email_send_rate_limit` / `over_sms_send_rate_limit`.
    pub rate_limit_rate: f64,
    /// Probability that the body is cut off half-way (the connection closes
    /// before `Content-Length` bytes arrived).
    pub truncate_rate: f64,
    /// Probability of a 200 `text/html` page instead of the JSON answer.
    pub non_json_rate: f64,
    /// Probability that the connection is closed without any answer.
    pub drop_rate: f64,
    /// Probability that the request never gets an answer.
    pub hang_rate: f64,
    /// The next N affected requests answer 503.
    pub fail_next: u32,
    /// The next N affected requests hang.
    pub hang_next: u32,
    /// The next N affected requests have their body cut off.
    pub truncate_next: u32,
    /// The next N affected requests answer HTML.
    pub non_json_next: u32,
    /// The next N affected requests lose their connection.
    pub drop_next: u32,
    /// The next N affected requests that send mail or SMS answer 429.
    pub rate_limit_next: u32,
    /// Only requests whose path starts with this are affected.
    pub path_prefix: Option<String>,
    /// Seed of the RNG behind the `*_rate` knobs.
    pub seed: u64,
}

impl FaultConfig {
    pub fn is_inactive(&self) -> bool {
        *self
            == FaultConfig {
                seed: self.seed,
                path_prefix: self.path_prefix.clone(),
                ..FaultConfig::default()
            }
    }
}

/// The fault picked for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Hang,
    Fail503,
    Fail500,
    Drop,
    Truncate,
    NonJson,
    RateLimit,
}

pub struct FaultState {
    cfg: FaultConfig,
    rng: StdRng,
}

impl FaultState {
    pub fn new(cfg: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(cfg.seed);
        FaultState { cfg, rng }
    }

    pub fn config(&self) -> FaultConfig {
        self.cfg.clone()
    }

    /// Whether faults apply to this path at all.
    pub fn applies(&self, path: &str) -> bool {
        if path.starts_with("/demo/") || path == "/demo" || path == "/health" {
            return false;
        }
        if self.cfg.is_inactive() {
            return false;
        }
        match &self.cfg.path_prefix {
            Some(prefix) => path.starts_with(prefix.as_str()),
            None => true,
        }
    }

    pub fn latency_ms(&self) -> u64 {
        self.cfg.latency_ms
    }

    /// The wait for a users page by number that skips `skipped` rows.
    pub fn offset_latency(&self, skipped: usize) -> std::time::Duration {
        let thousands = u64::try_from(skipped / 1000).unwrap_or(u64::MAX);
        std::time::Duration::from_micros(self.cfg.offset_latency_us.saturating_mul(thousands))
    }

    /// Picks the fault for a request (`sends` tells whether it would send
    /// mail or SMS). Counters first, then the random rates.
    pub fn pick(&mut self, sends: bool) -> Option<Fault> {
        let c = &mut self.cfg;
        if take(&mut c.hang_next) {
            return Some(Fault::Hang);
        }
        if take(&mut c.fail_next) {
            return Some(Fault::Fail503);
        }
        if take(&mut c.drop_next) {
            return Some(Fault::Drop);
        }
        if take(&mut c.truncate_next) {
            return Some(Fault::Truncate);
        }
        if take(&mut c.non_json_next) {
            return Some(Fault::NonJson);
        }
        if sends && take(&mut c.rate_limit_next) {
            return Some(Fault::RateLimit);
        }
        let rates = [
            (c.hang_rate, Fault::Hang),
            (c.drop_rate, Fault::Drop),
            (c.fail_rate, Fault::Fail500),
            (c.truncate_rate, Fault::Truncate),
            (c.non_json_rate, Fault::NonJson),
        ];
        for (rate, fault) in rates {
            if rate > 0.0 && self.rng.random_bool(rate.clamp(0.0, 1.0)) {
                if fault == Fault::Fail500 && self.rng.random_bool(0.5) {
                    return Some(Fault::Fail503);
                }
                return Some(fault);
            }
        }
        let rate = self.cfg.rate_limit_rate;
        if sends && rate > 0.0 && self.rng.random_bool(rate.clamp(0.0, 1.0)) {
            return Some(Fault::RateLimit);
        }
        None
    }
}

fn take(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page by number waits for every 1,000 rows it skips; the first page does not.
    #[test]
    fn offset_pages_cost_more_the_deeper_they_are() {
        let s = FaultState::new(FaultConfig {
            offset_latency_us: 500,
            ..FaultConfig::default()
        });
        assert_eq!(s.offset_latency(0), std::time::Duration::ZERO);
        assert_eq!(s.offset_latency(999), std::time::Duration::ZERO);
        assert_eq!(
            s.offset_latency(999_000),
            std::time::Duration::from_micros(499_500)
        );
    }

    #[test]
    fn counters_come_first_and_run_out() {
        let mut s = FaultState::new(FaultConfig {
            fail_next: 2,
            ..FaultConfig::default()
        });
        assert!(s.applies("/admin/users"));
        assert!(!s.applies("/health"));
        assert!(!s.applies("/demo/outbox"));
        assert_eq!(s.pick(false), Some(Fault::Fail503));
        assert_eq!(s.pick(false), Some(Fault::Fail503));
        assert_eq!(s.pick(false), None);
    }

    #[test]
    fn rates_are_repeatable() {
        let cfg = FaultConfig {
            fail_rate: 0.3,
            seed: 7,
            ..FaultConfig::default()
        };
        let run = |cfg: FaultConfig| {
            let mut s = FaultState::new(cfg);
            (0..50).map(|_| s.pick(false)).collect::<Vec<_>>()
        };
        assert_eq!(run(cfg.clone()), run(cfg));
    }

    #[test]
    fn path_prefix_limits_scope() {
        let s = FaultState::new(FaultConfig {
            fail_next: 1,
            path_prefix: Some("/admin/users".into()),
            ..FaultConfig::default()
        });
        assert!(s.applies("/admin/users/123"));
        assert!(!s.applies("/token"));
    }
}
