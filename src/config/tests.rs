use super::*;

const MINIMAL: &str =
    "[server]\nbind = \"127.0.0.1:9000\"\n[routing]\ntimezone = \"Europe/Rome\"\n";

fn ov(k: &str, v: &str) -> Override {
    (k.to_string(), v.to_string())
}

#[test]
fn defaults_fill_what_the_file_omits() {
    let s = Settings::from_layers(MINIMAL, &Source::Embedded, &[], &[]).unwrap();
    assert_eq!(s.server.bind.to_string(), "127.0.0.1:9000");
    assert_eq!(s.server.max_body_bytes, 65536);
    assert_eq!(s.server.max_batch, 100);
    assert_eq!(s.store.text, StoredText::None);
    assert_eq!(s.models.dir, PathBuf::from("models"));
    assert!(s.problems().is_empty(), "{:?}", s.problems());
}

#[test]
fn the_embedded_file_is_valid() {
    let s = Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &[]).unwrap();
    assert!(s.problems().is_empty(), "{:?}", s.problems());
    assert!(!s.routing.queues.is_empty());
}

#[test]
fn env_beats_file_and_cli_beats_env() {
    let env = env_overrides([
        (
            "INSTRADA__SERVER__BIND".to_string(),
            "0.0.0.0:1".to_string(),
        ),
        ("INSTRADA__SERVER__MAX_BATCH".into(), "7".into()),
        ("INSTRADA__STORE__TEXT".into(), "redacted".into()),
        ("PATH".into(), "/bin".into()),
    ])
    .unwrap();
    assert_eq!(env.len(), 3);
    let cli = [ov("server.bind", "10.0.0.1:2")];
    let s = Settings::from_layers(MINIMAL, &Source::Embedded, &env, &cli).unwrap();
    assert_eq!(s.server.bind.to_string(), "10.0.0.1:2");
    assert_eq!(s.server.max_batch, 7);
    assert_eq!(s.store.text, StoredText::Redacted);
}

#[test]
fn bad_overrides_name_their_origin() {
    let env = [ov("server.max_batch", "many")];
    let err = Settings::from_layers(MINIMAL, &Source::Embedded, &env, &[]).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "environment variable INSTRADA__SERVER__MAX_BATCH: `server.max_batch` = many:"
        ),
        "{err}"
    );
    let env = [ov("server.nope", "1")];
    let err = Settings::from_layers(MINIMAL, &Source::Embedded, &env, &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("environment variable INSTRADA__SERVER__NOPE: `server.nope` = 1:")
            && err.to_string().contains("nope"),
        "{err}"
    );
    let err = env_overrides([("INSTRADA__BIND".to_string(), "x".to_string())]).unwrap_err();
    assert!(err.to_string().contains("INSTRADA__BIND"), "{err}");
}

#[test]
fn bad_values_from_overrides_are_reported_where_they_come_from() {
    let file = Source::File("instrada.toml".into());
    let env = [ov("server.bind", "notanaddress")];
    let err = Settings::from_layers(MINIMAL, &file, &env, &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "environment variable INSTRADA__SERVER__BIND: `server.bind` = \"notanaddress\" is \
         not an address such as \"127.0.0.1:8080\""
    );
    let cli = [ov("server.bind", "nowhere")];
    let err = Settings::from_layers(MINIMAL, &file, &env, &cli)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("command-line setting `server.bind`:"),
        "{err}"
    );
    let env = [
        ov("server.max_text_chars", "0"),
        ov("server.max_batch", "0"),
    ];
    let err = Settings::from_layers(MINIMAL, &file, &env, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("INSTRADA__SERVER__MAX_TEXT_CHARS: `server.max_text_chars` = 0")
            && err.contains("INSTRADA__SERVER__MAX_BATCH: `server.max_batch` = 0"),
        "{err}"
    );
    // A good override over a bad file value: the file's problem stays for start-up to list.
    let bad_file = "[server]\nmax_batch = 0\n[routing]\n";
    let s =
        Settings::from_layers(bad_file, &file, &[ov("server.max_text_chars", "3")], &[]).unwrap();
    assert_eq!(s.problems().len(), 1);
    // An address is parsed when the file is read: a bad one is refused with its line.
    let bad_file = "[server]\nbind = \"nowhere\"\n[routing]\n";
    let err = Settings::from_layers(bad_file, &file, &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("instrada.toml:")
            && err.contains("line 2")
            && err.contains("is not an address such as \"127.0.0.1:8080\""),
        "{err}"
    );
}

#[test]
fn file_errors_carry_the_line() {
    let text = "[server]\nmax_batch = \"x\"\n[routing]\n";
    let err = Settings::from_layers(text, &Source::File("c.toml".into()), &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn relative_paths_in_a_file_follow_the_file() {
    let text = "[models]\ndir = \"m\"\n[store]\npath = \"/abs/x.db\"\n[routing]\n";
    let src = Source::File(PathBuf::from("/etc/instrada/instrada.toml"));
    let s = Settings::from_layers(text, &src, &[], &[]).unwrap();
    assert_eq!(s.models.dir, PathBuf::from("/etc/instrada/m"));
    assert_eq!(s.store.path, PathBuf::from("/abs/x.db"));
    let text = "[server]\npid_file = \"run/instrada.pid\"\n[models]\ndir = \"m\"\n[store]\npath = \"/abs/x.db\"\n[routing]\n";
    let s = Settings::from_layers(text, &src, &[], &[]).unwrap();
    assert_eq!(
        s.server.pid_file,
        Some(PathBuf::from("/etc/instrada/run/instrada.pid"))
    );
    let cli = [ov("models.dir", "here")];
    let s = Settings::from_layers(text, &src, &[], &cli).unwrap();
    assert_eq!(s.models.dir, PathBuf::from("here"));
}

#[test]
fn problems_list_every_bad_value() {
    let mut s = Settings::from_layers(MINIMAL, &Source::Embedded, &[], &[]).unwrap();
    s.server.max_text_chars = 0;
    s.server.max_batch = 0;
    s.store.queue_capacity = 0;
    let p = s.problems();
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].contains("server.max_batch"), "{p:?}");
}

#[test]
fn a_bad_forecast_or_outreach_value_names_its_line_or_its_variable() {
    let file = Source::File("c.toml".into());
    let text = "[routing]\ntimezone = \"Europe/Rome\"\n[forecast]\ntimezone = \"Mars/Olympus\"\n";
    let err = Settings::from_layers(text, &file, &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.toml:")
            && err.contains("line 4")
            && err.contains("`Mars/Olympus` is not an IANA time zone"),
        "{err}"
    );
    let env = env_overrides([(
        "INSTRADA__FORECAST__TIMEZONE".to_string(),
        "Mars/Olympus".to_string(),
    )])
    .unwrap();
    let err = Settings::from_layers(MINIMAL, &file, &env, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "environment variable INSTRADA__FORECAST__TIMEZONE: `forecast.timezone` = Mars/Olympus:"
        ) && err.contains("`Mars/Olympus` is not an IANA time zone"),
        "{err}"
    );
    for (key, value, expected) in [
        ("forecast.refit", "weekly", "`weekly`: `daily HH:MM`"),
        (
            "forecast.models",
            "[\"arima\"]",
            "`arima` is not one of snaive",
        ),
        (
            "forecast.staffing.target",
            "1.2",
            "`target` must be a fraction",
        ),
        ("outreach.schedule", "at dawn", "`at dawn`: `daily HH:MM`"),
        (
            "outreach.timezone",
            "Rome",
            "`Rome` is not an IANA time zone",
        ),
    ] {
        let err = Settings::from_layers(MINIMAL, &file, &[], &[ov(key, value)])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("command-line setting `{key}`: `{key}` = {value}:"))
                && err.contains(expected),
            "{key}: {err}"
        );
    }
    let text = "[routing]\n[[forecast.series]]\nname = \"a\"\ninterval = \"45m\"\n";
    let err = Settings::from_layers(text, &file, &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 4") && err.contains("`45m` is not one of 15m, 30m, 1h, 1d"),
        "{err}"
    );
}

#[test]
fn the_settings_round_trip_through_toml() {
    let text = format!(
        "{EMBEDDED}\n[[forecast.series]]\nname = \"tributi-phone\"\ninterval = \"60m\"\n\
         queue = \"tributi\"\nchannel = \"phone\"\nopen = \"mon-fri 08:30-17:00; sat 09:00-12:00\"\n"
    );
    let mut s = Settings::from_layers(&text, &Source::Embedded, &[], &[]).unwrap();
    s.outreach.schedule = crate::calendar::Schedule::Off;
    s.outreach.timezone = chrono_tz::Europe::London;
    s.forecast.models = vec![crate::forecast::models::ModelKind::Mstl];
    let written = toml::to_string(&s).unwrap();
    assert!(
        written.contains("open = \"mon-fri 08:30-17:00; sat 09:00-12:00\""),
        "{written}"
    );
    let again = Settings::from_layers(&written, &Source::Embedded, &[], &[]).unwrap();
    assert_eq!(again, s);
}

#[test]
fn retention_is_read_per_kind_from_the_file_the_environment_and_the_command_line() {
    let file = Source::File("c.toml".into());
    let text = format!("{MINIMAL}[store.retention]\ndecisions = \"2w\"\ntexts = \"7d\"\n");
    let env = env_overrides([(
        "INSTRADA__STORE__RETENTION__EVENTS".to_string(),
        "off".to_string(),
    )])
    .unwrap();
    let s = Settings::from_layers(&text, &file, &env, &[ov("store.prune", "off")]).unwrap();
    let r = &s.store.retention;
    assert_eq!(r.decisions, Keep::days(14));
    assert_eq!(r.texts, Keep::days(7));
    assert_eq!(r.events, Keep::Forever);
    assert_eq!(r.access_log, Retention::default().access_log);
    assert_eq!(s.store.prune, crate::calendar::Schedule::Off);
    assert!(s.problems().is_empty(), "{:?}", s.problems());

    let bad = format!("{MINIMAL}[store.retention]\ntexts = \"forever and a day\"\n");
    let err = Settings::from_layers(&bad, &file, &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 6") && err.contains("is not a duration"),
        "{err}"
    );
    let err = Settings::from_layers(MINIMAL, &file, &[], &[ov("store.retention.texts", "1h")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("between 1d and 36500d"), "{err}");
    let s =
        Settings::from_layers(MINIMAL, &file, &[], &[ov("store.retention.texts", "500d")]).unwrap();
    assert!(
        s.problems()[0].contains("`store.retention.texts` = 500d"),
        "{:?}",
        s.problems()
    );
}

#[test]
fn a_database_url_is_logged_without_its_password() {
    let cli = [ov(
        "store.url",
        "postgres://instrada:s3cret@db:5432/instrada",
    )];
    let s = Settings::from_layers(EMBEDDED, &Source::Embedded, &[], &cli).unwrap();
    let shown = format!("{:?} {}", s.store, s.store.url.as_ref().unwrap());
    assert!(
        !shown.contains("s3cret") && shown.contains("instrada:***@db"),
        "{shown}"
    );
    assert_eq!(
        s.store.location(),
        crate::store::Location::Postgres("postgres://instrada:s3cret@db:5432/instrada".into())
    );
}
