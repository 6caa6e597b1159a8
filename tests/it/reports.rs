//! Each person's indicators, their downloads (CSV, XLSX read back) and the evaluation annex:
//! figures checked against the demo data, scoped to what each one answers for.

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    each_home_shows_its_own_figures,
    tables_download_as_csv_and_xlsx,
    annex_tables_are_scoped_to_the_beneficiaries,
    precomputed_counts_give_the_same_figures,
);

/// A table (by key) of an API answer.
fn table(tables: &Value, key: &str) -> Value {
    tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no table {key} in {tables}"))
        .clone()
}

/// The row of a table whose first cell is `label`.
fn row_of(table: &Value, label: &str) -> Option<Value> {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == label)
        .cloned()
}

/// The value of a row (by its first cell) in a table (by key) of an API answer.
fn value(tables: &Value, key: &str, row: &str) -> Value {
    let table = table(tables, key);
    row_of(&table, row).unwrap_or_else(|| panic!("no row {row} in {table}"))[1].clone()
}

async fn dashboard(app: &TestApp, email: &str, query: &str) -> Value {
    let mut client = app.login_as(email).await;
    let token = client.new_api_token().await;
    let mut api = app.client();
    let r = api
        .api_get(&format!("/api/v1/reports/dashboard{query}"), &token)
        .await;
    r.assert_status(StatusCode::OK);
    r.json()
}

async fn each_home_shows_its_own_figures(app: TestApp) {
    let app = app.with_demo().await;
    // The demo company posted 4 offers this year: 3 published, 1 waiting for validation.
    let recruiter = dashboard(&app, "recruiter@demo.passerelle.test", "").await;
    assert_eq!(value(&recruiter, "offres-par-statut", "Publiée"), 3);
    assert_eq!(
        value(&recruiter, "offres-par-statut", "En attente de validation"),
        1
    );
    assert_eq!(value(&recruiter, "offres-par-statut", "Total"), 4);
    assert_eq!(
        value(&recruiter, "candidatures-recues", "Candidatures reçues"),
        0
    );
    assert_eq!(
        value(&recruiter, "candidatures-recues", "Taux de réponse (%)")["non_calculable"],
        "aucune donnée sur la période",
        "an empty period says so instead of 0 %"
    );
    // Another company (waiting for validation) has none of them.
    let other = dashboard(&app, "garage.kerherve@demo.passerelle.test", "").await;
    assert_eq!(value(&other, "offres-par-statut", "Total"), 0);
    // An empty period.
    let past = dashboard(
        &app,
        "recruiter@demo.passerelle.test",
        "?du=01/01/2020&au=31/01/2020",
    )
    .await;
    assert_eq!(value(&past, "offres-par-statut", "Total"), 0);
    assert_eq!(past["period"], "du 01/01/2020 au 31/01/2020");
    // Bad dates: a French, structured error.
    let mut client = app.login_as("recruiter@demo.passerelle.test").await;
    let token = client.new_api_token().await;
    let r = app
        .client()
        .api_get(
            "/api/v1/reports/dashboard?du=31/12/2026&au=01/01/2026",
            &token,
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("précède"));

    // The region, and one department of it: the demo offers are in 35 (Rennes, Cesson, Vitré).
    let region = dashboard(&app, "regional_admin@demo.passerelle.test", "").await;
    let by_dep = table(&region, "offres-par-departement");
    assert_eq!(by_dep["rows"].as_array().unwrap().len(), 1, "{by_dep}");
    assert_eq!(by_dep["rows"][0][0], "Ille-et-Vilaine (35)");
    assert_eq!(by_dep["rows"][0][7], 4);
    let finistere = dashboard(
        &app,
        "regional_admin@demo.passerelle.test",
        "?departement=29",
    )
    .await;
    let by_dep = table(&finistere, "offres-par-departement");
    assert!(by_dep["rows"].as_array().unwrap().is_empty(), "{by_dep}");
    // Sectors: the bakery offers (D1102) fall in NAF division 10 (food industry) among others.
    let sectors = table(&region, "offres-par-secteur").to_string();
    assert!(sectors.contains("10 – "), "{sectors}");

    // The home page shows the figures with a chart and its table.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let page = admin.get("/tableau-de-bord").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Mes indicateurs"));
    assert!(page.contains("<svg class=\"chart\" role=\"img\""));
    assert!(page.contains("Offres créées sur la période, par département et statut"));
    // Its key figures open the section, before the tables: the offers of the period (the 4 of
    // Ille-et-Vilaine above), each a link to its table.
    let section = &page.text[page.text.find("Mes indicateurs").unwrap()..];
    let offers = crate::applications::key_figure(
        section,
        "offre créée sur la période",
        "offres créées sur la période",
    );
    assert_eq!(offers, 4);
    let figure = section.find("offres créées sur la période</span>").unwrap();
    assert!(
        figure < section.find("<table").unwrap(),
        "key figures before the tables"
    );
    assert!(section.contains("href=\"#titre-offres-par-departement\""));
    // A candidate has no indicators; the others have theirs.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    assert!(
        !candidate
            .get("/tableau-de-bord")
            .await
            .contains("Mes indicateurs")
    );
    let funder = dashboard(&app, "funder@demo.passerelle.test", "").await;
    assert_eq!(value(&funder, "sessions-financees", "Sessions"), 8);
    assert_eq!(value(&funder, "sessions-financees", "Places"), 98);
    let chamber = dashboard(&app, "registration_officer@demo.passerelle.test", "").await;
    assert_eq!(
        value(
            &chamber,
            "validations",
            "Entreprises en attente de validation (aujourd’hui)"
        ),
        1
    );
}

async fn tables_download_as_csv_and_xlsx(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let csv = recruiter.get("/indicateurs/offres-par-statut.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(csv.text.contains("Publiée;3"), "{}", csv.text);
    let xlsx = recruiter.get("/indicateurs/tout.xlsx").await;
    xlsx.assert_status(StatusCode::OK);
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).expect("a valid XLSX file");
    let names = book.sheet_names().to_owned();
    // The recruiter's indicators, then the contracts signed through the platform.
    assert_eq!(
        names[..2],
        ["Offres créées", "Candidatures reçues"],
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "Contrats par mois"), "{names:?}");
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    let sheet = book.worksheet_range(&names[0]).unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(cells.contains(&"Publiée".to_owned()), "{cells:?}");
    assert!(cells.contains(&"3".to_owned()), "{cells:?}");
    // Someone else's table, an unknown table or format: 404.
    recruiter
        .get("/indicateurs/sessions-financees.csv")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    recruiter
        .get("/indicateurs/offres-par-statut.exe")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Visitors must log in.
    let anonymous = app.client().get("/indicateurs/offres-par-statut.csv").await;
    assert_ne!(anonymous.status, StatusCode::OK);
}

async fn annex_tables_are_scoped_to_the_beneficiaries(app: TestApp) {
    let app = app.with_demo().await;
    // An adviser of France Travail Rennes Est pre-registers a 25-year-old job seeker.
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    let session =
        crate::prescriptions::demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let path = format!("/formations/sessions/{session}/preinscription");
    prescriber.get(&path).await;
    let birth = (passerelle::clock::today_paris() - chrono::Duration::days(25 * 366))
        .format("%d/%m/%Y")
        .to_string();
    prescriber
        .post_form(
            &path,
            &[
                ("first_name", "Annaïg"),
                ("last_name", "Le Du"),
                ("birth_date", birth.as_str()),
                ("phone", "06 11 22 33 44"),
                ("situation", "job_seeker"),
                ("level", "4"),
                ("consent", "oui"),
                ("motive", "Reconversion."),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let token = prescriber.new_api_token().await;
    let mut api = app.client();
    let annex = api.api_get("/api/v1/reports/annex", &token).await.json();
    let ages = table(&annex, "annexe-par-age");
    let row = |t: &Value, label: &str| row_of(t, label).unwrap();
    assert_eq!(row(&ages, "18 à 25 ans")[1], 1, "{ages}");
    assert_eq!(row(&ages, "18 à 25 ans")[2], 100.0);
    let situations = table(&annex, "annexe-par-situation");
    assert_eq!(row(&situations, "Demandeurs d’emploi")[1], 1);
    // Every situation is counted now (the adviser's list has pupils, apprentices, students).
    assert_eq!(row(&situations, "Apprentis")[1], 0);
    // Sex is an optional answer: this person gave none, so "Non renseigné".
    let sexes = table(&annex, "annexe-par-sexe");
    assert_eq!(row(&sexes, "Total")[1], 0, "{sexes}");
    assert_eq!(row(&sexes, "Total")[4], 1, "{sexes}");
    assert!(!annex.to_string().contains("non_calculable"), "{annex}");
    let levels = table(&annex, "annexe-par-niveau");
    assert_eq!(row(&levels, "Niveau 4 – baccalauréat")[2], 1);
    assert_eq!(row(&levels, "Niveau 4 – baccalauréat")[1], "IV");

    // The other agency's annex has nobody; the centre's has the person sent to it.
    let mut other = app.login_as("conseillere.brest@demo.passerelle.test").await;
    let other_token = other.new_api_token().await;
    let theirs = api
        .api_get("/api/v1/reports/annex", &other_token)
        .await
        .json();
    assert_eq!(row(&table(&theirs, "annexe-par-age"), "18 à 25 ans")[1], 0);
    let xlsx = other.get("/rapports/annexe/annexe.xlsx").await;
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).expect("XLSX");
    // Seven sheets of beneficiaries, then the three of the pre-registered people's outcomes
    // (an agency has no contracts to see).
    assert_eq!(book.sheet_names().len(), 10, "{:?}", book.sheet_names());
    assert_eq!(book.sheet_names()[0], "Bénéficiaires par dispositif");
    assert!(
        book.sheet_names()
            .iter()
            .any(|n| n == "Parcours par réseau")
    );
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    assert!(
        range
            .rows()
            .all(|r| !r.contains(&calamine::Data::Float(1.0)))
    );
    // A recruiter has no annex.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get("/rapports/annexe")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // The region's page and files.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let page = admin.get("/rapports/annexe").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Bénéficiaires par tranche d’âge"));
    let csv = admin.get("/rapports/annexe/annexe-par-age.csv").await;
    // The region counts the demo candidate (18) and the campaigns' four demo candidates (19)
    // too.
    assert!(csv.text.contains("18 à 25 ans;6;100"), "{}", csv.text);
}

/// Offer counts of a department's row in the region's "offers by department" table:
/// (drafts, pending, total).
fn department_counts(tables: &Value, department: &str) -> (i64, i64, i64) {
    row_of(
        &table(tables, "offres-par-departement"),
        &passerelle::referential::departments::label(department),
    )
    .map_or((0, 0, 0), |r| {
        (
            r[6].as_i64().unwrap(),
            r[2].as_i64().unwrap(),
            r[7].as_i64().unwrap(),
        )
    })
}

/// Whole months come from the precomputed counts once the refresh job has run, the rest from
/// the source tables: the figures are the same either way, a second either side of Paris
/// midnight at the end of a month too, and a change to a counted row shows at once.
async fn precomputed_counts_give_the_same_figures(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    // Drafts in Brest (29) created one second either side of the end of a Paris month.
    let instants = [
        "2025-12-31 22:59:59", // 23:59:59 in Paris (winter time): December
        "2025-12-31 23:00:00", // January
        "2026-03-31 21:59:59", // summer time: March
        "2026-03-31 22:00:00", // April
        "2026-10-31 22:59:59", // winter time again: October
        "2026-10-31 23:00:00", // November
    ];
    let start = (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string();
    let mut ids = Vec::new();
    for at in instants {
        let r = recruiter
            .post_form(
                "/mes-offres",
                &[
                    ("title", "Apprenti·e mécanicien·ne"),
                    ("rome", "I1604"),
                    (
                        "description",
                        "Entretien et réparation de véhicules légers, aux côtés d’un mécanicien confirmé.",
                    ),
                    ("contract_type", "apprentissage"),
                    ("level", "3"),
                    ("training", "CAP Maintenance des véhicules"),
                    ("duration_months", "24"),
                    ("commune", "Brest"),
                    ("positions", "1"),
                    ("start_date", start.as_str()),
                ],
            )
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        let id = r.location().rsplit('/').next().unwrap().to_owned();
        let when = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
        let offer = id.clone();
        app.state
            .db
            .run(move |conn| passerelle::offers::store::backdate(conn, &offer, when))
            .await
            .unwrap();
        ids.push(id);
    }
    let periods = [
        ("01/12/2025", "31/12/2025", 1),
        ("01/01/2026", "31/01/2026", 1),
        ("31/12/2025", "01/01/2026", 2),
        ("01/03/2026", "31/03/2026", 1),
        ("01/04/2026", "30/04/2026", 1),
        ("01/04/2026", "31/10/2026", 2),
        ("01/10/2026", "31/10/2026", 1),
        ("01/11/2026", "30/11/2026", 1),
        ("01/12/2025", "30/11/2026", 6),
        ("02/01/2026", "30/03/2026", 0),
    ];
    let admin = "regional_admin@demo.passerelle.test";
    let officer = "registration_officer@demo.passerelle.test";
    let mut before = Vec::new();
    for (from, to, drafts) in periods {
        let query = format!("?du={from}&au={to}");
        let region = dashboard(&app, admin, &query).await;
        assert_eq!(
            department_counts(&region, "29"),
            (drafts, 0, drafts),
            "{from}–{to}"
        );
        let brest = dashboard(&app, admin, &format!("{query}&departement=29")).await;
        assert_eq!(department_counts(&brest, "29").0, drafts, "{from}–{to}");
        let chamber = dashboard(&app, officer, &query).await;
        before.push((query, region, brest, chamber));
    }
    let token = app.login_as(admin).await.new_api_token().await;
    let annex = |query: String| {
        let token = token.clone();
        let app = &app;
        async move {
            app.client()
                .api_get(&format!("/api/v1/reports/annex{query}"), &token)
                .await
                .json()
        }
    };
    let annex_before = annex("?du=01/12/2025&au=30/11/2026".into()).await;

    // The job stores every month; a second run finds nothing left to do.
    let refresh = || app.state.db.run(passerelle::reports::rollup::refresh);
    assert!(refresh().await.unwrap() >= 6);
    assert_eq!(refresh().await.unwrap(), 0);
    for (query, region, brest, chamber) in &before {
        assert_eq!(&dashboard(&app, admin, query).await, region, "{query}");
        assert_eq!(
            &dashboard(&app, admin, &format!("{query}&departement=29")).await,
            brest,
            "{query}"
        );
        assert_eq!(&dashboard(&app, officer, query).await, chamber, "{query}");
    }
    assert_eq!(
        annex("?du=01/12/2025&au=30/11/2026".into()).await,
        annex_before
    );

    // Submitting the March draft moves it to "waiting for validation" at once, although
    // March had been stored; the next refresh agrees.
    recruiter
        .post_form(&format!("/mes-offres/{}/soumettre", ids[2]), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let march = "?du=01/03/2026&au=31/03/2026";
    let region = dashboard(&app, admin, march).await;
    assert_eq!(department_counts(&region, "29"), (0, 1, 1));
    assert_eq!(refresh().await.unwrap(), 1);
    assert_eq!(dashboard(&app, admin, march).await, region);
}

mod a_change_committed_during_a_refresh_is_not_lost {
    #[tokio::test]
    #[cfg_attr(
        not(pg_tests),
        ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
    )]
    async fn postgres() {
        super::a_change_committed_during_a_refresh_is_not_lost(
            crate::helpers::TestApp::new(crate::helpers::Backend::Postgres).await,
        )
        .await;
    }
}

/// On PostgreSQL writers do not wait for the refresh: a transaction still open while the
/// refresh counts its month leaves a mark of its own, so the month is counted again once it
/// commits. (On SQLite the refresh holds the write lock and no write can interleave.)
async fn a_change_committed_during_a_refresh_is_not_lost(app: TestApp) {
    use diesel::prelude::*;
    use passerelle::db::schema::offers;
    use passerelle::reports::rollup;
    let app = app.with_demo().await;
    let state = app.state.clone();
    let (offer, department) = tokio::task::spawn_blocking(move || {
        let mut writer = state.db.conn().unwrap();
        let mut refresher = state.db.conn().unwrap();
        rollup::refresh(&mut refresher).unwrap();
        // Two offers of the same Paris month.
        let rows: Vec<(String, String, chrono::NaiveDateTime)> = offers::table
            .filter(offers::status.ne("filled"))
            .select((offers::id, offers::department, offers::created_at))
            .load(&mut *refresher)
            .unwrap();
        let month = |at: &chrono::NaiveDateTime| {
            passerelle::web::paris_day(*at).format("%Y-%m").to_string()
        };
        let (x, y) = rows
            .iter()
            .flat_map(|a| rows.iter().map(move |b| (a, b)))
            .find(|(a, b)| a.0 != b.0 && month(&a.2) == month(&b.2))
            .expect("two demo offers of one month");
        // A committed change makes the month dirty for the refresh to see.
        diesel::update(offers::table.find(&y.0))
            .set(offers::status.eq("expired"))
            .execute(&mut *refresher)
            .unwrap();
        // Another transaction fills the other offer, and commits only after the refresh.
        writer
            .transaction(|w| {
                diesel::update(offers::table.find(&x.0))
                    .set(offers::status.eq("filled"))
                    .execute(w)?;
                let stored = rollup::refresh(&mut refresher)
                    .map_err(|_| diesel::result::Error::RollbackTransaction)?;
                assert_eq!(stored, 1, "the month the refresh could see");
                Ok::<_, diesel::result::Error>(())
            })
            .unwrap();
        (x.0.clone(), x.1.clone())
    })
    .await
    .unwrap();
    // The region's dashboard counts the offer as filled, although its month was stored
    // before the change became visible.
    // Sixty days to today: the offer's month is whole in it.
    let today = passerelle::clock::today_paris();
    let period = format!(
        "?du={}&au={}",
        (today - chrono::Duration::days(60)).format("%d/%m/%Y"),
        today.format("%d/%m/%Y")
    );
    let region = dashboard(&app, "regional_admin@demo.passerelle.test", &period).await;
    let row = row_of(
        &table(&region, "offres-par-departement"),
        &passerelle::referential::departments::label(&department),
    )
    .unwrap();
    assert_eq!(row[3], 1, "filled offers of {department} ({offer}): {row}");
    let state = app.state.clone();
    let stored = tokio::task::spawn_blocking(move || {
        rollup::refresh(&mut state.db.conn().unwrap()).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored, 1);
    assert_eq!(
        dashboard(&app, "regional_admin@demo.passerelle.test", &period).await,
        region
    );
}
