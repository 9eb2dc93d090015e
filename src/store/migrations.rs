//! The schema migrations, one list for both databases: `MIGRATIONS[i]` takes a database from
//! version `i` to `i + 1`, written in SQLite and translated for PostgreSQL by [`for_postgres`]
//! (integer and real columns widened to `bigint` and `double precision`, autoincrement keys to
//! identity columns); version 6, which rewrites rows with SQLite's JSON functions, has its
//! PostgreSQL form beside it. `schema.rs` applies them.

/// One script per schema version: `MIGRATIONS[i]` takes a database from version `i` to `i + 1`.
/// Never edit a released script; append a new one.
pub(super) const MIGRATIONS: &[&str] = &[
    // Version 1: decisions and the feedback on them.
    "CREATE TABLE decisions (
        decision_id        TEXT PRIMARY KEY NOT NULL,  -- UUID, hyphenated
        created_at         TEXT NOT NULL,              -- RFC 3339 UTC, nanoseconds, sortable
        request_id         TEXT,
        channel            TEXT NOT NULL,
        language           TEXT NOT NULL,
        text_sha256        TEXT NOT NULL,
        text               TEXT,
        topic              TEXT NOT NULL,
        topic_confidence   REAL,                       -- NULL when the model gave NaN
        urgency            TEXT NOT NULL,
        urgency_confidence REAL,
        urgency_signals    TEXT NOT NULL,              -- JSON array of strings
        queue              TEXT NOT NULL,
        priority           INTEGER NOT NULL,
        needs_human_review INTEGER NOT NULL,
        review_reason      TEXT,
        topic_model        TEXT NOT NULL,
        urgency_model      TEXT NOT NULL,
        timing_us          INTEGER NOT NULL,
        decision_json      TEXT NOT NULL
    );
    CREATE INDEX decisions_created_at ON decisions (created_at);
    CREATE INDEX decisions_queue ON decisions (queue, created_at);
    CREATE TABLE feedback (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id TEXT NOT NULL REFERENCES decisions (decision_id),
        received_at TEXT NOT NULL,
        topic       TEXT,
        urgency     TEXT,
        queue       TEXT,
        note        TEXT
    );
    CREATE INDEX feedback_decision ON feedback (decision_id, received_at);",
    // Version 2: contact events (calls, e-mails, tickets) for workload series and outreach.
    "CREATE TABLE events (
        event_id       TEXT PRIMARY KEY NOT NULL,  -- the sender's id: a re-sent event is ignored
        occurred_at    TEXT NOT NULL,              -- RFC 3339 UTC, nanoseconds, sortable
        channel        TEXT NOT NULL,
        queue          TEXT,
        topic          TEXT,
        urgency        TEXT,
        citizen        TEXT,                       -- keyed pseudonym (HMAC-SHA256), never the id
        handle_seconds REAL,
        outcome        TEXT,
        attributes     TEXT,                       -- JSON object; NULL when there are none
        source         TEXT NOT NULL,              -- `api` or `import`
        received_at    TEXT NOT NULL
    );
    CREATE INDEX events_occurred_at ON events (occurred_at);
    CREATE INDEX events_citizen ON events (citizen, occurred_at) WHERE citizen IS NOT NULL;",
    // Version 3: the forecast cache: each refit's forecasts, so a restart serves them at once.
    "CREATE TABLE forecast_runs (
        fitted_at TEXT PRIMARY KEY NOT NULL,       -- RFC 3339 UTC, sortable
        body      TEXT NOT NULL                    -- JSON: every series' forecast of the refit
    );",
    // Version 4: outreach advice: every score (with its model and a hash of its inputs), the
    // case workers' reviews of them, and the citizens who opted out of being scored.
    "CREATE TABLE outreach_flags (
        flag_id        TEXT PRIMARY KEY NOT NULL,  -- UUID, hyphenated
        citizen        TEXT,                       -- keyed pseudonym; NULL for a scored feature row
        source         TEXT NOT NULL,              -- `run` (the store scored) or `request`
        scored_at      TEXT NOT NULL,              -- RFC 3339 UTC, sortable
        as_of          TEXT NOT NULL,
        score          REAL NOT NULL,
        flagged        INTEGER NOT NULL,
        reasons        TEXT NOT NULL,              -- JSON array of reasons (it, en)
        model_version  TEXT NOT NULL,
        inputs_sha256  TEXT NOT NULL,              -- SHA-256 of the feature row's JSON
        last_contact   TEXT,
        queue          TEXT,                       -- of the last contact
        channel        TEXT,                       -- of the last contact
        groups         TEXT NOT NULL,              -- JSON object: language and attributes, for the report
        status         TEXT NOT NULL,              -- open, contacted, dismissed, not_needed
        evidence_at    TEXT                        -- the latest event the score saw
    );
    CREATE INDEX outreach_flags_citizen ON outreach_flags (citizen, scored_at);
    CREATE INDEX outreach_flags_listed ON outreach_flags (flagged, status, score);
    CREATE TABLE outreach_reviews (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        flag_id     TEXT NOT NULL REFERENCES outreach_flags (flag_id),
        reviewer    TEXT NOT NULL,
        reviewed_at TEXT NOT NULL,
        status      TEXT NOT NULL,
        note        TEXT                           -- redacted of personal data
    );
    CREATE INDEX outreach_reviews_flag ON outreach_reviews (flag_id, reviewed_at);
    CREATE TABLE outreach_optouts (
        citizen TEXT PRIMARY KEY NOT NULL,         -- keyed pseudonym
        at      TEXT NOT NULL,
        reason  TEXT                               -- redacted of personal data
    );",
    // Version 5: who may do what (API keys, as hashes), who saw personal data (the access log),
    // and who recorded each feedback, review and opt-out, and asked for each refit.
    "CREATE TABLE api_keys (
        name         TEXT PRIMARY KEY NOT NULL,
        key_sha256   TEXT NOT NULL UNIQUE,         -- the key itself is never stored
        scopes       TEXT NOT NULL,                -- comma-separated
        rate_per_sec REAL,                         -- NULL: the server's default
        created_at   TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        revoked_at   TEXT
    );
    CREATE TABLE access_log (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,                    -- RFC 3339 UTC, sortable
        actor    TEXT NOT NULL,                    -- a key's name, or cli:USER
        action   TEXT NOT NULL,                    -- outreach.list, outreach.review, ...
        citizens INTEGER NOT NULL,                 -- how many citizens' data it showed or changed
        detail   TEXT                              -- identifies nobody (a flag id, a query)
    );
    CREATE INDEX access_log_at ON access_log (at);
    ALTER TABLE feedback ADD COLUMN recorded_by TEXT;
    ALTER TABLE outreach_reviews ADD COLUMN recorded_by TEXT;
    ALTER TABLE outreach_optouts ADD COLUMN recorded_by TEXT;
    ALTER TABLE forecast_runs ADD COLUMN requested_by TEXT;",
    // Version 6: what a decision costs on disk, and what pruning needs. A decision's JSON no longer
    // repeats its columns (`compact.rs`: json_form 1 = without them), the same rule applied here
    // to the rows already stored; the text's SHA-256 as its 32 bytes; the (queue, created_at)
    // index, which no query used, dropped. Indexes for the pruner: texts still kept by age,
    // outreach flags by age.
    "ALTER TABLE decisions ADD COLUMN json_form INTEGER NOT NULL DEFAULT 0;
    UPDATE decisions SET json_form = 1, decision_json = json_remove(decision_json,
            '$.decision_id', '$.request_id', '$.language', '$.queue', '$.priority',
            '$.needs_human_review', '$.review_reason', '$.models', '$.timing_us',
            '$.topic.label', '$.urgency.level')
        WHERE json_valid(decision_json) AND json_type(decision_json) = 'object'
          AND json_extract(decision_json, '$.decision_id') IS decision_id
          AND (CASE WHEN request_id IS NULL THEN json_type(decision_json, '$.request_id') IS NULL
               ELSE json_type(decision_json, '$.request_id') = 'text'
                    AND json_extract(decision_json, '$.request_id') = request_id END)
          AND json_type(decision_json, '$.language') = 'text'
          AND json_extract(decision_json, '$.language') = language
          AND json_type(decision_json, '$.queue') = 'text'
          AND json_extract(decision_json, '$.queue') = queue
          AND json_type(decision_json, '$.priority') = 'integer'
          AND json_extract(decision_json, '$.priority') = priority
          AND json_type(decision_json, '$.needs_human_review') IN ('true', 'false')
          AND json_extract(decision_json, '$.needs_human_review') = needs_human_review
          AND (CASE WHEN review_reason IS NULL
               THEN json_type(decision_json, '$.review_reason') IS NULL
               ELSE json_type(decision_json, '$.review_reason') = 'text'
                    AND json_extract(decision_json, '$.review_reason') = review_reason END)
          AND json_extract(decision_json, '$.models')
              = json_object('topic', topic_model, 'urgency', urgency_model)
          AND json_type(decision_json, '$.timing_us') = 'integer'
          AND json_extract(decision_json, '$.timing_us') = timing_us
          AND json_type(decision_json, '$.topic.label') = 'text'
          AND json_extract(decision_json, '$.topic.label') = topic
          AND json_type(decision_json, '$.urgency.level') = 'text'
          AND json_extract(decision_json, '$.urgency.level') = urgency;
    UPDATE decisions SET text_sha256 = unhex(text_sha256)
        WHERE typeof(text_sha256) = 'text' AND length(text_sha256) = 64
          AND text_sha256 = lower(text_sha256) AND unhex(text_sha256) IS NOT NULL;
    DROP INDEX decisions_queue;
    CREATE INDEX decisions_texts ON decisions (created_at) WHERE text IS NOT NULL;
    CREATE INDEX outreach_flags_scored ON outreach_flags (scored_at);",
    // Version 7: scheduled runs claimed, so that of several replicas on one database exactly one
    // runs each due time of each job (`jobs/schedule.rs`); the rows say which one did.
    "CREATE TABLE job_runs (
        job        TEXT NOT NULL,                  -- refit, outreach_run, prune
        due        TEXT NOT NULL,                  -- the scheduled time, RFC 3339 UTC
        replica    TEXT NOT NULL,                  -- host and process that claimed it
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (job, due)
    );",
    // Version 8: every model reload and rollback, so that one asked of one replica reaches the
    // others (each follows the latest row, `jobs/follow.rs`), and so that which models served
    // when is on record (the AI Act's art. 12).
    "CREATE TABLE model_changes (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at        TEXT NOT NULL,                   -- RFC 3339 UTC
        action    TEXT NOT NULL,                   -- reload, rollback
        topic     TEXT NOT NULL,                   -- the versions serving after it
        urgency   TEXT NOT NULL,
        actor     TEXT NOT NULL,                   -- a key's name, or signal:SIGHUP
        replica   TEXT NOT NULL                    -- host and process that made it
    );",
    // Version 9: the reference an administration sent for a citizen (`citizen_id`), sealed
    // (AES-256-GCM under a key kept apart, `seal.rs`), so that a case worker can see whom a flag
    // is about; kept while the citizen has events (pruned with the last of them).
    "CREATE TABLE citizen_refs (
        citizen   TEXT PRIMARY KEY,                -- the pseudonym
        sealed    BLOB NOT NULL,                   -- nonce, ciphertext and tag
        stored_at TEXT NOT NULL                    -- RFC 3339 UTC
    );",
];

/// Version 6 on PostgreSQL: the same columns and indexes; the SHA-256 as bytes. Its rows need no
/// compaction: PostgreSQL stores instrada's decisions from version 6 on (`store copy` brings older
/// ones already compacted).
const POSTGRES_6: &str = "ALTER TABLE decisions ADD COLUMN json_form BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE decisions ALTER COLUMN text_sha256 TYPE BYTEA USING convert_to(text_sha256, 'UTF8');
    DROP INDEX decisions_queue;
    CREATE INDEX decisions_texts ON decisions (created_at) WHERE text IS NOT NULL;
    CREATE INDEX outreach_flags_scored ON outreach_flags (scored_at);";

/// `MIGRATIONS[index]` in PostgreSQL's dialect.
pub(super) fn for_postgres(index: usize) -> String {
    if index == 5 {
        return POSTGRES_6.to_string();
    }
    let script = MIGRATIONS[index];
    let identity = regex::Regex::new(r"INTEGER PRIMARY KEY AUTOINCREMENT").expect("pattern");
    let integer = regex::Regex::new(r"\bINTEGER\b").expect("pattern");
    let real = regex::Regex::new(r"\bREAL\b").expect("pattern");
    let blob = regex::Regex::new(r"\bBLOB\b").expect("pattern");
    let s = identity.replace_all(
        script,
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    );
    let s = integer.replace_all(&s, "BIGINT");
    let s = real.replace_all(&s, "DOUBLE PRECISION");
    blob.replace_all(&s, "BYTEA").into_owned()
}

/// The schema version this build writes and understands.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
