//! Load shedding by queueing delay: when requests wait too long before they are served, refuse
//! new ones at once — 503 `overloaded` with Retry-After, which costs a fraction of a routing —
//! instead of serving every one slowly. Contact-centre software wants a fast "no" it can fall
//! back on, not a slow "yes".
//!
//! The concurrency limit counts handlers running; it does not see requests waiting. At 2,000
//! connections on two cores each handler is short, so few run at once, but every connection's
//! task waits its turn in the runtime's queue: that wait is the queueing delay, and nothing
//! refuses while it grows. It is measured here as the runtime's scheduling lag: a probe task asks
//! to wake every millisecond and notes how late it is woken, which is how long a task that became
//! ready then waits for a worker ([`Lag`]; a sleep's lateness is tokio's own measure of a busy
//! runtime).
//!
//! The control ([`Controller`], after CoDel's idea of acting on delay rather than on queue
//! length): while the lag stays above the target (`server.shed_lag_ms`) for a whole interval (a
//! blip of one slow tick is not overload), the share of new `/v1` requests refused climbs toward
//! its maximum with a time constant of [`RISE`]; while it is under the target it falls with a
//! time constant of [`FALL`], slower, so that the share settles where the lag stays near the
//! target instead of swinging; once it has stayed under the target for [`OVER`] the
//! overload is over and the share falls fast ([`CALM`]), so that nobody is refused at low load.
//! The rates are per unit of time, not per tick: an overloaded runtime wakes the probe less
//! often, and a per-tick rule would then climb slowly and fall fast. The admitted requests are served as at low load; the refused ones get their answer in
//! microseconds. `server.shed_lag_ms = 0` turns it off. The middleware that refuses is
//! `super::shed`; this file is the measure and the control law, and knows nothing of HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the probe asks to wake.
const TICK: Duration = Duration::from_millis(1);
/// How long the lag must stay above the target before anything is refused.
const INTERVAL: Duration = Duration::from_millis(50);
/// Time constant of the share's climb while the lag is above the target.
const RISE: Duration = Duration::from_millis(100);
/// Time constant of its fall while the lag is under the target.
const FALL: Duration = Duration::from_millis(1000);
/// How long the lag must stay under the target before the overload is taken as over (under
/// overload it dips under the target now and then, for tens of milliseconds).
const OVER: Duration = Duration::from_millis(200);
/// Time constant of its fall once the lag has stayed under the target for [`OVER`]:
/// the overload is over (CoDel leaves its dropping state as soon as the delay is back under the
/// target), and a caller at low load must not be refused for seconds after it.
const CALM: Duration = Duration::from_millis(100);
/// Shares are in 1/65,536.
const ONE: u32 = 1 << 16;
/// At most this share is refused: some requests always get through, so the lag keeps being
/// measured on real work and a client always sees some answers.
const MAX_SHARE: u32 = ONE - ONE / 64;

/// What the middleware reads: the share of new requests to refuse, set by the probe.
#[derive(Debug, Default)]
pub struct Lag {
    /// Share of new requests to refuse, in 1/65,536.
    share: AtomicU32,
    /// The last lag measured, microseconds (for `/metrics`).
    last_us: AtomicU64,
}

impl Lag {
    /// Whether to refuse this request.
    pub fn shed(&self) -> bool {
        let share = self.share.load(Ordering::Relaxed);
        share > 0 && fastrand::u32(..ONE) < share
    }

    /// The share refused now, in [0, 1].
    pub fn share(&self) -> f64 {
        f64::from(self.share.load(Ordering::Relaxed)) / f64::from(ONE)
    }

    /// The last lag measured.
    pub fn last(&self) -> Duration {
        Duration::from_micros(self.last_us.load(Ordering::Relaxed))
    }
}

/// The control law, apart from the clock: fed one lag a tick, it says the share to refuse.
#[derive(Debug, Clone)]
pub struct Controller {
    target: Duration,
    /// Since when the lag has been above the target, if it is.
    above_since: Option<Instant>,
    /// Since when it has been under the target, if it is.
    under_since: Option<Instant>,
    /// The previous tick.
    last: Option<Instant>,
    /// The share to refuse, in [0, 1].
    share: f64,
}

impl Controller {
    /// A controller keeping the lag under `target`.
    pub fn new(target: Duration) -> Self {
        Self {
            target,
            above_since: None,
            under_since: None,
            last: None,
            share: 0.0,
        }
    }

    /// The share to refuse (in 1/65,536) after a tick at `now` that was `lag` late.
    pub fn tick(&mut self, now: Instant, lag: Duration) -> u32 {
        let dt = self
            .last
            .map_or(Duration::ZERO, |l| now.saturating_duration_since(l))
            .as_secs_f64();
        self.last = Some(now);
        let max = f64::from(MAX_SHARE) / f64::from(ONE);
        if lag > self.target {
            self.under_since = None;
            let since = *self.above_since.get_or_insert(now);
            if now.duration_since(since) >= INTERVAL {
                let step = 1.0 - (-dt / RISE.as_secs_f64()).exp();
                self.share += (max - self.share) * step;
            }
        } else {
            self.above_since = None;
            let since = *self.under_since.get_or_insert(now);
            let fall = if now.duration_since(since) >= OVER {
                CALM
            } else {
                FALL
            };
            let step = 1.0 - (-dt / fall.as_secs_f64()).exp();
            self.share -= self.share * step;
            if self.share < 1e-3 {
                self.share = 0.0;
            }
        }
        (self.share * f64::from(ONE)) as u32
    }
}

/// Measures the lag every [`TICK`] and sets the share to refuse, for as long as the service runs.
pub async fn probe(lag: Arc<Lag>, target: Duration) {
    let mut control = Controller::new(target);
    loop {
        let asked = Instant::now();
        tokio::time::sleep(TICK).await;
        let now = Instant::now();
        let late = now.duration_since(asked).saturating_sub(TICK);
        lag.last_us.store(
            u64::try_from(late.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        lag.share.store(control.tick(now, late), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `lags` one tick apart (a tick lasts as long as it was late) from `start`.
    fn run(c: &mut Controller, start: Instant, lags: &[u64]) -> (Instant, u32) {
        let mut now = start;
        let mut share = 0;
        for &ms in lags {
            now += TICK + Duration::from_millis(ms);
            share = c.tick(now, Duration::from_millis(ms));
        }
        (now, share)
    }

    #[test]
    fn a_blip_refuses_nothing_a_lasting_lag_refuses_more_and_more_and_calm_brings_it_back() {
        let mut c = Controller::new(Duration::from_millis(5));
        let t0 = Instant::now();
        // One slow tick among fast ones: not overload.
        let (t, share) = run(&mut c, t0, &[0, 0, 30, 0, 0]);
        assert_eq!(share, 0);
        // 20 ms late, tick after tick: once the interval has passed, the share grows each tick.
        let (t, first) = run(&mut c, t, &[20, 20, 20]);
        assert_eq!(first, 0, "not before the interval");
        let (t, first) = run(&mut c, t, &[20]);
        assert!(first > 0, "refusing after {INTERVAL:?} above the target");
        let (t, more) = run(&mut c, t, &[20; 5]);
        assert!(more > first && more <= MAX_SHARE, "{first} then {more}");
        // Per unit of time, not per tick: ten 100-ms ticks climb as far as five hundred 2-ms ones.
        let (mut slow, mut fast) = (c.clone(), c.clone());
        let (_, by_slow) = run(&mut slow, t, &[99; 10]);
        fast.target = Duration::ZERO;
        let (_, by_fast) = run(&mut fast, t, &[1; 500]);
        let ratio = f64::from(by_slow) / f64::from(by_fast);
        assert!((0.95..1.05).contains(&ratio), "{by_slow} vs {by_fast}");
        let (t, most) = run(&mut c, t, &[20; 200]);
        assert!(
            most > MAX_SHARE - MAX_SHARE / 100,
            "nearly the most, never everything: {most}"
        );
        // Under the target for less than an interval (the lag swinging about the target while
        // the overload lasts): the share falls, slower than it rose.
        let (t, less) = run(&mut c, t, &[3; 10]);
        assert!(less < most && less > most * 9 / 10, "{less}");
        let (t, same) = run(&mut c, t, &[20]);
        assert_eq!(same, less, "one slow tick is not overload again");
        let (t, again) = run(&mut c, t, &[20; 3]);
        assert!(again > less, "{again} after {less}");
        // Under it for long: the overload is over, and within a second and a half nothing is
        // refused any more.
        let (_, none) = run(&mut c, t, &[0; 1500]);
        assert_eq!(none, 0, "still refusing at low load");
    }

    #[test]
    fn the_share_is_what_the_middleware_refuses() {
        let lag = Lag::default();
        assert!((0..1000).all(|_| !lag.shed()), "nothing refused at rest");
        lag.share.store(ONE / 2, Ordering::Relaxed);
        let refused = (0..10_000).filter(|_| lag.shed()).count();
        assert!(
            (4_000..6_000).contains(&refused),
            "{refused} of 10,000 at one half"
        );
    }
}
