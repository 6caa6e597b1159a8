//! The training catalogue: public search of sessions, LHÉO 2.3 export valid against the
//! schema, LHÉO import over HTTP (round trip, malformed files, encodings), sessions kept by
//! their centre.

use axum::http::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    sessions_are_found_by_words_place_dates_and_funding,
    the_lheo_export_validates_and_round_trips,
    malformed_lheo_files_are_reported_per_training,
    a_session_is_kept_by_its_centre_only,
    a_file_nested_too_deep_is_refused_and_changes_nothing,
);

const FUNDER: &str = "funder@demo.passerelle.test";
const CENTRE: &str = "training_staff@demo.passerelle.test";

fn titles(found: &Value) -> Vec<String> {
    found["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn sessions_are_found_by_words_place_dates_and_funding(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    // French analysis: the feminine form and accents find the training.
    let found = visitor
        .get("/api/v1/trainings/sessions?q=boulang%C3%A8re")
        .await
        .json();
    let t = titles(&found);
    assert!(t.contains(&"CAP Boulanger en un an".to_owned()), "{t:?}");
    assert!(!t.contains(&"Titre professionnel Vendeur-conseil en magasin".to_owned()));
    // By ROME code.
    let t = titles(
        &visitor
            .get("/api/v1/trainings/sessions?metier=D1106")
            .await
            .json(),
    );
    assert_eq!(
        t,
        [
            "Titre professionnel Vendeur-conseil en magasin",
            "Titre professionnel Vendeur-conseil en magasin"
        ]
    );
    // Around Brest (20 km): only the Brest centre's sessions; department 35: only Rennes.
    let t = titles(
        &visitor
            .get("/api/v1/trainings/sessions?commune=29200&rayon=20")
            .await
            .json(),
    );
    assert!(
        !t.is_empty() && t.iter().all(|t| t == "CAP Boulanger – parcours adultes"),
        "{t:?}"
    );
    let found = visitor
        .get("/api/v1/trainings/sessions?departement=35")
        .await
        .json();
    assert_eq!(found["total"], 6);
    // Dates: only what starts in the next 30 days.
    let to = (passerelle::clock::today_paris() + chrono::Duration::days(30))
        .format("%d/%m/%Y")
        .to_string();
    let t = titles(
        &visitor
            .get(&format!("/api/v1/trainings/sessions?debut_max={to}"))
            .await
            .json(),
    );
    assert_eq!(t, ["Découverte des métiers de l’alimentation"]);
    // Bad input: French, structured.
    let r = visitor
        .get("/api/v1/trainings/sessions?debut_min=demain&metier=xqzw")
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("JJ/MM/AAAA"));
    assert!(r.text.contains("Aucun métier ne correspond à « xqzw »"));
    // The page: list, places, the mandatory prescription, the map box.
    let page = visitor
        .get("/formations?q=boulanger&financees=oui&places=oui")
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("CAP Boulanger en un an"));
    assert!(page.contains("12 places disponibles"));
    assert!(page.contains("Pré-inscription par un conseiller"));
    let page = visitor.get("/formations?commune=Nulle-Part-sur-Mer").await;
    assert!(page.contains("Aucune commune ne correspond"));
}

/// Sends an LHÉO file through the funder's import profile; returns the finished run.
pub async fn send(api: &mut Client<'_>, token: &str, body: Vec<u8>) -> Value {
    let r = api
        .api_send(
            "/api/v1/imports?profile=demo-region-lheo&name=catalogue.xml",
            token,
            "application/xml",
            body,
        )
        .await;
    r.assert_status(StatusCode::ACCEPTED);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let run = api.api_get(&format!("/api/v1/imports/{id}"), token).await;
        let run = run.json();
        if !["queued", "running", "indexing"].contains(&run["status"].as_str().unwrap_or("")) {
            return run;
        }
        // The file waits in the queue for the job runner.
        api.app().run_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the import never finished");
}

pub fn counts(run: &Value) -> [i64; 4] {
    ["received", "created", "updated", "unchanged"].map(|k| run[k].as_i64().unwrap())
}

/// Validates XML against the LHÉO 2.3 schema with xmllint (Debian's libxml2-utils).
pub fn validate(xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lheo/lheo-2.3.xsd"
    );
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&file)
        .output()
        .expect("xmllint is needed (apt-get install libxml2-utils; scripts/test installs it)");
    assert!(
        out.status.success(),
        "the LHÉO export does not validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn the_lheo_export_validates_and_round_trips(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let export = visitor.get("/api/v1/trainings/lheo").await;
    export.assert_status(StatusCode::OK);
    assert!(export.text.contains("xmlns=\"http://lheo.gouv.fr/2.3\""));
    assert!(export.text.contains("CAP Boulanger en un an"));
    validate(&export.text);
    // The same file as a download on the catalogue page.
    let file = visitor.get("/formations/catalogue.xml").await;
    assert_eq!(file.text, export.text);

    // Import → export → import: the catalogue is the same, nothing changes.
    let mut funder = app.login_as(FUNDER).await;
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let run = send(&mut api, &token, export.text.clone().into_bytes()).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(counts(&run), [4, 0, 0, 4]);
    let again = visitor.get("/api/v1/trainings/lheo").await;
    assert_eq!(again.text, export.text);

    // A changed title updates that training only; a new numero creates one.
    let changed = export.text.replace(
        "CAP Boulanger en un an",
        "CAP Boulanger en un an (rentrée d’hiver)",
    );
    let run = send(&mut api, &token, changed.into_bytes()).await;
    assert_eq!(counts(&run), [4, 0, 1, 3], "{run}");
    let found = visitor
        .get("/api/v1/trainings/sessions?q=hiver")
        .await
        .json();
    assert_eq!(found["total"], 2);

    // ISO-8859-1 files are read with their accents.
    let latin1: Vec<u8> = export
        .text
        .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"")
        .replace(
            "<?xml version=\"1.0\"?>",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
        )
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let run = send(&mut api, &token, latin1).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(counts(&run)[0], 4);
    // (The curly apostrophe has no Latin-1 code: it arrives as "?", the accents intact.)
    let found = visitor
        .get("/api/v1/trainings/sessions?q=alimentation")
        .await
        .json();
    assert!(
        titles(&found)[0].starts_with("Découverte des métiers de l"),
        "{found}"
    );
}

async fn malformed_lheo_files_are_reported_per_training(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    let mut funder = app.login_as(FUNDER).await;
    let token = funder.new_api_token().await;
    let mut api = app.client();

    // A month date is fine, an impossible day is not: that training is rejected, with a
    // French reason and its line; the others are applied.
    let start = export.find("<debut>").unwrap() + "<debut>".len();
    let mut bad_date = export.clone();
    bad_date.replace_range(start..start + 8, "20170931");
    let run = send(&mut api, &token, bad_date.into_bytes()).await;
    assert_eq!(run["status"], "done");
    assert_eq!(run["rejected"], 1, "{run}");
    assert_eq!(run["unchanged"], 3);
    let id = run["id"].as_str().unwrap();
    let report = api
        .api_get(&format!("/api/v1/imports/{id}"), &token)
        .await
        .json();
    let text = report.to_string();
    assert!(text.contains("20170931"), "{text}");

    // A missing mandatory element.
    let from = export.find("<objectif-formation>").unwrap();
    let to = export.find("</objectif-formation>").unwrap() + "</objectif-formation>".len();
    let mut missing = export.clone();
    missing.replace_range(from..to, "");
    let run = send(&mut api, &token, missing.into_bytes()).await;
    assert_eq!(run["rejected"], 1, "{run}");
    let id = run["id"].as_str().unwrap();
    let report = api
        .api_get(&format!("/api/v1/imports/{id}"), &token)
        .await
        .text;
    assert!(report.contains("objectif-formation"), "{report}");

    // A wrong namespace refuses the whole file and changes nothing.
    let wrong = export.replace("http://lheo.gouv.fr/2.3", "http://example.org/lheo");
    let run = send(&mut api, &token, wrong.into_bytes()).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("http://lheo.gouv.fr/2.3"),
        "{run}"
    );
    // Truncated XML too.
    let run = send(
        &mut api,
        &token,
        export.as_bytes()[..export.len() / 2].to_vec(),
    )
    .await;
    assert_eq!(run["status"], "failed", "{run}");
    let after = visitor.get("/api/v1/trainings/lheo").await.text;
    assert_eq!(after, export);

    // A training centre publishes only its own trainings.
    let mut centre = app.login_as(CENTRE).await;
    let page = centre.get("/imports").await;
    page.assert_status(StatusCode::OK);
    let centre_token = centre.new_api_token().await;
    let r = api
        .api_send(
            "/api/v1/imports?profile=demo-generic&name=catalogue.xml",
            &centre_token,
            "application/xml",
            export.clone().into_bytes(),
        )
        .await;
    r.assert_status(StatusCode::ACCEPTED);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let mut run = Value::Null;
    for _ in 0..200 {
        run = api
            .api_get(&format!("/api/v1/imports/{id}"), &centre_token)
            .await
            .json();
        if run["status"] == "done" || run["status"] == "failed" {
            break;
        }
        // The file waits in the queue for the job runner.
        api.app().run_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    // Its own three trainings are created under its name, the Brest one is refused.
    assert_eq!(run["created"], 3, "{run}");
    assert_eq!(run["rejected"], 1, "{run}");
    assert!(
        run.to_string()
            .contains("n’est pas celui de votre organisme")
    );
}

async fn a_session_is_kept_by_its_centre_only(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let session = crate::prescriptions::demo_session(&mut visitor, "CAP Boulanger en un an").await;
    let path = format!("/formations/sessions/{session}/etat");

    let mut centre = app.login_as(CENTRE).await;
    let page = centre.get(&format!("/formations/sessions/{session}")).await;
    assert!(page.contains("Tenir la session à jour"));
    let state_of = |json: Value| json["training"]["actions"][0]["sessions"][0].clone();
    let r = centre
        .post_form(&path, &[("recruitment", "suspended"), ("places", "-3")])
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = centre.get(&format!("/formations/sessions/{session}")).await;
    assert!(page.contains("Le nombre de places est un nombre entier"));
    let now = visitor
        .get(&format!("/api/v1/trainings/sessions/{session}"))
        .await
        .json();
    assert_eq!(state_of(now)["recruitment"], "open");
    centre
        .post_form(&path, &[("recruitment", "suspended"), ("places", "8")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = centre.get(&format!("/formations/sessions/{session}")).await;
    assert!(page.contains("L’état du recrutement de la session est enregistré."));

    // Another centre, a prescriber, a visitor: no.
    for email in [
        "formation.brest@demo.passerelle.test",
        "prescriber@demo.passerelle.test",
    ] {
        let mut other = app.login_as(email).await;
        let page = other.get(&format!("/formations/sessions/{session}")).await;
        assert!(!page.contains("Tenir la session à jour"));
        other
            .post_form(&path, &[("recruitment", "open"), ("places", "12")])
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let anonymous = visitor
        .post_form_raw(&path, &[("recruitment", "open")])
        .await;
    assert_ne!(anonymous.status, StatusCode::SEE_OTHER);
    let after = visitor
        .get(&format!("/api/v1/trainings/sessions/{session}"))
        .await
        .json();
    let state = state_of(after);
    assert_eq!(state["recruitment"], "suspended");
    assert_eq!(state["places"], 8);
}

async fn a_file_nested_too_deep_is_refused_and_changes_nothing(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    let mut centre = app.login_as(CENTRE).await;
    let token = centre.new_api_token().await;
    let mut api = app.client();
    let nested = |name: &str, depth: usize| {
        format!("<{name}>").repeat(depth) + &format!("</{name}>").repeat(depth)
    };
    // 10,000 levels inside an `extra` (70 KB), 40,000 anywhere in a `formation`: both used to
    // overflow the stack and abort the server.
    let extra = export
        .find("<extra ")
        .expect("the demo catalogue has extras");
    let extra = extra + export[extra..].find('>').unwrap() + 1;
    let in_formation = export.find("</intitule-formation>").unwrap();
    for (at, depth) in [(extra, 10_000), (in_formation, 40_000)] {
        let mut deep = export.clone();
        deep.insert_str(at, &nested("niveau", depth));
        let line = 1 + export[..at].matches('\n').count();
        let r = api
            .api_send(
                "/api/v1/imports?profile=demo-generic&name=catalogue.xml",
                &token,
                "application/xml",
                deep.into_bytes(),
            )
            .await;
        r.assert_status(StatusCode::ACCEPTED);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let mut run = Value::Null;
        for _ in 0..200 {
            run = api
                .api_get(&format!("/api/v1/imports/{id}"), &token)
                .await
                .json();
            if run["status"] == "done" || run["status"] == "failed" {
                break;
            }
            // The file waits in the queue for the job runner.
            api.app().run_jobs().await;
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(run["status"], "failed", "{run}");
        assert_eq!(
            run["error"],
            format!(
                "Éléments imbriqués trop profondément, ligne {line} : plus de 100 niveaux. Un fichier LHÉO n’en compte qu’une dizaine ; vérifiez le logiciel qui a produit ce fichier."
            ),
            "{run}"
        );
    }
    // The server is still up, and the catalogue is what it was.
    let after = visitor.get("/api/v1/trainings/lheo").await;
    after.assert_status(StatusCode::OK);
    assert_eq!(after.text, export);
}
