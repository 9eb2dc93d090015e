//! Test fixtures: a tiny model bundle trained here from a handful of Italian requests, a fixture
//! policy, and `spawn_app()`, which serves the real router on 127.0.0.1:0 with a temporary
//! database.

use instrada::api::{AppState, ServeError};
use instrada::classify::ModelKind;
use instrada::classify::artefact::{self, Manifest, TrainingData};
use instrada::classify::dataset::Example;
use instrada::classify::train::{TrainParams, Validation};
use instrada::config::{Settings, Source, StoredText};
use instrada::registry::Registry;
use instrada::route::Decision;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The fixture configuration: small limits, a 24/7 policy over the fixture's four topics.
pub const CONFIG: &str = r#"
[server]
bind = "127.0.0.1:0"
auth = "off"
# No shedding: a test machine busy compiling is not an overloaded service (tests/api/overload.rs
# turns it on where it is what is tested).
shed_lag_ms = 0
max_body_bytes = 8192
max_batch_body_bytes = 65536
max_batch = 5
max_text_chars = 2000
concurrency_limit = 64
shutdown_grace_secs = 5

[store]
text = "none"

[routing]
timezone = "Europe/Rome"
review_threshold = 0.60
triage_queue = "triage"
emergency_queue = "pronto_intervento"
detect_languages = ["it", "en", "de", "fr", "es"]
fallback_queue = "urp"

[[routing.queue]]
name = "triage"
skills = ["smistamento"]
sla = { low = "1d", normal = "4h", high = "1h", critical = "30m" }

[[routing.queue]]
name = "pronto_intervento"
skills = ["pronto_intervento"]
sla = { low = "1d", normal = "4h", high = "1h", critical = "15m" }

[[routing.queue]]
name = "urp"
skills = ["urp"]
sla = { low = "10d", normal = "5d", high = "1d", critical = "2h" }

[[routing.queue]]
name = "tributi"
skills = ["tributi"]
sla = { low = "10d", normal = "5d", high = "1d", critical = "2h" }

[[routing.queue]]
name = "servizi_demografici"
skills = ["demografici"]
sla = { low = "5d", normal = "3d", high = "4h", critical = "1h" }

[[routing.queue]]
name = "ambiente"
skills = ["ambiente"]
sla = { low = "10d", normal = "3d", high = "1d", critical = "2h" }

[[routing.queue]]
name = "tecnico_manutenzioni"
skills = ["manutenzioni"]
sla = { low = "10d", normal = "5d", high = "1d", critical = "2h" }

[[routing.rule]]
name = "ritiro-ingombranti"
when = { topic = ["rifiuti_igiene_urbana"], attributes = { servizio = "ritiro_ingombranti" } }
queue = "ambiente"
skills = ["ingombranti"]

[[routing.rule]]
name = "tributi"
when = { topic = ["tributi"] }
queue = "tributi"

[[routing.rule]]
name = "anagrafe"
when = { topic = ["anagrafe_stato_civile"] }
queue = "servizi_demografici"

[[routing.rule]]
name = "rifiuti"
when = { topic = ["rifiuti_igiene_urbana"] }
queue = "ambiente"

[[routing.rule]]
name = "strade"
when = { topic = ["strade_illuminazione"] }
queue = "tecnico_manutenzioni"
"#;

/// Topic examples: (text, topic, urgency).
const EXAMPLES: &[Row] = &[
    (
        "Ho ricevuto un avviso di pagamento TARI sbagliato, la superficie non è quella giusta",
        "tributi",
        "normal",
    ),
    (
        "Come pago la TARI con il modello F24? Non trovo il codice tributo",
        "tributi",
        "low",
    ),
    (
        "Vorrei la rateizzazione dell'avviso di accertamento IMU, non riesco a pagare tutto",
        "tributi",
        "normal",
    ),
    (
        "Chiedo il rimborso dell'IMU versata due volte per errore sulla seconda casa",
        "tributi",
        "normal",
    ),
    (
        "L'avviso TARI è arrivato a un indirizzo vecchio, il pagamento scade domani",
        "tributi",
        "high",
    ),
    (
        "Qual è la scadenza della rata IMU di dicembre? Posso pagare online?",
        "tributi",
        "low",
    ),
    (
        "Ho pagato la TARI ma mi arriva un sollecito di pagamento con sanzione",
        "tributi",
        "normal",
    ),
    (
        "Agevolazione TARI per famiglie numerose: come presento la domanda al Comune?",
        "tributi",
        "low",
    ),
    (
        "Devo rinnovare la carta d'identità scaduta, come prenoto l'appuntamento all'anagrafe?",
        "anagrafe_stato_civile",
        "normal",
    ),
    (
        "Mi serve un certificato di residenza per il lavoro, posso averlo online?",
        "anagrafe_stato_civile",
        "low",
    ),
    (
        "Cambio di residenza: ho traslocato in via Verdi, cosa devo fare all'anagrafe?",
        "anagrafe_stato_civile",
        "normal",
    ),
    (
        "Vorrei il certificato di stato di famiglia, quali documenti servono?",
        "anagrafe_stato_civile",
        "low",
    ),
    (
        "Parto domani e la carta d'identità è scaduta, è possibile averla oggi stesso?",
        "anagrafe_stato_civile",
        "high",
    ),
    (
        "Come si richiede l'atto di nascita di mio figlio all'ufficio di stato civile?",
        "anagrafe_stato_civile",
        "low",
    ),
    (
        "Prenotazione carta d'identità elettronica per mia madre anziana, l'anagrafe fa domicilio?",
        "anagrafe_stato_civile",
        "normal",
    ),
    (
        "Orari dello sportello anagrafe di sabato mattina per la carta d'identità",
        "anagrafe_stato_civile",
        "low",
    ),
    (
        "I rifiuti non vengono ritirati da una settimana, i cassonetti sono pieni",
        "rifiuti_igiene_urbana",
        "normal",
    ),
    (
        "Vorrei prenotare il ritiro ingombranti di un divano e un materasso",
        "rifiuti_igiene_urbana",
        "low",
    ),
    (
        "Calendario della raccolta differenziata della plastica nella mia via?",
        "rifiuti_igiene_urbana",
        "low",
    ),
    (
        "Qualcuno ha abbandonato rifiuti e sacchi della spazzatura vicino ai cassonetti",
        "rifiuti_igiene_urbana",
        "normal",
    ),
    (
        "Il mastello dell'umido è rotto, come ne ottengo uno nuovo per la differenziata?",
        "rifiuti_igiene_urbana",
        "low",
    ),
    (
        "Cassonetti stracolmi davanti alla scuola, i rifiuti sono in strada e puzzano",
        "rifiuti_igiene_urbana",
        "high",
    ),
    (
        "Ritiro ingombranti: quando passano a prendere il frigorifero vecchio?",
        "rifiuti_igiene_urbana",
        "low",
    ),
    (
        "Raccolta differenziata del vetro saltata questa settimana nel quartiere",
        "rifiuti_igiene_urbana",
        "normal",
    ),
    (
        "C'è una buca enorme in mezzo alla strada in via Roma, è pericolosa",
        "strade_illuminazione",
        "high",
    ),
    (
        "Il lampione davanti a casa mia è spento da giorni, la strada è al buio",
        "strade_illuminazione",
        "normal",
    ),
    (
        "Il marciapiede è dissestato e le radici hanno sollevato l'asfalto",
        "strade_illuminazione",
        "normal",
    ),
    (
        "Segnalo illuminazione pubblica guasta in tutto il viale, lampioni spenti",
        "strade_illuminazione",
        "normal",
    ),
    (
        "Buche sulla strada provinciale dopo la pioggia, le auto sbandano",
        "strade_illuminazione",
        "high",
    ),
    (
        "Un tombino senza coperchio sulla strada vicino alla scuola, pericolo per i bambini",
        "strade_illuminazione",
        "critical",
    ),
    (
        "Chiedo il rifacimento dell'asfalto della strada comunale, è pieno di buche",
        "strade_illuminazione",
        "low",
    ),
    (
        "Il semaforo e il lampione dell'incrocio sono spenti, strada buia di notte",
        "strade_illuminazione",
        "high",
    ),
    (
        "C'è una forte fuga di gas nel palazzo, sentiamo odore di gas per le scale",
        "strade_illuminazione",
        "critical",
    ),
    (
        "Un albero è caduto sulla strada e blocca il traffico, ci sono cavi a terra",
        "strade_illuminazione",
        "critical",
    ),
];

/// The urgency lexicon of the fixture.
const LEXICON: &str = r#"
[[signal]]
name = "gas_leak"
level = "critical"
description = "Smell or leak of gas"
patterns = ["fuga di gas", "odore di gas"]

[[signal]]
name = "deadline_close"
level = "high"
description = "A deadline is about to expire"
patterns = ["scade domani", "scade oggi"]
"#;

type Row = (&'static str, &'static str, &'static str);

fn examples(label_of: fn(&Row) -> &'static str) -> Vec<Example> {
    EXAMPLES
        .iter()
        .enumerate()
        .map(|(i, e)| Example {
            text: e.0.to_string(),
            label: label_of(e).to_string(),
            line: i as u64 + 2,
        })
        .collect()
}

fn train_into(dir: &Path, kind: ModelKind, examples: &[Example], extra: &[(&str, Vec<u8>)]) {
    let params = TrainParams::default()
        .epochs(30)
        .validation(Validation::KFold(2))
        .check()
        .expect("fixture parameters are valid");
    let trained = params.fit(examples, &|_, _, _| {}).expect("fixture trains");
    let data =
        TrainingData::from_examples("fixture", "", examples, vec!["text".into()], kind.as_str());
    let mut manifest =
        Manifest::for_trained(format!("{}-fixture", kind.as_str()), kind, &trained, data);
    // The fixture never abstains: the policy's review threshold decides what goes to triage.
    manifest.unknown_threshold = 0.0;
    artefact::save(dir, &trained.model, &mut manifest, "Test fixture.", extra)
        .expect("fixture saves");
}

/// The fixture bundle, trained once per test binary into a directory that lives as long as it.
pub fn models_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        train_into(
            &dir.path().join("topic"),
            ModelKind::Topic,
            &examples(|e| e.1),
            &[],
        );
        train_into(
            &dir.path().join("urgency"),
            ModelKind::Urgency,
            &examples(|e| e.2),
            &[("lexicon.toml", LEXICON.as_bytes().to_vec())],
        );
        dir
    })
    .path()
}

/// A configuration file over the fixture bundle, in `dir`.
pub fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("instrada.toml");
    let models = models_dir().display().to_string().replace('\\', "/");
    std::fs::write(&path, format!("{CONFIG}\n[models]\ndir = \"{models}\"\n")).unwrap();
    path
}

/// The fixture settings, with the database in `db_dir`.
pub fn settings(db_dir: &Path) -> Settings {
    let mut s = Settings::from_layers(CONFIG, &Source::Embedded, &[], &[]).expect("fixture config");
    s.models.dir = models_dir().to_path_buf();
    s.store.path = db_dir.join("instrada.db");
    s.store.pseudonym_key = db_dir.join("pseudonym.key");
    s
}

/// Application state over the fixture, for router tests without a socket.
pub fn state(settings: Settings) -> AppState {
    let registry =
        Registry::open(&settings, &Source::Embedded).expect("fixture bundle and policy are valid");
    let path = settings.store.path.clone();
    let service = instrada::ops::Service::open(settings).expect("store and key open");
    let keys = instrada::access::KeyRing::load(&path).expect("the keys read");
    AppState::new(service, registry, std::sync::Arc::new(keys))
}

/// A running service.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// Its state (store, limiter...).
    pub state: AppState,
    /// The database file.
    pub db_path: PathBuf,
    /// A client for it.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), ServeError>>>,
    _dir: TempDir,
}

/// Serves the fixture with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Serves the fixture after `tweak` has changed the settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = settings(dir.path());
    tweak(&mut s);
    let db_path = s.store.path.clone();
    let state = state(s);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = format!("http://{}", listener.local_addr().expect("local addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(instrada::api::run(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        state,
        db_path,
        client: reqwest::Client::new(),
        stop: Some(stop),
        server: Some(server),
        _dir: dir,
    }
}

impl TestApp {
    /// POSTs JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// The stored decision `id` with its feedback (asserting it is in the store).
    pub async fn stored(&self, id: uuid::Uuid) -> instrada::store::StoredDecision {
        self.state
            .store
            .get_decision(id)
            .await
            .expect("the store answers")
            .expect("the decision is stored")
    }

    /// Runs `instrada ARGS --config FILE` on this service's settings (its store, its pseudonym
    /// key, its models), `stdin` on its standard input: the command line's edge beside the API's.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Cli {
        use std::io::Write;
        let dir = self.db_path.parent().expect("the database's folder");
        let config = dir.join("cli.toml");
        let toml = toml::to_string(&self.state.settings).expect("the settings serialise");
        std::fs::write(&config, toml).expect("the CLI's configuration is written");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_instrada"));
        command.args(args);
        // `instrada staffing` reads no settings: it takes no `--config`.
        if args.first() != Some(&"staffing") {
            command.arg("--config").arg(&config);
        }
        let mut child = command
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("instrada runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin written");
        let out = child.wait_with_output().expect("instrada ends");
        Cli {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Routes `text` from `channel` and returns the decision (asserting 200).
    pub async fn route(&self, channel: &str, text: &str) -> Decision {
        self.route_json(&json!({"channel": channel, "text": text}))
            .await
    }

    /// Routes a request body and returns the decision (asserting 200).
    pub async fn route_json(&self, body: &Value) -> Decision {
        let r = self.post("/v1/route", body).await;
        let status = r.status();
        let text = r.text().await.expect("body");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).expect("a decision")
    }

    /// Triggers a graceful shutdown and waits for it (the store is closed when this returns; the
    /// database file stays until the `TestApp` is dropped).
    pub async fn shutdown(&mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => server.await.expect("server task"),
            None => Ok(()),
        }
    }
}

/// What a command printed.
#[derive(Debug)]
pub struct Cli {
    /// Whether it exited with success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Cli {
    /// Standard output as one JSON document (asserting success).
    pub fn json(&self) -> Value {
        assert!(self.ok, "the command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).expect("one JSON document")
    }

    /// The message of a refusal (asserting failure): standard error's `error: MESSAGE`.
    pub fn refusal(&self) -> String {
        assert!(!self.ok, "the command succeeded: {}", self.stdout);
        self.stderr
            .trim()
            .strip_prefix("error: ")
            .unwrap_or(self.stderr.trim())
            .to_string()
    }
}

/// Asserts an error response: status, `code`, and the common body shape; returns the message.
pub async fn assert_error(r: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(r.status().as_u16(), status, "status for {code}");
    let body: Value = r.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
    body["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string()
}

/// Settings with the request text stored as given.
pub fn store_raw(s: &mut Settings) {
    s.store.text = StoredText::Raw;
}

/// A copy of the fixture bundle in a new directory, for tests that change models on disk.
pub fn bundle_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in ["topic", "urgency"] {
        let (from, to) = (models_dir().join(kind), dir.path().join(kind));
        std::fs::create_dir_all(&to).expect("model dir");
        for f in std::fs::read_dir(&from).expect("fixture model") {
            let f = f.expect("entry").path();
            std::fs::copy(&f, to.join(f.file_name().expect("file name"))).expect("copy");
        }
    }
    dir
}

/// Retrains the topic model of `bundle` on the fixture examples in another order: same labels,
/// other weights, so another model version.
pub fn retrain_topic(bundle: &Path) {
    let mut rows = examples(|e| e.1);
    rows.reverse();
    train_into(&bundle.join("topic"), ModelKind::Topic, &rows, &[]);
}
