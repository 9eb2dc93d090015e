//! Request JSON: a body of `POST /v1/route` (a line of `instrada route`) through
//! `ops::decode::json::<RouteRequest>` and `RouteRequest::parse`, then routed by the shipped models
//! and the embedded policy; the same bytes as a `POST /v1/route/batch` body.
//!
//! Asserts: a refusal has a message; a parsed request's text is cleaned (cleaning it again changes
//! nothing) and has a letter or digit, its hash is the SHA-256 of the text as sent, its subject is
//! cleaned and has content, its language is 2 or 3 lowercase ASCII letters; its decision goes to
//! a queue of the policy with a priority from 1 to 5, an SLA due no earlier than the request was
//! received, and a JSON body that parses; a batch refused names the request at fault.

#![no_main]

use chrono::Utc;
use instrada::digest::sha256_hex;
use instrada::ops::OpError;
use instrada::ops::decode::json;
use instrada::ops::route::{BatchRequest, RouteRequest};
use instrada::text::normalize::{clean, has_content};
use instrada_fuzz::router;
use libfuzzer_sys::fuzz_target;

fn refused(e: &OpError) {
    assert!(!e.code().is_empty() && !e.to_string().is_empty(), "{e:?}");
}

fn route(request: RouteRequest, at: &str) {
    let sent = request.text.clone();
    let parsed = match request.parse(at) {
        Ok(parsed) => parsed,
        Err(e) => {
            refused(&e);
            assert!(e.to_string().contains(at), "{e} does not name {at}");
            return;
        }
    };
    assert!(has_content(&parsed.text), "{:?}", parsed.text);
    assert_eq!(
        clean(&parsed.text),
        parsed.text.as_str(),
        "text not cleaned"
    );
    assert_eq!(parsed.text_sha256, sha256_hex(&sent));
    if let Some(subject) = &parsed.subject {
        assert!(
            has_content(subject) && clean(subject) == subject.as_str(),
            "{subject:?}"
        );
    }
    if let Some(l) = &parsed.language {
        assert!(
            (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()),
            "{l:?}"
        );
    }

    let router = router();
    let now = Utc::now();
    let (answer, _record) = router.route(&parsed, now).answer();
    let d = &answer.decision;
    assert!(
        router.policy().queue_names().any(|q| q == d.queue),
        "queue {:?} not in the policy",
        d.queue
    );
    assert!((1..=5).contains(&d.priority), "priority {}", d.priority);
    let received = parsed.received_at.unwrap_or(now);
    assert!(
        d.sla_due_at >= received,
        "due {} before received {received}",
        d.sla_due_at
    );
    serde_json::from_str::<serde_json::Value>(&answer.body).expect("the decision's JSON parses");
}

fuzz_target!(|data: &[u8]| {
    match json::<RouteRequest>(data) {
        Ok(request) => route(request, ""),
        Err(e) => refused(&e),
    }
    match json::<BatchRequest>(data) {
        Ok(batch) => {
            for (i, request) in batch.requests.into_iter().enumerate() {
                route(request, &format!("requests[{i}]."));
            }
        }
        Err(e) => refused(&e),
    }
});
