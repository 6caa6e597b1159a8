use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    communes_by_name_postal_code_and_accents,
    rome_and_naf,
    bad_parameters_are_french_json
);

async fn communes_by_name_postal_code_and_accents(app: TestApp) {
    let mut c = app.client();
    let r = c.get("/api/v1/referential/communes?q=rennes").await;
    r.assert_status(StatusCode::OK);
    let items = r.json();
    let first = &items[0];
    assert_eq!(first["insee_code"], "35238");
    assert_eq!(first["name"], "Rennes");
    assert!((first["lat"].as_f64().unwrap() - 48.11).abs() < 0.01);
    assert!((first["lon"].as_f64().unwrap() + 1.68).abs() < 0.01);
    assert_eq!(first["geo_precision"], "commune");
    assert_eq!(first["department"], "35");
    assert!(first["postal_codes"].as_str().unwrap().contains("35000"));

    let brest = c.get("/api/v1/referential/communes?q=29200").await.json();
    assert_eq!(brest[0]["insee_code"], "29019");

    // Accent- and case-insensitive, hyphens as spaces; biggest population first.
    let quimperle = c
        .get("/api/v1/referential/communes?q=QUIMPERLE")
        .await
        .json();
    assert_eq!(quimperle[0]["name"], "Quimperlé");
    let malo = c
        .get("/api/v1/referential/communes?q=saint%20malo")
        .await
        .json();
    assert_eq!(malo[0]["name"], "Saint-Malo");
    let saint = c
        .get("/api/v1/referential/communes?q=saint&limit=5")
        .await
        .json();
    let populations: Vec<i64> = saint
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["population"].as_i64().unwrap())
        .collect();
    assert_eq!(populations.len(), 5);
    assert!(
        populations.windows(2).all(|w| w[0] >= w[1]),
        "{populations:?}"
    );

    let none = c.get("/api/v1/referential/communes?q=zzzzzz").await.json();
    assert_eq!(none.as_array().unwrap().len(), 0);
}

async fn rome_and_naf(app: TestApp) {
    let mut c = app.client();
    let rome = c.get("/api/v1/referential/rome?q=boulang").await.json();
    let codes: Vec<&str> = rome
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"D1102"), "{codes:?}");
    let by_code = c.get("/api/v1/referential/rome?q=d1102").await.json();
    assert_eq!(by_code[0]["label"], "Boulanger / Boulangère");
    let words = c
        .get("/api/v1/referential/rome?q=boulangere%20chef")
        .await
        .json();
    assert_eq!(words[0]["code"], "D1108");
    let naf = c.get("/api/v1/referential/naf").await.json();
    assert_eq!(naf.as_array().unwrap().len(), 89);
    let departments = c.get("/api/v1/referential/departments").await.json();
    assert!(
        departments
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "29" && d["name"] == "Finistère")
    );
}

async fn bad_parameters_are_french_json(app: TestApp) {
    let mut c = app.client();
    let r = c
        .get("/api/v1/referential/communes?q=rennes&limit=beaucoup")
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let body = r.json();
    assert_eq!(body["code"], "bad_request");
    assert_eq!(
        body["message"],
        "La valeur du paramètre « limit » de l’adresse n’est pas valide."
    );
}

both_backends!(official_files_update_codes_and_the_chamber_lists_the_retired_ones);

const CHAMBER: &str = "registration_officer@demo.passerelle.test";
const EMBEDDED_ROME: &str = include_str!("../../data/reference/rome.csv");
const EMBEDDED_COMMUNES: &str = include_str!("../../data/reference/communes.csv");
const EMBEDDED_NAF: &str = include_str!("../../data/reference/naf.csv");

/// `passerelle reference load …` on the app's database (its own, empty data folder).
fn reference_load(app: &TestApp, args: &[&str]) -> (bool, String) {
    let data = tempfile::tempdir().unwrap();
    let mut all = vec!["reference", "load"];
    all.extend_from_slice(args);
    let (status, out) =
        crate::cli::run_binary(&app.state.config.database_url, data.path(), &all, &[]);
    (status.success(), out)
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The embedded ROME file with D1102 relabelled, Z9901 added and D1104 (used by a demo
/// offer) left out, saved with a byte order mark as a spreadsheet would.
fn new_rome_file() -> String {
    let mut text = String::from("\u{feff}");
    for line in EMBEDDED_ROME.lines() {
        match line.split(';').next() {
            Some("D1104") => continue,
            Some("D1102") => text.push_str("D1102;Boulanger / Boulangère de fournil"),
            _ => text.push_str(line),
        }
        text.push_str("\r\n");
    }
    text.push_str("Z9901;Métier d’essai\r\n");
    text
}

fn officer_of_finistere(app: &TestApp) {
    let data = tempfile::tempdir().unwrap();
    let url = &app.state.config.database_url;
    let run = |args: &[&str]| {
        let (status, out) = crate::cli::run_binary(url, data.path(), args, &[]);
        assert!(status.success(), "{out}");
    };
    run(&[
        "org",
        "create",
        "--kind",
        "chamber",
        "--name",
        "CCI du Finistère",
        "--departments",
        "29",
    ]);
    run(&[
        "user",
        "create",
        "--email",
        "cci29@exemple.fr",
        "--role",
        "registration_officer",
        "--org",
        "CCI du Finistère",
        "--password",
        passerelle::demo::PASSWORD,
    ]);
}

fn offer_form<'a>(rome: &'a str, commune: &'a str, start_date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", "Apprenti·e pâtissier·ère de Cesson"),
        ("rome", rome),
        (
            "description",
            "Entremets, viennoiseries et tartes : toute la production, avec un maître d’apprentissage.",
        ),
        ("contract_type", "apprentissage"),
        ("level", "3"),
        ("duration_months", "24"),
        ("commune", commune),
        ("positions", "1"),
        ("start_date", start_date),
    ]
}

async fn rome_label(app: &TestApp, q: &str) -> serde_json::Value {
    app.client()
        .get(&format!("/api/v1/referential/rome?q={q}"))
        .await
        .json()
}

async fn official_files_update_codes_and_the_chamber_lists_the_retired_ones(app: TestApp) {
    let app = app.with_demo().await;
    officer_of_finistere(&app);
    // A candidate of Cesson-Sévigné looks for pastry work (D1104).
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    candidate.get("/profil").await;
    let profile = [
        ("rome1", "D1104"),
        ("commune", "35051"),
        ("mobility_km", "20"),
        ("level_reached", "3"),
        (
            "presentation",
            "J’aime me lever tôt et travailler de mes mains.",
        ),
        ("visible", "oui"),
    ];
    candidate
        .post_form("/profil", &profile)
        .await
        .assert_status(StatusCode::SEE_OTHER);

    let dir = tempfile::tempdir().unwrap();
    let rome = write(dir.path(), "rome.csv", &new_rome_file());
    let communes_text: String = EMBEDDED_COMMUNES
        .lines()
        .filter(|l| !l.starts_with("35051;"))
        .map(|l| format!("{l}\n"))
        .collect();
    let communes = write(dir.path(), "communes.csv", &communes_text);
    // NAF: division 47 relabelled, subclass 47.24Z gone.
    let naf_text: String = EMBEDDED_NAF
        .lines()
        .filter(|l| !l.starts_with("47.24Z;"))
        .map(|l| match l.strip_prefix("47;division;") {
            Some(_) => "47;division;Commerce de détail (hors automobiles)\n".to_owned(),
            None => format!("{l}\n"),
        })
        .collect();
    let naf = write(dir.path(), "naf.csv", &naf_text);

    // A malformed file is refused with its line, and nothing changes, the good file included.
    let broken = write(
        dir.path(),
        "rome-casse.csv",
        "code;label\nD1102;Boulanger\nD11;Pâtissier\n",
    );
    let (ok, out) = reference_load(&app, &["--rome", &broken, "--communes", &communes]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "Erreur : {broken}, ligne 3 : « D11 » n’est pas un code ROME (une majuscule et quatre chiffres, par exemple D1102)"
        )),
        "{out}"
    );
    let mut chamber = app.login_as(CHAMBER).await;
    let list = chamber.get("/referentiel/codes-retires").await;
    list.assert_status(StatusCode::OK);
    assert!(list.contains("Aucune offre ni aucun profil de votre territoire"));
    assert_eq!(
        rome_label(&app, "d1102").await[0]["label"],
        "Boulanger / Boulangère"
    );
    let cesson = app
        .client()
        .get("/api/v1/referential/communes?q=35051")
        .await
        .json();
    assert_eq!(cesson[0]["name"], "Cesson-Sévigné");

    // The official files: a report per kind, line by line.
    let (ok, out) = reference_load(
        &app,
        &["--rome", &rome, "--communes", &communes, "--naf", &naf],
    );
    assert!(ok, "{out}");
    for line in [
        "Métiers ROME : 1584 lignes lues ; 1 ajouté, 1 renommé, 1 retiré, 0 remis en service.",
        "  ajouté : Z9901 « Métier d’essai »",
        "  renommé : D1102 « Boulanger / Boulangère » → « Boulanger / Boulangère de fournil »",
        "  retiré : D1104 « Pâtissier / Pâtissière »",
        "Communes : 35013 lignes lues ; 0 ajouté, 0 renommé, 1 retiré, 0 remis en service.",
        "  retiré : 35051 « Cesson-Sévigné »",
        "Codes NAF : 1706 lignes lues ; 0 ajouté, 1 renommé, 1 retiré, 0 remis en service.",
        "  renommé : 47 « Commerce de détail, à l’exception des automobiles et des motocycles » → « Commerce de détail (hors automobiles) »",
        "  retiré : 47.24Z « Commerce de détail de pain, pâtisserie et confiserie en magasin spécialisé »",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }
    assert_eq!(
        rome_label(&app, "d1102").await[0]["label"],
        "Boulanger / Boulangère de fournil"
    );
    // Retired codes are no longer offered by the autocompletion…
    assert_eq!(rome_label(&app, "D1104").await, serde_json::json!([]));
    let none = app
        .client()
        .get("/api/v1/referential/communes?q=35051")
        .await
        .json();
    assert_eq!(none, serde_json::json!([]));

    // …but the offer that uses one keeps its name.
    let mut visitor = app.client();
    let list = visitor.get("/offres").await;
    let marker = "\">Apprenti·e pâtissier·ère</a>";
    let end = list.text.find(marker).expect("pastry offer listed");
    let start = list.text[..end].rfind("/offres/").unwrap() + "/offres/".len();
    let offer = list.text[start..end].to_owned();
    let page = visitor.get(&format!("/offres/{offer}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Pâtissier / Pâtissière") && page.contains("ROME D1104"));

    // A new offer cannot choose the retired occupation, in a form or through the API.
    let retired = "Le métier « Pâtissier / Pâtissière » (D1104) a été retiré du référentiel ROME : choisissez un métier en vigueur.";
    let start_date = (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string();
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    let fields = offer_form("D1104", "35051", &start_date);
    let r = recruiter.post_form("/mes-offres", &fields).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains(retired), "{}", r.text);
    assert!(r.contains(
        "La commune « Cesson-Sévigné » (code INSEE 35051) ne figure plus au référentiel des communes"
    ));
    let token = recruiter.new_api_token().await;
    let body: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    let api = app
        .client()
        .api_json(
            "POST",
            "/api/v1/offers",
            &token,
            serde_json::Value::Object(body),
        )
        .await;
    api.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        api.json()["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == retired),
        "{}",
        api.text
    );
    // Nor a candidate's profile.
    let r = candidate.post_form("/profil", &profile).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains(retired));

    // The chamber of the territory sees what to fix, with the names of the codes.
    let list = chamber.get("/referentiel/codes-retires").await;
    list.assert_status(StatusCode::OK);
    for text in [
        "Apprenti·e pâtissier·ère",
        "Offre publiée",
        "Métier (ROME) D1104 « Pâtissier / Pâtissière »",
        "Profil de candidat",
        "Commune 35051 « Cesson-Sévigné »",
        &format!("/offres/{offer}"),
    ] {
        assert!(list.contains(text), "missing {text:?}");
    }
    // The profile's link opens it for the chamber.
    let at = list.text.find("/candidats/").expect("profile link");
    let link: String = list.text[at..].chars().take_while(|c| *c != '"').collect();
    chamber.get(&link).await.assert_status(StatusCode::OK);
    // The chamber does not edit offers: the regional team may.
    assert!(!list.contains(&format!("/mes-offres/{offer}/modifier")));
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let all = admin.get("/referentiel/codes-retires").await;
    assert!(all.contains(&format!("/mes-offres/{offer}/modifier")));
    // The offer's managers are told on its page; visitors are not.
    let mut centre = app.login_as("training_staff@demo.passerelle.test").await;
    let managed = centre.get(&format!("/offres/{offer}")).await;
    assert!(managed.contains(
        "Le métier de cette offre (ROME D1104) a été retiré du référentiel : modifiez l’offre pour choisir un métier en vigueur."
    ));
    assert!(!page.contains("a été retiré du référentiel"));
    let dashboard = chamber.get("/tableau-de-bord").await;
    assert!(
        dashboard.contains("offres ou profils à code retiré"),
        "{}",
        dashboard.text
    );
    // Another chamber's territory holds none of them.
    let mut other = app.login_as("cci29@exemple.fr").await;
    let theirs = other.get("/referentiel/codes-retires").await;
    theirs.assert_status(StatusCode::OK);
    assert!(theirs.contains("Aucune offre ni aucun profil de votre territoire"));
    assert!(!theirs.contains("Apprenti·e pâtissier·ère") && !theirs.contains("D1104"));
    assert!(!other.get("/tableau-de-bord").await.contains("code retiré"));

    // The code back in a later file is in service again.
    let original = write(dir.path(), "rome-2.csv", EMBEDDED_ROME);
    let (ok, out) = reference_load(&app, &["--rome", &original]);
    assert!(ok, "{out}");
    for line in [
        "Métiers ROME : 1584 lignes lues ; 0 ajouté, 1 renommé, 1 retiré, 1 remis en service.",
        "  remis en service : D1104 « Pâtissier / Pâtissière »",
        "  retiré : Z9901 « Métier d’essai »",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }
    // The official NAF tree stays through the start (which refreshes the embedded one).
    let naf_codes = app
        .client()
        .get("/api/v1/referential/naf/codes?q=47.24&limit=50")
        .await
        .json();
    let codes: Vec<&str> = naf_codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["47.24"]);
    let divisions = app.client().get("/api/v1/referential/naf").await.json();
    assert!(
        divisions
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "47" && d["label"] == "Commerce de détail (hors automobiles)")
    );
    let fields = offer_form("D1104", "Rennes", &start_date);
    recruiter
        .post_form("/mes-offres", &fields)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let list = chamber.get("/referentiel/codes-retires").await;
    assert!(!list.contains("D1104") && list.contains("Cesson-Sévigné"));
}
