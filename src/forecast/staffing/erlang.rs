//! The queueing formulas, for one interval and a given number of agents: Erlang B by its
//! recurrence, Erlang C from it, and Erlang A (M/M/N+M) from the birth–death chain beyond N.
//!
//! Units: rates per second, times in seconds. Every function here is pure and takes validated
//! input (finite, positive rates; at least one agent); [`super`] checks it.
//!
//! ## Erlang A, exactly
//! Stationary probabilities, relative to state N (all agents busy, no one waiting): below N they
//! sum to 1/B(N, A), Erlang B, so no state below N is ever visited one by one; above N,
//! q_j = π_{N+j}/π_N = Π_{k=1..j} λ / (Nμ + kγ). The q_j are summed in one pass, in a log scale
//! that is rescaled when a larger term comes (so λθ in the thousands neither overflows nor
//! underflows), until the remaining tail is provably below 1e-17 of the sum: once the ratio
//! r = λ/(Nμ + jγ) is below 1 it only falls, so the tail is at most q_j·r/(1 − r).
//!
//! A contact that arrives with j waiting ahead moves up at rate Nμ + jγ and abandons at rate γ,
//! so it is answered with probability Nμ / (Nμ + (j+1)γ) (the product telescopes), and, given
//! that it is answered, its wait is a sum of exponentials with rates Nμ + γ, …, Nμ + (j+1)γ,
//! evenly spaced, whose distribution function is a regularised incomplete beta,
//! I_x(j+1, Nμ/γ + 1) with x = 1 − e^{−γT}: the upper tail of a negative binomial, summed term
//! by term in the same pass (positive terms, no cancellation that matters). Its mean is
//! Σ 1/(Nμ + kγ). Nothing is simulated or truncated where it could change a digit.

/// The Erlang B blocking probability of `agents` servers under `traffic` erlangs, by
/// B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)): no factorials, no powers, values in [0, 1].
pub fn erlang_b(agents: u32, traffic: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=agents {
        b = next_b(b, n, traffic);
    }
    b
}

/// One step of the Erlang B recurrence: B(n) from B(n − 1).
pub(super) fn next_b(b: f64, n: u32, traffic: f64) -> f64 {
    let ab = traffic * b;
    ab / (f64::from(n) + ab)
}

/// The Erlang C probability of waiting from B(N) (for N > A): C = B / (1 − ρ(1 − B)).
pub fn erlang_c_from_b(b: f64, agents: u32, traffic: f64) -> f64 {
    let rho = traffic / f64::from(agents);
    b / (1.0 - rho * (1.0 - b))
}

/// What an interval looks like with a given number of agents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    /// Agents on the phones.
    pub agents: u32,
    /// Share of offered contacts answered within the target time (abandoned ones count as
    /// missed).
    pub service_level: f64,
    /// Share of contacts that wait at all (find every agent busy).
    pub wait_probability: f64,
    /// Average speed of answer: mean wait of the answered contacts, in seconds.
    pub asa_seconds: f64,
    /// Share of the agents' time spent handling contacts.
    pub occupancy: f64,
    /// Share of offered contacts that hang up before an answer (Erlang A; `None` in Erlang C).
    pub abandonment: Option<f64>,
}

/// The queue of one interval: arrival rate λ and handling rate μ per agent, per second.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    /// Contacts per second.
    pub arrival_rate: f64,
    /// Average handle time, seconds (1/μ).
    pub aht_seconds: f64,
}

impl Queue {
    /// Offered traffic in erlangs, A = λ/μ.
    pub fn traffic(&self) -> f64 {
        self.arrival_rate * self.aht_seconds
    }

    /// Erlang C with `agents`, given B(agents) already computed (the search walks N upward and
    /// carries B along). `None` when agents ≤ A: the queue grows without bound.
    pub fn erlang_c_with_b(&self, agents: u32, b: f64, within_seconds: f64) -> Option<Performance> {
        let a = self.traffic();
        let n = f64::from(agents);
        if n <= a {
            return None;
        }
        let c = erlang_c_from_b(b, agents, a);
        // Waiting times of those who wait are exponential with rate Nμ − λ.
        let drain = (n - a) / self.aht_seconds;
        Some(Performance {
            agents,
            service_level: 1.0 - c * (-drain * within_seconds).exp(),
            wait_probability: c,
            asa_seconds: c / drain,
            occupancy: a / n,
            abandonment: None,
        })
    }

    /// Erlang C with `agents` (`None` when agents ≤ A).
    pub fn erlang_c(&self, agents: u32, within_seconds: f64) -> Option<Performance> {
        let b = erlang_b(agents, self.traffic());
        self.erlang_c_with_b(agents, b, within_seconds)
    }

    /// Erlang A with `agents` and mean patience `patience_seconds` (exponential). Stable when
    /// agents ≤ A as well: abandonment keeps the queue finite.
    pub fn erlang_a(&self, agents: u32, within_seconds: f64, patience_seconds: f64) -> Performance {
        let a = self.traffic();
        let lambda = self.arrival_rate;
        let gamma = 1.0 / patience_seconds;
        let nmu = f64::from(agents) / self.aht_seconds;
        let b = erlang_b(agents, a);

        // Negative binomial NB(size = Nμ/γ + 1, p = x): P(answered within T | answered, j
        // ahead) = P(Y ≥ j + 1). ln t_0 = size·ln(1 − x) = −(Nμ + γ)T exactly.
        let ln_x = (-(-gamma * within_seconds).exp_m1()).ln();
        let size = nmu / gamma + 1.0;
        let mut ln_t = -(nmu + gamma) * within_seconds;
        let mut nb_cdf = 0.0;
        // Mean wait given answered with j ahead: Σ_{k=1..j+1} 1/(Nμ + kγ).
        let mut mean_wait = 0.0;

        // Sums over j of q_j·f(j), all held as value·e^{scale}.
        let mut scale = 0.0_f64;
        let mut sum = Sums::default();
        let mut ln_q = 0.0_f64;
        let mut j = 0_u64;
        loop {
            let jf = j as f64;
            if ln_q > scale {
                sum.rescale((scale - ln_q).exp());
                scale = ln_q;
            }
            let q = (ln_q - scale).exp();
            nb_cdf += ln_t.exp();
            let answered = nmu / (nmu + (jf + 1.0) * gamma);
            mean_wait += 1.0 / (nmu + (jf + 1.0) * gamma);
            sum.mass += q;
            sum.waiting += jf * q;
            sum.answered += q * answered;
            sum.within += q * answered * (1.0 - nb_cdf).max(0.0);
            sum.wait_time += q * answered * mean_wait;

            let ratio = lambda / (nmu + (jf + 1.0) * gamma);
            ln_q += ratio.ln();
            ln_t += ((jf + size) / (jf + 1.0)).ln() + ln_x;
            j += 1;
            // Past the mode the ratios only fall: the tail after this term is below
            // q·r/(1 − r) (and its waiting-weighted part below that times a bounded factor).
            if ratio < 1.0 {
                let tail = (ln_q - scale).exp() / (1.0 - ratio);
                let weight = 1.0 + jf + 1.0 / (1.0 - ratio);
                if tail * weight <= TAIL * sum.mass {
                    break;
                }
            }
        }

        // P(wait) = B·S / (1 − B + B·S), S = sum.mass·e^{scale}, in logs: B may underflow when
        // N ≫ A and S may be huge when N ≪ A.
        let ln_odds = (-b).ln_1p() - b.ln() - scale - sum.mass.ln();
        let wait = 1.0 / (1.0 + ln_odds.exp());
        let queue_len = wait * sum.waiting / sum.mass;
        let abandonment = gamma * queue_len / lambda;
        let answered = (1.0 - wait) + wait * sum.answered / sum.mass;
        Performance {
            agents,
            service_level: (1.0 - wait) + wait * sum.within / sum.mass,
            wait_probability: wait,
            asa_seconds: wait * sum.wait_time / sum.mass / answered,
            occupancy: a * (1.0 - abandonment) / f64::from(agents),
            abandonment: Some(abandonment),
        }
    }
}

/// Below this share of the sum the tail of the queue states is dropped: past f64's resolution.
const TAIL: f64 = 1e-17;

/// The running sums of the Erlang A pass, in a common scale.
#[derive(Debug, Default)]
struct Sums {
    /// Σ q_j.
    mass: f64,
    /// Σ j·q_j (mean queue length).
    waiting: f64,
    /// Σ q_j·P(answered | j).
    answered: f64,
    /// Σ q_j·P(answered within T | j).
    within: f64,
    /// Σ q_j·E[wait; answered | j].
    wait_time: f64,
}

impl Sums {
    fn rescale(&mut self, f: f64) {
        self.mass *= f;
        self.waiting *= f;
        self.answered *= f;
        self.within *= f;
        self.wait_time *= f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn queue(contacts: f64, interval: f64, aht: f64) -> Queue {
        Queue {
            arrival_rate: contacts / interval,
            aht_seconds: aht,
        }
    }

    #[test]
    fn erlang_b_matches_the_closed_form_on_small_cases() {
        // B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2; B(1, A) = A / (1 + A).
        assert_relative_eq!(erlang_b(2, 1.0), 0.2, epsilon = 1e-15);
        assert_relative_eq!(erlang_b(1, 3.0), 0.75, epsilon = 1e-15);
        assert_eq!(erlang_b(0, 5.0), 1.0);
    }

    #[test]
    fn erlang_b_is_finite_at_thousands_of_erlangs() {
        let b = erlang_b(5000, 4800.0);
        assert!(b.is_finite() && b > 0.0 && b < 1.0, "{b}");
        // Far more agents than traffic: vanishing, never NaN.
        let b = erlang_b(100_000, 10.0);
        assert!((0.0..1e-300).contains(&b), "{b}");
    }

    #[test]
    fn erlang_c_of_the_reference_interval() {
        let p = queue(100.0, 1800.0, 180.0).erlang_c(14, 20.0).unwrap();
        assert_relative_eq!(p.wait_probability, 0.174_131_9, epsilon = 1e-7);
        assert_relative_eq!(p.service_level, 0.888_35, epsilon = 1e-5);
        assert_relative_eq!(p.asa_seconds, 7.835_937, epsilon = 1e-6);
        assert_relative_eq!(p.occupancy, 10.0 / 14.0, epsilon = 1e-15);
        assert!(queue(100.0, 1800.0, 180.0).erlang_c(10, 20.0).is_none());
    }

    #[test]
    fn erlang_a_answered_plus_abandoned_is_everyone() {
        // Two ways to the same number: 1 − abandonment from γ·E[queue]/λ, and the share
        // answered from the per-position probabilities.
        for (contacts, agents) in [(100.0, 12), (100.0, 3), (5000.0, 782), (5000.0, 400)] {
            let q = queue(
                contacts,
                1800.0,
                if contacts > 1000.0 { 300.0 } else { 180.0 },
            );
            let p = q.erlang_a(agents, 20.0, 180.0);
            let ab = p.abandonment.unwrap();
            let carried = p.occupancy * f64::from(agents) / q.traffic();
            assert_relative_eq!(carried, 1.0 - ab, epsilon = 1e-12);
            assert!(p.service_level <= 1.0 - ab + 1e-12);
        }
    }

    #[test]
    fn erlang_a_with_endless_patience_is_erlang_c() {
        let q = queue(100.0, 1800.0, 180.0);
        let c = q.erlang_c(14, 20.0).unwrap();
        let a = q.erlang_a(14, 20.0, 1e9);
        assert_relative_eq!(a.wait_probability, c.wait_probability, epsilon = 1e-6);
        assert_relative_eq!(a.service_level, c.service_level, epsilon = 1e-6);
        assert_relative_eq!(a.asa_seconds, c.asa_seconds, epsilon = 1e-4);
    }

    #[test]
    fn erlang_a_is_finite_far_from_balance() {
        // Hopelessly short-staffed with long patience (λθ = 50,000 waiting states), and hugely
        // over-staffed: no overflow, no NaN.
        let q = queue(50_000.0, 1800.0, 300.0);
        let p = q.erlang_a(10, 20.0, 1800.0);
        assert!(
            p.service_level.is_finite() && p.service_level < 1e-3,
            "{p:?}"
        );
        assert!(p.abandonment.unwrap() > 0.99, "{p:?}");
        let p = queue(10.0, 1800.0, 300.0).erlang_a(10_000, 20.0, 180.0);
        assert_relative_eq!(p.service_level, 1.0, epsilon = 1e-12);
        assert_eq!(p.wait_probability, 0.0);
    }
}
