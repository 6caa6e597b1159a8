//! Outcomes: a hire records a contract the candidate confirms or corrects and fills the offer;
//! a pre-registration goes on after entry (qualification, drop-out reason, situation six
//! months later, answered by the person through a single-use link or recorded by the
//! adviser); the figures reach the dashboards and the evaluation annex, which counts sex,
//! situation and every strand, with no cell left "non calculable".

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::applications::offer_id;
use crate::both_backends;
use crate::helpers::{Client, TestApp};
use crate::prescriptions::{day, demo_session};

both_backends!(
    a_hire_records_a_contract_the_candidate_confirms,
    six_months_after_a_training_the_situation_is_recorded,
    the_annex_counts_sex_situation_and_every_strand,
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";
const OTHER_RECRUITER: &str = "garage.kerherve@demo.passerelle.test";
const PRESCRIBER: &str = "prescriber@demo.passerelle.test";
const OTHER_PRESCRIBER: &str = "conseillere.brest@demo.passerelle.test";
const CENTRE: &str = "training_staff@demo.passerelle.test";
const ADMIN: &str = "regional_admin@demo.passerelle.test";

/// The annex of the year to date, as the regional team reads it through the API.
async fn annex(app: &TestApp) -> Value {
    let mut admin = app.login_as(ADMIN).await;
    let token = admin.new_api_token().await;
    let r = app
        .client()
        .api_get(
            &format!("/api/v1/reports/annex?du=01/01/2020&au={}", day(400)),
            &token,
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.json()
}

/// A table of an annex or dashboard answer, by key.
fn table<'a>(answer: &'a Value, key: &str) -> &'a Value {
    answer["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no table {key} in {answer}"))
}

/// The cell of a row (by its first cell) and column (by its header).
fn cell(table: &Value, row: &str, column: &str) -> Value {
    let col = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {table}"));
    let found = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| cell_text(&r[0]) == row)
        .unwrap_or_else(|| panic!("no row {row} in {table}"));
    found[col].clone()
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .values()
            .next()
            .map(|v| v.as_str().map(str::to_owned).unwrap_or(v.to_string()))
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap(),
        Value::Object(o) => o.values().next().and_then(Value::as_i64).unwrap_or(0),
        other => panic!("not a number: {other}"),
    }
}

async fn a_hire_records_a_contract_the_candidate_confirms(app: TestApp) {
    let app = app.with_demo().await;
    let before = annex(&app).await;
    let contracts_before = int(&cell(
        table(&before, "contrats-par-mois"),
        "Total",
        "Contrats",
    ));
    let mut candidate = app.login_as(CANDIDATE).await;
    let offer = offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    candidate.get(&format!("/offres/{offer}")).await;
    let r = candidate
        .post_form(
            &format!("/offres/{offer}/candidater"),
            &[(
                "message",
                "Bonjour, je prépare un CAP et je cherche une boulangerie à Rennes.",
            )],
        )
        .await;
    let page = r.location();
    let id = page.trim_start_matches("/candidatures/").to_owned();
    let step = format!("/candidatures/{id}/etape");

    // The recruiter records the hire: a contract type and a first day that exist.
    let mut recruiter = app.login_as(RECRUITER).await;
    let shown = recruiter.get(&page).await;
    assert!(shown.contains("Recruter : le contrat signé"));
    assert!(shown.contains("Contrat d’apprentissage"));
    let r = recruiter
        .post_form(
            &step,
            &[
                ("step", "recruter"),
                ("contract_type", "apprentissage"),
                ("contract_start", "31/02/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        recruiter
            .get(&page)
            .await
            .contains("Cette date n’existe pas")
    );
    let r = recruiter
        .post_form(
            &step,
            &[
                ("step", "recruter"),
                ("contract_type", "stage"),
                ("contract_start", "05/01/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        recruiter
            .get(&page)
            .await
            .contains("Choisissez le type de contrat")
    );
    let r = recruiter
        .post_form(
            &step,
            &[
                ("step", "recruter"),
                ("contract_type", "apprentissage"),
                ("contract_start", "05/01/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let shown = recruiter.get(&page).await;
    assert!(shown.contains("Recrutement"), "{}", shown.text);
    assert!(shown.contains("marquée « Pourvue »"));
    assert!(shown.contains("Contrat d’apprentissage, début le 05/01/2027"));
    assert!(shown.contains("en attente de confirmation"));
    // Its only position taken, the offer is filled and leaves the search.
    let offer_page = app.client().get(&format!("/offres/{offer}")).await;
    assert!(offer_page.contains("Pourvue") || offer_page.status == StatusCode::NOT_FOUND);
    let search = app.client().get("/api/v1/offers?q=boulanger").await;
    assert!(
        !search.text.contains(&offer),
        "a filled offer is still searchable"
    );
    let mail = app.last_mail_to(CANDIDATE).await;
    assert!(
        mail.body
            .contains("contrat d’apprentissage commençant le 05/01/2027")
    );

    // Another company's recruiter can neither see nor confirm it.
    let mut other = app.login_as(OTHER_RECRUITER).await;
    other.get(&page).await.assert_status(StatusCode::NOT_FOUND);
    let r = other
        .post_form(
            &format!("/candidatures/{id}/contrat"),
            &[
                ("contract_type", "apprentissage"),
                ("contract_start", "05/01/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    // Nor can the recruiter confirm in the candidate's place.
    let token = recruiter.new_api_token().await;
    let r = app
        .client()
        .api_json(
            "POST",
            &format!("/api/v1/applications/{id}/contract"),
            &token,
            json!({}),
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);

    // The candidate corrects the first day; the company is told.
    let shown = candidate.get(&page).await;
    assert!(shown.contains("Votre contrat"));
    let r = candidate
        .post_form(
            &format!("/candidatures/{id}/contrat"),
            &[
                ("contract_type", "apprentissage"),
                ("contract_start", "12/01/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let shown = candidate.get(&page).await;
    assert!(shown.contains("le contrat est corrigé"));
    assert!(shown.contains("début le 12/01/2027"));
    assert!(shown.contains("corrigé par le ou la candidat·e"));
    assert!(!shown.contains("Confirmer le contrat"));
    let told = app.last_mail_to(RECRUITER).await;
    assert!(told.subject.contains("Contrat corrigé"));
    assert!(told.body.contains("commençant le 12/01/2027"));
    // Once confirmed, it stays (409 through the API).
    let ctoken = candidate.new_api_token().await;
    let r = app
        .client()
        .api_json(
            "POST",
            &format!("/api/v1/applications/{id}/contract"),
            &ctoken,
            json!({"contract_start": "19/01/2027"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    let r = app
        .client()
        .api_get(&format!("/api/v1/applications/{id}"), &ctoken)
        .await;
    let application = &r.json()["application"];
    assert_eq!(application["contract_type"], "apprentissage");
    assert_eq!(application["contract_start"], "2027-01-12");
    assert_eq!(application["contract_corrected"], true);

    // The contract reaches the annex and the regional dashboard, named, not coded.
    let after = annex(&app).await;
    let contracts = table(&after, "contrats-par-mois");
    assert_eq!(
        int(&cell(contracts, "Total", "Contrats")),
        contracts_before + 1
    );
    assert!(int(&cell(contracts, "Total", "dont apprentissage")) >= 1);
    let departments = table(&after, "contrats-par-departement");
    assert!(int(&cell(departments, "Ille-et-Vilaine (35)", "Contrats")) >= 1);
    let filled = table(&after, "offres-pourvues");
    assert!(int(&cell(filled, "dont pourvues", "Nombre")) >= 1);
    let mut admin = app.login_as(ADMIN).await;
    let dashboard = admin.get("/tableau-de-bord").await;
    assert!(dashboard.contains("Contrats signés grâce à la plateforme"));
    // The hiring company counts it on its dashboard; another company does not.
    for (email, expected) in [(RECRUITER, 1), (OTHER_RECRUITER, 0)] {
        let token = app.login_as(email).await.new_api_token().await;
        let r = app
            .client()
            .api_get(
                &format!("/api/v1/reports/dashboard?du=01/01/2020&au={}", day(400)),
                &token,
            )
            .await;
        r.assert_status(StatusCode::OK);
        let theirs = r.json();
        assert_eq!(
            int(&cell(
                table(&theirs, "contrats-par-mois"),
                "Total",
                "Contrats"
            )),
            expected,
            "{email}"
        );
    }
}

/// The prescriber pre-registers a new person (with or without an e-mail address).
async fn pre_register(
    prescriber: &mut Client<'_>,
    session: &str,
    last_name: &str,
    email: &str,
    sex: &str,
) -> String {
    let path = format!("/formations/sessions/{session}/preinscription");
    prescriber.get(&path).await.assert_status(StatusCode::OK);
    let r = prescriber
        .post_form(
            &path,
            &[
                ("first_name", "Camille"),
                ("last_name", last_name),
                ("birth_date", "12/05/2004"),
                ("email", email),
                ("phone", "06 12 34 56 78"),
                ("situation", "student"),
                ("level", "3"),
                ("sex", sex),
                ("consent", "oui"),
                ("motive", "Projet de reconversion validé en entretien."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
        .trim_start_matches("/preinscriptions/")
        .to_owned()
}

async fn six_months_after_a_training_the_situation_is_recorded(app: TestApp) {
    let app = app.with_demo().await;
    let before = annex(&app).await;
    let total =
        |a: &Value, column: &str| int(&cell(table(a, "parcours-par-financeur"), "Total", column));
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let mailed = pre_register(
        &mut prescriber,
        &session,
        "Suivi",
        "camille.suivi@example.org",
        "female",
    )
    .await;
    let unmailed = pre_register(&mut prescriber, &session, "Sansmail", "", "").await;
    let mut centre = app.login_as(CENTRE).await;
    let token = centre.new_api_token().await;
    let mut api = app.client();
    for id in [&mailed, &unmailed] {
        let path = format!("/api/v1/prescriptions/{id}/steps");
        for body in [
            json!({"step": "accept"}),
            json!({"step": "enter", "date": day(0)}),
        ] {
            let r = api.api_json("POST", &path, &token, body.clone()).await;
            assert_eq!(r.status, StatusCode::OK, "{body}: {}", r.text);
        }
    }
    // The end with its qualification; a drop-out with a coded reason (no words needed).
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/prescriptions/{mailed}/steps"),
            &token,
            json!({"step": "complete", "date": day(1), "qualification": "diplome"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("certification"));
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/prescriptions/{mailed}/steps"),
            &token,
            json!({"step": "complete", "date": day(1), "qualification": "obtained"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/prescriptions/{unmailed}/steps"),
            &token,
            json!({"step": "drop_out", "date": day(1), "dropout_reason": "job"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let page = prescriber.get(&format!("/preinscriptions/{mailed}")).await;
    assert!(page.contains("Certification obtenue"));
    let due = (passerelle::clock::today_paris() + chrono::Duration::days(1))
        .checked_add_months(chrono::Months::new(6))
        .unwrap()
        .format("%d/%m/%Y")
        .to_string();
    assert!(
        page.contains(&format!("à recueillir à partir du {due}")),
        "{}",
        page.text
    );
    let page = prescriber
        .get(&format!("/preinscriptions/{unmailed}"))
        .await;
    assert!(page.contains("Reprise d’un emploi"));

    // Too early: the adviser cannot record it yet.
    let ptoken = prescriber.new_api_token().await;
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/prescriptions/{mailed}/followup"),
            &ptoken,
            json!({"situation": "in_job"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.text.contains(&due));

    // Six months later, the person with an address gets a single-use link.
    app.state.clock.advance(chrono::Duration::days(200));
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let ptoken = prescriber.new_api_token().await;
    let mail = app.last_mail_to("camille.suivi@example.org").await;
    assert!(mail.subject.contains("Six mois après votre formation"));
    let link = mail.link();
    assert!(link.starts_with("/suivi?jeton="));
    let secret = link.trim_start_matches("/suivi?jeton=").to_owned();
    let mut person = app.client();
    let form = person.get(&link).await;
    form.assert_status(StatusCode::OK);
    assert!(form.contains("CAP Boulanger en un an"));
    let r = person
        .post_form("/suivi", &[("jeton", &secret), ("situation", "retraite")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Choisissez la situation"));
    let r = person
        .post_form("/suivi", &[("jeton", &secret), ("situation", "in_job")])
        .await;
    r.assert_status(StatusCode::OK);
    assert!(r.contains("Merci"));
    assert!(r.contains("En emploi"));
    // The link served once.
    let r = person
        .post_form("/suivi", &[("jeton", &secret), ("situation", "seeking")])
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert!(r.contains("n’est plus valable"));
    person.get(&link).await.assert_status(StatusCode::NOT_FOUND);
    let page = prescriber.get(&format!("/preinscriptions/{mailed}")).await;
    assert!(page.contains("En emploi</strong> (réponse de la personne)"));
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/prescriptions/{mailed}/followup"),
            &ptoken,
            json!({"situation": "seeking"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);

    // Without an address, the adviser records it; another agency cannot.
    let mut other = app.login_as(OTHER_PRESCRIBER).await;
    other
        .get(&format!("/preinscriptions/{unmailed}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other.get("/tableau-de-bord").await;
    other
        .post_form(
            &format!("/preinscriptions/{unmailed}/suivi"),
            &[("situation", "in_training")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let page = prescriber
        .get(&format!("/preinscriptions/{unmailed}"))
        .await;
    assert!(page.contains("Situation six mois après la formation"));
    let r = prescriber
        .post_form(
            &format!("/preinscriptions/{unmailed}/suivi"),
            &[("situation", "in_training")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = prescriber
        .get(&format!("/preinscriptions/{unmailed}"))
        .await;
    assert!(page.contains("En formation</strong> (enregistrée par le prescripteur)"));

    // The outcomes reach the annex and the agency's dashboard.
    let after = annex(&app).await;
    assert_eq!(
        total(&after, "Entrées en formation"),
        total(&before, "Entrées en formation") + 2
    );
    for (column, more) in [
        ("Formations terminées", 1),
        ("Certifications obtenues (en tout ou partie)", 1),
        ("Abandons", 1),
        ("À 6 mois : en emploi", 1),
        ("À 6 mois : en formation", 1),
    ] {
        assert_eq!(
            total(&after, column),
            total(&before, column) + more,
            "{column}"
        );
    }
    let network = table(&after, "parcours-par-reseau");
    assert!(int(&cell(network, "France Travail", "À 6 mois : en emploi")) >= 1);
    let dashboard = prescriber.get("/tableau-de-bord").await;
    assert!(dashboard.contains("Parcours des personnes entrées en formation"));
    // Another agency's pathways count none of these people.
    let token = other.new_api_token().await;
    let theirs = api
        .api_get(
            &format!("/api/v1/reports/dashboard?du=01/01/2020&au={}", day(400)),
            &token,
        )
        .await
        .json();
    assert_eq!(
        int(&cell(
            table(&theirs, "parcours-par-financeur"),
            "Total",
            "Entrées en formation"
        )),
        0
    );
}

async fn the_annex_counts_sex_situation_and_every_strand(app: TestApp) {
    let app = app.with_demo().await;
    let before = annex(&app).await;
    // A candidate signs up, giving a situation and a sex (both optional; a wrong code is a
    // clear error that keeps what was typed).
    let mut visitor = app.client();
    visitor.get("/inscription/candidat").await;
    let mut fields = vec![
        ("first_name", "Inès"),
        ("last_name", "Le Gall"),
        ("email", "ines.legall@example.org"),
        ("birth_date", "03/04/2008"),
        ("password", "un mot de passe long"),
        ("password_confirm", "un mot de passe long"),
        ("consent", "oui"),
        ("situation", "apprentice"),
        ("sex", "autre"),
    ];
    let r = visitor.post_form("/inscription/candidat", &fields).await;
    assert!(r.contains("Pour le sexe, choisissez"), "{}", r.text);
    assert!(r.contains("Le Gall"));
    fields.pop();
    fields.push(("sex", "female"));
    let r = visitor.post_form("/inscription/candidat", &fields).await;
    r.assert_status(StatusCode::SEE_OTHER);
    // A person pre-registered by an adviser: a student, a man.
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    pre_register(&mut prescriber, &session, "Annexe", "", "male").await;

    let after = annex(&app).await;
    let sex = table(&after, "annexe-par-sexe");
    let delta = |row: &str, column: &str| {
        int(&cell(sex, row, column)) - int(&cell(table(&before, "annexe-par-sexe"), row, column))
    };
    assert_eq!(delta("Total", "Femmes"), 1);
    assert_eq!(delta("Total", "Hommes"), 1);
    assert_eq!(
        delta("Bourse de l’alternance (candidats inscrits)", "Femmes"),
        1
    );
    assert_eq!(delta("Pré-inscriptions en formation", "Hommes"), 1);
    let situation = |a: &Value, row: &str| {
        int(&cell(
            table(a, "annexe-par-situation"),
            row,
            "Bénéficiaires",
        ))
    };
    assert_eq!(
        situation(&after, "Apprentis"),
        situation(&before, "Apprentis") + 1
    );
    assert_eq!(
        situation(&after, "Étudiants"),
        situation(&before, "Étudiants") + 1
    );
    // Every strand is counted, each saying what it counts.
    let strands = table(&after, "annexe-par-dispositif");
    for row in [
        "Bourse de l’alternance (candidats inscrits)",
        "Pré-inscriptions en formation",
        "Service d’information (appelants)",
        "Espaces Métiers (visiteurs)",
        "Programme des professionnels (stagiaires)",
    ] {
        cell(strands, row, "Bénéficiaires");
    }
    assert!(
        table(&after, "annexe-par-age")["note"]
            .as_str()
            .unwrap()
            .contains("Dispositifs comptés")
    );
    // Consolidations: per partner, per department (names), per prescriber network.
    let networks = table(&after, "annexe-reseaux-prescripteurs");
    assert!(int(&cell(networks, "France Travail", "Pré-inscriptions")) >= 1);
    let departments = table(&after, "annexe-par-departement");
    cell(departments, "Ille-et-Vilaine (35)", "Offres créées");
    let partners = table(&after, "annexe-contributions-partenaires");
    assert!(
        int(&cell(
            partners,
            "France Travail Rennes Est",
            "Pré-inscriptions envoyées ou reçues"
        )) >= 1
    );
    // Nothing the data could fill is left "non calculable".
    assert!(!after.to_string().contains("non_calculable"), "{after}");

    // The workbook's sheet names are whole words.
    let mut admin = app.login_as(ADMIN).await;
    let r = admin.get("/rapports/annexe/annexe.xlsx").await;
    r.assert_status(StatusCode::OK);
}
