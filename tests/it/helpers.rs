//! The test harness: each test gets its own application and database (SQLite: a copy of a
//! migrated template with reference data; PostgreSQL: a database cloned from a template),
//! and talks to it through HTTP, in-process, as a browser or an API client would.

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use passerelle::{AppState, Config};
use tower::ServiceExt;

#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub state: AppState,
    router: axum::Router,
    _dir: tempfile::TempDir,
    pg_database: Option<String>,
}

/// What a new test database starts from: migrated with the reference data, plus the demo
/// dataset for `Demo`.
#[derive(Clone, Copy)]
enum Template {
    Clean,
    Demo,
}

/// A SQLite template file, prepared once per test process.
fn sqlite_template(template: Template) -> &'static PathBuf {
    static CLEAN: OnceLock<PathBuf> = OnceLock::new();
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    let (cell, demo) = match template {
        Template::Clean => (&CLEAN, false),
        Template::Demo => (&DEMO, true),
    };
    cell.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let path = dir.join("template.db");
        let config = Config::for_tests(format!("sqlite://{}", path.display()), dir.clone());
        let state = AppState::init(config).expect("template app");
        state.ensure_reference_data().expect("reference data");
        let mut conn = state.db.conn().expect("connection");
        if demo {
            passerelle::demo::load(&mut conn).expect("demo data");
            state.rebuild_search(|_| {}).expect("search index");
        }
        use diesel::connection::SimpleConnection;
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("checkpoint");
        let copy = dir.join("clean.db");
        conn.batch_execute(&format!("VACUUM INTO '{}'", copy.display()))
            .expect("vacuum into");
        copy
    })
}

/// The search index of a demo template's offers, built with it: in the template's folder.
fn demo_index(backend: Backend) -> PathBuf {
    let folder = match backend {
        Backend::Sqlite => sqlite_template(Template::Demo)
            .parent()
            .expect("template folder")
            .to_owned(),
        Backend::Postgres => PathBuf::from(&postgres_template(Template::Demo).1),
    };
    folder.join("index").join("offers")
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("index folder");
    for entry in std::fs::read_dir(from).expect("template index") {
        let entry = entry.expect("template index entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !entry.file_name().to_string_lossy().ends_with(".lock") {
            std::fs::copy(entry.path(), target).expect("copy index file");
        }
    }
}

/// A new database for one test, from a template: its URL, and its name on PostgreSQL.
async fn create_database(
    backend: Backend,
    template: Template,
    dir: &std::path::Path,
) -> (String, Option<String>) {
    match backend {
        Backend::Sqlite => {
            let source = tokio::task::spawn_blocking(move || sqlite_template(template))
                .await
                .unwrap();
            std::fs::create_dir_all(dir).expect("data folder");
            let path = dir.join("passerelle.db");
            std::fs::copy(source, &path).expect("copy template");
            (format!("sqlite://{}", path.display()), None)
        }
        Backend::Postgres => {
            let source = tokio::task::spawn_blocking(move || &postgres_template(template).0)
                .await
                .unwrap();
            let name = format!("passerelle_t_{}", uuid_simple());
            let sql = format!("CREATE DATABASE {name} TEMPLATE {source}");
            tokio::task::spawn_blocking(move || admin_sql(&sql))
                .await
                .unwrap();
            (with_database(&postgres_url(), &name), Some(name))
        }
    }
}

async fn start(config: Config) -> AppState {
    tokio::task::spawn_blocking(move || AppState::init(config))
        .await
        .unwrap()
        .expect("app")
}

async fn drop_postgres_database(name: String) {
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let _ = tokio::task::spawn_blocking(move || admin_sql(&sql)).await;
}

pub fn postgres_url() -> String {
    std::env::var("PASSERELLE_TEST_POSTGRES_URL").expect(
        "PASSERELLE_TEST_POSTGRES_URL must be set for the PostgreSQL suite \
         (e.g. postgres://postgres@127.0.0.1:5432/test)",
    )
}

pub fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("valid PostgreSQL URL");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

pub fn admin_sql(sql: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut conn = diesel::PgConnection::establish(&postgres_url()).expect("PostgreSQL reachable");
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A PostgreSQL template database, prepared once per test process.
/// Its name, and the folder of its data (the demo's search index).
fn postgres_template(template: Template) -> &'static (String, String) {
    static CLEAN: OnceLock<(String, String)> = OnceLock::new();
    static DEMO: OnceLock<(String, String)> = OnceLock::new();
    let (cell, demo) = match template {
        Template::Clean => (&CLEAN, false),
        Template::Demo => (&DEMO, true),
    };
    cell.get_or_init(|| {
        let name = format!(
            "passerelle_tpl_{}{}",
            if demo { "demo_" } else { "" },
            std::process::id()
        );
        admin_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        if demo {
            let clean = &postgres_template(Template::Clean).0;
            admin_sql(&format!("CREATE DATABASE {name} TEMPLATE {clean}"));
        } else {
            admin_sql(&format!("CREATE DATABASE {name}"));
        }
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let config = Config::for_tests(with_database(&postgres_url(), &name), dir.clone());
        let state = AppState::init(config).expect("template app");
        if demo {
            let mut conn = state.db.conn().expect("connection");
            passerelle::demo::load(&mut conn).expect("demo data");
            drop(conn);
            state.rebuild_search(|_| {}).expect("search index");
        } else {
            state.ensure_reference_data().expect("reference data");
        }
        drop(state);
        (name, dir.display().to_string())
    })
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    /// A fresh application whose configuration the test adjusts.
    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_database) = create_database(backend, Template::Clean, dir.path()).await;
        let mut config = Config::for_tests(url, dir.path().to_owned());
        adjust(&mut config);
        let state = start(config).await;
        let router = state.router();
        Self {
            state,
            router,
            _dir: dir,
            pg_database,
        }
    }

    /// Loads the demo dataset (one account per role, organisations of every kind), with its
    /// offers indexed: the application is started again on a copy of a template prepared
    /// once per test process (database and search index), on the same configuration.
    /// A test that moved the clock first gets the demo loaded in place, at its time.
    pub async fn with_demo(mut self) -> Self {
        let drift = self.state.clock.now() - chrono::Utc::now().naive_utc();
        if drift.num_seconds().abs() > 60 {
            self.state
                .db
                .run(passerelle::demo::load)
                .await
                .expect("demo data");
            let state = self.state.clone();
            tokio::task::spawn_blocking(move || state.rebuild_search(|_| {}))
                .await
                .unwrap()
                .expect("search index");
            return self;
        }
        let backend = match self.pg_database {
            Some(_) => Backend::Postgres,
            None => Backend::Sqlite,
        };
        let mut config = self.state.config.clone();
        config.data_dir = self._dir.path().join("demo");
        let (url, pg_database) = create_database(backend, Template::Demo, &config.data_dir).await;
        config.database_url = url;
        let index = tokio::task::spawn_blocking(move || demo_index(backend))
            .await
            .unwrap();
        copy_dir(&index, &config.data_dir.join("index").join("offers"));
        let state = start(config).await;
        self.router = state.router();
        self.state = state;
        if let Some(previous) = std::mem::replace(&mut self.pg_database, pg_database) {
            drop_postgres_database(previous).await;
        }
        self
    }

    /// Another server process on the same database, with its own, empty data folder (its
    /// own search index, rebuilt at start): what a second node behind a load balancer is.
    /// `prepare` may put things in that folder before it starts.
    pub async fn another_node(&self, prepare: impl FnOnce(&std::path::Path)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        prepare(dir.path());
        let mut config = self.state.config.clone();
        config.data_dir = dir.path().to_owned();
        Self::on(config, dir).await
    }

    /// An application started on a configuration whose database exists already (kept by
    /// the test), `dir` living as long as it does.
    pub async fn on(config: Config, dir: tempfile::TempDir) -> TestApp {
        let state = start(config).await;
        let router = state.router();
        TestApp {
            state,
            router,
            _dir: dir,
            pg_database: None,
        }
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookie: None,
            csrf: None,
            ip: format!("10.0.0.{}", rand_octet()),
            remote: None,
        }
    }

    /// A client logged in as a demo account.
    pub async fn login_as(&self, email: &str) -> Client<'_> {
        let mut client = self.client();
        client.get("/connexion").await.assert_status(StatusCode::OK);
        let response = client
            .post_form(
                "/connexion",
                &[("email", email), ("password", passerelle::demo::PASSWORD)],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "login of {email} failed: {}",
            response.text
        );
        client
    }

    /// Runs the background jobs that are due (mail delivery…), as the server's runner would.
    pub async fn run_jobs(&self) -> usize {
        passerelle::jobs::run_due(&self.state).await.expect("jobs")
    }

    /// Mails delivered so far (development transport: .eml files), oldest first.
    pub async fn mails(&self) -> Vec<Mail> {
        self.run_jobs().await;
        let dir = self.state.config.data_dir.join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| Mail::parse(&std::fs::read_to_string(p).expect("mail file")))
            .collect()
    }

    /// The last mail sent to an address.
    pub async fn last_mail_to(&self, to: &str) -> Mail {
        self.mails()
            .await
            .into_iter()
            .rev()
            .find(|m| m.to.contains(to))
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = std::thread::spawn(move || admin_sql(&sql)).join();
        }
    }
}

fn uuid_simple() -> String {
    passerelle::db::new_id().replace('-', "")
}

fn rand_octet() -> u8 {
    use std::sync::atomic::{AtomicU8, Ordering};
    static NEXT: AtomicU8 = AtomicU8::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The text (text/plain part).
    pub body: String,
    /// The HTML alternative, empty when the mail has none.
    pub html: String,
    pub message_id: String,
    pub in_reply_to: String,
    pub references: String,
    /// `auto-generated` for the platform's mails (RFC 3834).
    pub auto_submitted: String,
}

impl Mail {
    fn parse(raw: &str) -> Self {
        let (head, body) = split_part(raw);
        let header = |name: &str| header_of(&head, name);
        // A mail with an HTML part is multipart/alternative: `body` is its text/plain part.
        let (body, html) = match boundary(&header("Content-Type")) {
            Some(boundary) => {
                let (mut text, mut html) = (String::new(), String::new());
                for part in body.split(&format!("--{boundary}")).skip(1) {
                    if part.starts_with("--") {
                        break;
                    }
                    let part = part.strip_prefix("\r\n").unwrap_or(part);
                    let (part_head, part_body) = split_part(part);
                    let part_body = part_body.strip_suffix("\r\n").unwrap_or(part_body);
                    let decoded = decode_body(
                        &header_of(&part_head, "Content-Transfer-Encoding"),
                        part_body,
                    );
                    let content_type = header_of(&part_head, "Content-Type");
                    if content_type.starts_with("text/plain") {
                        text = decoded;
                    } else if content_type.starts_with("text/html") {
                        html = decoded;
                    }
                }
                (text, html)
            }
            None => (
                decode_body(&header("Content-Transfer-Encoding"), body),
                String::new(),
            ),
        };
        Mail {
            to: header("To"),
            subject: decode_subject(&header("Subject")),
            body,
            html,
            message_id: header("Message-ID"),
            in_reply_to: header("In-Reply-To"),
            references: header("References"),
            auto_submitted: header("Auto-Submitted"),
        }
    }

    /// The first link to the site in the mail.
    pub fn link(&self) -> String {
        let start = self
            .body
            .find("http://passerelle.test")
            .expect("a link in the mail");
        let rest = &self.body[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest[..end].replace("http://passerelle.test", "")
    }
}

/// Headers (folded lines unfolded) and body of a message or of a MIME part.
fn split_part(raw: &str) -> (String, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    (head.replace("\r\n ", " ").replace("\r\n\t", " "), body)
}

fn header_of(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_default()
        .to_owned()
}

fn boundary(content_type: &str) -> Option<String> {
    if !content_type.starts_with("multipart/") {
        return None;
    }
    let (_, rest) = content_type.split_once("boundary=")?;
    let value = rest.split(';').next().unwrap_or(rest).trim();
    Some(value.trim_matches('"').to_owned())
}

fn decode_body(encoding: &str, body: &str) -> String {
    match encoding {
        "quoted-printable" => decode_qp(body),
        "base64" => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("base64"),
            )
            .expect("utf8")
        }
        _ => body.to_owned(),
    }
}

fn decode_qp(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

fn decode_subject(subject: &str) -> String {
    // =?utf-8?b?...?= encoded words, possibly several.
    use base64::Engine;
    // Adjacent encoded words join without the space between them (RFC 2047).
    let mut bytes = Vec::new();
    let mut previous_encoded = false;
    for part in subject.split_whitespace() {
        let lower = part.to_ascii_lowercase();
        if let Some(inner) = lower
            .strip_prefix("=?utf-8?b?")
            .and_then(|p| p.strip_suffix("?="))
        {
            let inner = &part[10..10 + inner.len()];
            if !previous_encoded && !bytes.is_empty() {
                bytes.push(b' ');
            }
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(inner)
                    .unwrap_or_default(),
            );
            previous_encoded = true;
        } else {
            if !bytes.is_empty() {
                bytes.push(b' ');
            }
            bytes.extend(part.as_bytes());
            previous_encoded = false;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A browser-like client: keeps its session cookie and the last CSRF token it was shown.
pub struct Client<'a> {
    app: &'a TestApp,
    cookie: Option<String>,
    csrf: Option<String>,
    pub ip: String,
    /// Sends over HTTP to this address (`http://127.0.0.1:PORT`: a server process, a reverse
    /// proxy) instead of calling the application in the test process.
    remote: Option<String>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    /// The raw body (for binary downloads such as XLSX).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.text
        );
        self
    }

    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text.contains(needle)
    }
}

impl<'a> Client<'a> {
    /// The same client (session, CSRF token), from now on talking over HTTP to `base`
    /// (`http://127.0.0.1:PORT`) instead of the application in the test process.
    pub fn via(mut self, base: &str) -> Self {
        self.remote = Some(base.trim_end_matches('/').to_owned());
        self
    }

    pub async fn request(&mut self, request: Request<Body>) -> TestResponse {
        let (status, headers, bytes) = match &self.remote {
            None => {
                let response = self
                    .app
                    .router
                    .clone()
                    .oneshot(request)
                    .await
                    .expect("router answers");
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await.expect("body").to_bytes();
                (parts.status, parts.headers, bytes)
            }
            Some(base) => {
                let (mut parts, body) = request.into_parts();
                parts.uri = format!("{base}{}", parts.uri)
                    .parse()
                    .expect("absolute address");
                let client = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http::<Body>();
                let response = client
                    .request(Request::from_parts(parts, body))
                    .await
                    .unwrap_or_else(|e| panic!("{base} answers: {e}"));
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await.expect("body").to_bytes();
                (parts.status, parts.headers, bytes)
            }
        };
        for cookie in headers.get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let pair = cookie.split(';').next().unwrap();
            if let Some(value) = pair.strip_prefix("passerelle_session=") {
                assert!(
                    cookie.contains("HttpOnly")
                        && cookie.contains("Secure")
                        && cookie.contains("SameSite=Lax")
                );
                self.cookie = (!value.is_empty()).then(|| value.to_owned());
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = extract_csrf(&text) {
            self.csrf = Some(token);
        }
        TestResponse {
            status,
            headers,
            text,
            bytes: bytes.to_vec(),
        }
    }

    fn builder(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("x-forwarded-for", &self.ip);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, format!("passerelle_session={cookie}"));
        }
        builder
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = self.builder("GET", path).body(Body::empty()).unwrap();
        self.request(request).await
    }

    /// Posts a form with the CSRF token of the last page seen, as a browser does.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .builder("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.request(request).await
    }

    pub async fn api_get(&mut self, path: &str, token: &str) -> TestResponse {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.request(request).await
    }

    /// Uploads a file as a browser does (multipart form, the CSRF token as its first field).
    pub async fn post_file(
        &mut self,
        path: &str,
        field: &str,
        filename: &str,
        bytes: &[u8],
    ) -> TestResponse {
        let csrf = self.csrf.clone().unwrap_or_default();
        let (content_type, body) = multipart(&[("csrf", &csrf)], field, filename, bytes);
        let request = self
            .builder("POST", path)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.request(request).await
    }

    /// The CSRF token of the last page seen.
    pub fn csrf(&self) -> String {
        self.csrf.clone().unwrap_or_default()
    }

    /// A JSON request with a bearer token.
    pub async fn api_json(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.request(request).await
    }

    /// A request with a bearer token and a raw body (a partner's software sending a file).
    pub async fn api_send(
        &mut self,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.request(request).await
    }

    /// A request with the session cookie (if any) but neither a CSRF token nor a bearer token.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let request = self
            .builder(method, path)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.request(request).await
    }

    /// The application this client talks to.
    pub fn app(&self) -> &'a TestApp {
        self.app
    }

    /// Creates a personal API token from the account page, as the person would.
    pub async fn new_api_token(&mut self) -> String {
        self.get("/compte").await;
        let r = self.post_form("/compte/jetons", &[("name", "api")]).await;
        let start = r.text.find("psl_").expect("the new token is shown once");
        r.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    }

    /// The id of the signed-in person's organisation (its page's address).
    pub async fn own_org_id(&mut self) -> String {
        let r = self.get("/organisation").await;
        r.assert_status(StatusCode::SEE_OTHER);
        r.location()
            .trim_start_matches("/organisations/")
            .to_owned()
    }

    pub fn has_session(&self) -> bool {
        self.cookie.is_some()
    }
}

/// A multipart body (text fields first, then one file) and its content type.
pub fn multipart(
    fields: &[(&str, &str)],
    field: &str,
    filename: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "----passerelle-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    let token = &html[start..start + end];
    (!token.is_empty()).then(|| token.to_owned())
}

/// Generates the SQLite and PostgreSQL variants of a test taking a fresh `TestApp`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::helpers::TestApp::new($crate::helpers::Backend::Sqlite).await).await;
                }

                #[tokio::test]
                #[cfg_attr(not(pg_tests), ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL")]
                async fn postgres() {
                    super::$name($crate::helpers::TestApp::new($crate::helpers::Backend::Postgres).await).await;
                }
            }
        )*
    };
}

/// A free port on loopback (bound, then released for the process that takes it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits (up to 60 s) until `base` answers `/healthz` with 200; `log` is shown otherwise.
pub async fn wait_healthy(base: &str, what: &str, log: &std::path::Path) {
    let start = std::time::Instant::now();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Body>();
    loop {
        let ok = client
            .get(format!("{base}/healthz").parse().unwrap())
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ok {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "{what} does not answer: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `passerelle serve` in a process of its own on the database of the test's application,
/// with its own data folder, trusting a proxy's `X-Forwarded-For`; `env` adds settings (the
/// partners' FTPS server…). Killed (SIGKILL, as a crash) when dropped.
pub struct ServeProcess {
    child: std::process::Child,
    pub port: u16,
    /// `127.0.0.1:PORT` of its FTPS server, when `env` gave `PASSERELLE_FTPS_ADDR`.
    pub ftps: Option<String>,
}

impl ServeProcess {
    pub async fn start(app: &TestApp, data_dir: &std::path::Path, env: &[(&str, String)]) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let port = free_port();
        let log = data_dir.join("serve.log");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .arg("serve")
            .env("PASSERELLE_DATABASE_URL", &app.state.config.database_url)
            .env("PASSERELLE_DATA_DIR", data_dir)
            .env("PASSERELLE_ADDR", format!("127.0.0.1:{port}"))
            .env("PASSERELLE_TRUST_PROXY", "true")
            .env("PASSERELLE_LOG", "warn")
            .env_remove("PASSERELLE_NEW_DATABASE")
            .env_remove("PASSERELLE_SMTP_URL")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("passerelle serve");
        let ftps = env
            .iter()
            .find(|(k, _)| *k == "PASSERELLE_FTPS_ADDR")
            .map(|(_, v)| v.clone());
        let server = Self { child, port, ftps };
        wait_healthy(&server.base(), "passerelle serve", &log).await;
        server
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops it as a crash would: SIGKILL, nothing to finish.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
