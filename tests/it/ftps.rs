//! The FTPS channel of partner imports, driven by a real FTPS client (Debian's curl, explicit
//! TLS) as a partner's nightly script would: files dropped in the profile's folder are
//! imported, the report comes back beside them, and nothing else can be reached.

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use passerelle::imports::ftps::{self, FtpsHandle};

use crate::helpers::{Backend, TestApp};

const TRAINING_STAFF: &str = "training_staff@demo.passerelle.test";
const CHAMBER_STAFF: &str = "registration_officer@demo.passerelle.test";

/// The generic format with the columns partner software usually adds (ignored by the profile).
const HEADER: &str = "reference;title;description;rome_code;naf_division;contract_type;level;\
                      commune_insee;lat;lon;start_date;positions;siret;company_name;published_at";

/// A 14-digit SIRET whose Luhn key is right.
fn siret(first_13: &str) -> String {
    (0..10)
        .map(|key| format!("{first_13}{key}"))
        .find(|candidate| passerelle::types::luhn_valid(candidate))
        .expect("one key fits")
}

fn offers_csv() -> String {
    let start = (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string();
    format!(
        "{HEADER}\n\
         FTPS-1;Crêpier·ère en apprentissage;Galettes et crêpes au billig, accueil des clients en salle et en terrasse.;G1602;56;apprentissage;3;35238;48.11;-1.67;{start};1;{};Crêperie Ty Breizh;2026-11-01\n\
         FTPS-2;Ostréiculteur·rice en alternance;Travail sur les parcs à huîtres : tri, calibrage et expédition des bourriches.;A1404;03;apprentissage;4;29019;48.39;-4.49;{start};2;{};Huîtres de la Rade;2026-11-01\n\
         FTPS-3;Boulanger·ère de nuit;Pétrissage, façonnage et cuisson du pain et des viennoiseries pour la boutique.;D1102;10;professionnalisation;3;56260;47.66;-2.76;{start};1;{};Fournil de Vannes;2026-11-01\n\
         FTPS-4;Goémonier·ère;Récolte des algues sur l’estran, séchage et préparation des livraisons.;Z9999;03;apprentissage;3;22278;48.51;-2.77;{start};1;{};Algues d’Armor;2026-11-01\n",
        // The demo bakery, which delegates its offers to the training centre: an import names
        // only companies that delegated to the importer.
        siret("8123456780001"),
        siret("8123456780001"),
        siret("8123456780001"),
        siret("8123456780001"),
    )
}

/// One curl call against the test server: success, standard output, standard error.
async fn curl(args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "30"])
        .args(args)
        .output()
        .await
        .expect("Debian's curl is installed (scripts/test installs it)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Explicit TLS (AUTH TLS, then PROT P for data), the test certificate being self-signed.
async fn ftps(user: &str, token: &str, extra: &[&str], url: &str) -> (bool, String, String) {
    let credentials = format!("{user}:{token}");
    let mut args = vec!["--ssl-reqd", "--insecure", "--user", credentials.as_str()];
    args.extend_from_slice(extra);
    args.push(url);
    curl(&args).await
}

/// The report of a file as the partner's software fetches it, once it says `expected` (a
/// bounded wait: the import runs meanwhile).
pub(crate) async fn report(url: &str, user: &str, token: &str, expected: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (ok, text, err) = ftps(user, token, &[], url).await;
        if ok && text.contains(expected) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} never said « {expected} »: {text}{err}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names a folder lists.
async fn names(user: &str, token: &str, url: &str) -> Vec<String> {
    let (ok, listing, err) = ftps(user, token, &["--list-only"], url).await;
    assert!(ok, "{url} not listed: {err}");
    let mut names: Vec<String> = listing.lines().map(str::to_owned).collect();
    names.sort_unstable();
    names
}

async fn start(app: &TestApp, certs: &Path) -> FtpsHandle {
    // The files received are imported by the job runner, as beside `passerelle serve`.
    let state = app.state.clone();
    tokio::spawn(async move {
        loop {
            let _ = passerelle::jobs::run_due(&state).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let (cert, key) = ftps::self_signed(certs).expect("test certificate");
    ftps::start(
        app.state.clone(),
        "127.0.0.1:0".parse().unwrap(),
        &cert,
        &key,
        0..=0,
    )
    .await
    .expect("FTPS server starts")
}

async fn token_of(app: &TestApp, email: &str) -> String {
    app.login_as(email).await.new_api_token().await
}

/// A second partner: an import profile of the demo chamber (setup, as its administrator would
/// create it on the imports page).
async fn chamber_profile(app: &TestApp) {
    let chamber = app
        .state
        .db
        .run(|conn| passerelle::auth::store::by_email(conn, CHAMBER_STAFF))
        .await
        .unwrap()
        .and_then(|officer| officer.organisation_id)
        .expect("demo chamber officer");
    crate::imports::generic_profile(
        app,
        chamber,
        "chambre-demo",
        "Offres collectées par la chambre",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_drop_files_over_ftps() {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    chamber_profile(&app).await;
    let certs = tempfile::tempdir().unwrap();
    let server = start(&app, certs.path()).await;
    let base = format!("ftp://{}", server.address());
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("offers.csv");
    std::fs::write(&file, offers_csv()).unwrap();
    let file_arg = file.display().to_string();
    let folder = app.state.config.data_dir.join("ftps").join("demo-generic");
    let report_url = format!("{base}/offers.csv.report.csv");
    let token = token_of(&app, TRAINING_STAFF).await;

    // (a) The training centre's software drops its file; the import runs and reports.
    let (ok, _, err) = ftps(
        "demo-generic",
        &token,
        &["-T", &file_arg],
        &format!("{base}/"),
    )
    .await;
    assert!(ok, "upload refused: {err}");
    let text = report(&report_url, "demo-generic", &token, "lignes reçues").await;
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert!(
        text.contains("4 lignes reçues : 3 offres créées, 0 modifiée, 0 inchangée"),
        "{text}"
    );
    assert!(text.contains("1 ligne refusée"), "{text}");
    // The rejected line is named: line 5 of the file (the header is line 1), its reference,
    // the column and the reason.
    assert!(
        text.lines()
            .any(|l| l.starts_with("5;FTPS-4;rome_code;Z9999;Code ROME inconnu")),
        "{text}"
    );
    assert_eq!(
        names("demo-generic", &token, &format!("{base}/")).await,
        ["offers.csv", "offers.csv.report.csv"]
    );

    // The offers are published (trusted profile) and found by the search API.
    let mut visitor = app.client();
    for (query, title) in [
        ("crepier", "Crêpier·ère en apprentissage"),
        ("ostreiculteur", "Ostréiculteur·rice en alternance"),
    ] {
        let found = visitor
            .get(&format!("/api/v1/offers/search?q={query}"))
            .await;
        found.assert_status(StatusCode::OK);
        assert!(found.contains(title), "{query}: {}", found.text);
    }
    let goemonier = visitor.get("/api/v1/offers/search?q=goemonier").await;
    assert_eq!(goemonier.json()["total"], 0, "{}", goemonier.text);

    // The sender gets the report by mail.
    let mail = app.last_mail_to(TRAINING_STAFF).await;
    assert!(mail.subject.contains("offers.csv"), "{}", mail.subject);
    assert!(mail.body.contains("3 offres créées"), "{}", mail.body);
    assert!(mail.body.contains("demo-generic"), "{}", mail.body);

    // (b) The same file again: nothing to create, every offer unchanged; the new report
    // replaces the old one.
    let (ok, _, err) = ftps(
        "demo-generic",
        &token,
        &["-T", &file_arg],
        &format!("{base}/"),
    )
    .await;
    assert!(ok, "second upload refused: {err}");
    report(
        &report_url,
        "demo-generic",
        &token,
        "0 offre créée, 0 modifiée, 3 inchangées",
    )
    .await;

    // Reports are Passerelle's: a partner cannot upload one.
    let (ok, _, _) = ftps(
        "demo-generic",
        &token,
        &["-T", &file_arg],
        &format!("{base}/forged.report.csv"),
    )
    .await;
    assert!(!ok);
    assert_eq!(
        names("demo-generic", &token, &format!("{base}/")).await,
        ["offers.csv", "offers.csv.report.csv"]
    );

    // (c) Plain FTP: no login without TLS, and nothing is listed.
    let credentials = format!("demo-generic:{token}");
    let (ok, listing, err) = curl(&["--user", &credentials, &format!("{base}/")]).await;
    assert!(!ok, "plain FTP accepted: {listing}");
    assert!(listing.is_empty());
    assert!(err.contains("534") || err.contains("530"), "{err}");

    // (e) A second partner, the chamber, with a token of its own staff: its own folder, empty,
    // and no way to the first partner's files.
    let chamber_token = token_of(&app, CHAMBER_STAFF).await;
    let (ok, listing, err) = ftps("chambre-demo", &chamber_token, &[], &format!("{base}/")).await;
    assert!(ok, "second partner refused: {err}");
    assert!(listing.trim().is_empty(), "{listing}");
    let absolute = folder.join("offers.csv").display().to_string();
    for url in [
        format!("{base}/../demo-generic/"),
        format!("{base}/../demo-generic/offers.csv"),
        format!("{base}/..%2Fdemo-generic%2Foffers.csv"),
        format!("{base}/%2Fdemo-generic/offers.csv"),
        format!("{base}/%2F..%2Fdemo-generic%2Foffers.csv"),
        format!("{base}/%2F{}", absolute.trim_start_matches('/')),
        format!(
            "{base}/%2F{}/",
            folder.display().to_string().trim_start_matches('/')
        ),
    ] {
        let (ok, out, _) = ftps("chambre-demo", &chamber_token, &["--path-as-is"], &url).await;
        assert!(!ok, "{url} answered: {out}");
        assert!(
            !out.contains("FTPS-1") && !out.contains("offers.csv"),
            "{url}: {out}"
        );
    }
    // The chamber's token does not open the training centre's profile either.
    let (ok, _, _) = ftps("demo-generic", &chamber_token, &[], &format!("{base}/")).await;
    assert!(!ok, "another organisation's staff logged in");

    // (d) Wrong, revoked and foreign tokens, unknown profile: refused.
    let (ok, _, _) = ftps("demo-generic", "psl_faux", &[], &format!("{base}/")).await;
    assert!(!ok, "wrong token accepted");
    let mut staff = app.login_as(TRAINING_STAFF).await;
    let revoked = staff.new_api_token().await;
    let page = staff.get("/compte").await;
    // Its row shows its first characters, then its revoke button.
    let row = page
        .text
        .find(&format!("<code>{}…</code>", &revoked[..10]))
        .expect("the token is listed");
    let id = page.text[row..]
        .split("/compte/jetons/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("its revoke button")
        .to_owned();
    staff
        .post_form(&format!("/compte/jetons/{id}/revoquer"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let (ok, _, _) = ftps("demo-generic", &revoked, &[], &format!("{base}/")).await;
    assert!(!ok, "revoked token accepted");
    let (ok, _, _) = ftps("profil-inconnu", &token, &[], &format!("{base}/")).await;
    assert!(!ok, "unknown profile accepted");

    // The training centre's own token still works after these refusals.
    let (ok, _, err) = ftps(
        "demo-generic",
        &token,
        &["--list-only"],
        &format!("{base}/"),
    )
    .await;
    assert!(ok, "{err}");

    // (f) An organisation the chamber has not validated cannot log in, so uploads nothing,
    // even with a valid token of its administrator and a profile of its own.
    crate::imports::pending_company_profile(&app).await;
    let garage_token = token_of(&app, "garage.kerherve@demo.passerelle.test").await;
    let (ok, _, _) = ftps(
        "garage-import",
        &garage_token,
        &["-T", &file_arg],
        &format!("{base}/"),
    )
    .await;
    assert!(!ok, "an organisation not validated uploaded a file");

    server.shutdown().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_funder_drops_its_lheo_catalogue_over_ftps() {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let certs = tempfile::tempdir().unwrap();
    let server = start(&app, certs.path()).await;
    let base = format!("ftp://{}", server.address());
    // The Region's software sends the catalogue back with one title changed.
    let mut visitor = app.client();
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    let changed = export.replace(
        "Titre professionnel Vendeur-conseil en magasin",
        "Titre professionnel Vendeur-conseil en magasin (session de printemps)",
    );
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("catalogue.xml");
    std::fs::write(&file, changed).unwrap();
    let file_arg = file.display().to_string();
    let token = token_of(&app, "funder@demo.passerelle.test").await;
    let (ok, _, err) = ftps(
        "demo-region-lheo",
        &token,
        &["-T", &file_arg],
        &format!("{base}/"),
    )
    .await;
    assert!(ok, "upload refused: {err}");
    report(
        &format!("{base}/catalogue.xml.report.csv"),
        "demo-region-lheo",
        &token,
        "4 formations reçues : 0 créée, 1 modifiée, 3 inchangées, 0 refusée.",
    )
    .await;
    let found = visitor
        .get("/api/v1/trainings/sessions?q=printemps")
        .await
        .json();
    assert_eq!(found["total"], 2, "{found}");
    // The training centre's token does not open the Region's folder.
    let centre_token = token_of(&app, TRAINING_STAFF).await;
    let (ok, _, _) = ftps(
        "demo-region-lheo",
        &centre_token,
        &["--list-only"],
        &format!("{base}/"),
    )
    .await;
    assert!(!ok);
    server.shutdown().await.unwrap();
}

/// Two nodes on one database, each with its FTPS server and its own (empty) data folder: the
/// partner's folder is the same on both, whichever received a file and whichever imported it.
/// Folders, deletions and renames behave as on a disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_folder_is_the_same_on_every_node() {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let other = app.another_node(|_| {}).await;
    let certs = tempfile::tempdir().unwrap();
    let a = start(&app, certs.path()).await;
    let b = start(&other, certs.path()).await;
    let (a_url, b_url) = (
        format!("ftp://{}", a.address()),
        format!("ftp://{}", b.address()),
    );
    let token = token_of(&app, TRAINING_STAFF).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("offers.csv");
    std::fs::write(&file, offers_csv()).unwrap();
    let file_arg = file.display().to_string();
    let user = "demo-generic";

    // Sent to A: listed by B, its report fetched from B.
    let (ok, _, err) = ftps(user, &token, &["-T", &file_arg], &format!("{a_url}/")).await;
    assert!(ok, "upload refused: {err}");
    let text = report(
        &format!("{b_url}/offers.csv.report.csv"),
        user,
        &token,
        "3 offres créées",
    )
    .await;
    assert!(text.contains("Code ROME inconnu"), "{text}");
    assert_eq!(
        names(user, &token, &format!("{b_url}/")).await,
        ["offers.csv", "offers.csv.report.csv"]
    );
    // The file itself comes back whole from B.
    let (ok, back, _) = ftps(user, &token, &[], &format!("{b_url}/offers.csv")).await;
    assert!(ok);
    assert_eq!(back, offers_csv());

    // A sub-folder made through B receives a file through A (curl makes it, then enters it).
    let (ok, _, err) = ftps(
        user,
        &token,
        &["--ftp-create-dirs", "-T", &file_arg],
        &format!("{b_url}/nuit/"),
    )
    .await;
    assert!(ok, "sub-folder upload refused: {err}");
    report(
        &format!("{a_url}/nuit/offers.csv.report.csv"),
        user,
        &token,
        "3 inchangées",
    )
    .await;
    assert_eq!(
        names(user, &token, &format!("{a_url}/")).await,
        ["nuit", "offers.csv", "offers.csv.report.csv"]
    );

    // Renamed through A: the report follows; deleted through B: gone everywhere.
    let (ok, _, err) = ftps(
        user,
        &token,
        &["-Q", "-RNFR nuit/offers.csv", "-Q", "-RNTO nuit/hier.csv"],
        &format!("{a_url}/"),
    )
    .await;
    assert!(ok, "rename refused: {err}");
    assert_eq!(
        names(user, &token, &format!("{b_url}/nuit/")).await,
        ["hier.csv", "hier.csv.report.csv"]
    );
    let (ok, _, err) = ftps(
        user,
        &token,
        &["-Q", "-DELE nuit/hier.csv", "-Q", "-RMD nuit"],
        &format!("{b_url}/"),
    )
    .await;
    assert!(ok, "delete refused: {err}");
    assert_eq!(
        names(user, &token, &format!("{a_url}/")).await,
        ["offers.csv", "offers.csv.report.csv"]
    );
    // A report alone may be deleted once fetched; a folder that holds files may not be.
    let (ok, _, err) = ftps(
        user,
        &token,
        &["-Q", "-DELE offers.csv.report.csv"],
        &format!("{a_url}/"),
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(
        names(user, &token, &format!("{b_url}/")).await,
        ["offers.csv"]
    );
    let (ok, _, _) = ftps(user, &token, &[], &format!("{b_url}/absent/")).await;
    assert!(!ok, "a folder that does not exist was listed");

    // Nothing of it lies on either node's disk.
    for node in [&app, &other] {
        assert!(!node.state.config.data_dir.join("ftps").exists());
    }
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
