//! The LHÉO files a region receives besides LHÉO 2.3 and 2.2, imported through the funder's
//! import profile over HTTP: `lheo-index` summaries create entries marked as summaries that a
//! full record completes later; the Mon Compte Formation catalogue is read as the LHÉO it
//! extends, its own elements kept in `extras`; an unknown namespace is refused in French.
//! The files are small ones written for these tests.

use axum::http::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Client, TestApp};
use crate::trainings::{counts, send, validate};

both_backends!(
    an_index_summary_creates_an_entry_a_full_record_completes,
    a_mon_compte_formation_catalogue_imports_with_its_extensions,
    an_lheo_file_in_an_unknown_namespace_is_refused_in_french,
);

const FUNDER: &str = "funder@demo.passerelle.test";
const PRESCRIBER: &str = "prescriber@demo.passerelle.test";
const NOTICE: &str = "Fiche résumée : le détail complet n’a pas encore été transmis.";
const HREF: &str = "https://carif.example/offres/IDX-SOUDURE-27.xml";
const MON_COMPTE_FORMATION: &str = include_str!("../fixtures/lheo/moncompteformation.xml");

/// The files' sessions run in 2027: the tests happen on 1 December 2026.
fn set_clock(app: &TestApp) {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap();
    app.state.clock.set_paris(at);
}

/// An `lheo-index` file (LHÉO 2.2 namespace) summarising one training.
fn index(title: &str, recruitment: u8) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<lheo-index xmlns="http://www.lheo.org/2.2">
  <resumes-offres>
    <resume-offre numero="IDX-SOUDURE-27" href="{HREF}" datemaj="20261120">
      <domaine-formation>
        <code-FORMACODE>23054</code-FORMACODE>
        <code-ROME>H2913</code-ROME>
      </domaine-formation>
      <intitule-formation>{title}</intitule-formation>
      <nom-organisme>Atelier Soudure de Lorient</nom-organisme>
      <SIRET>41902378500019</SIRET>
      <codepostal>56100</codepostal>
      <code-INSEE-commune>56121</code-INSEE-commune>
      <ville>Lorient</ville>
      <departement>56</departement>
      <certifiante>1</certifiante>
      <code-niveau-entree>3</code-niveau-entree>
      <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>
      <code-public-vise>80056</code-public-vise>
      <nombre-heures-total>560</nombre-heures-total>
      <session numero="IDX-SOUDURE-27-S1">
        <periode>
          <debut>20270301</debut>
          <fin>20270630</fin>
        </periode>
        <etat-recrutement>{recruitment}</etat-recrutement>
      </session>
    </resume-offre>
  </resumes-offres>
</lheo-index>
"#
    )
    .into_bytes()
}

/// The full LHÉO 2.3 record of the training [`index`] summarises.
fn full_record() -> Vec<u8> {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<lheo xmlns="http://lheo.gouv.fr/2.3">
  <offres>
    <formation numero="IDX-SOUDURE-27">
      <domaine-formation>
        <code-FORMACODE>23054</code-FORMACODE>
        <code-ROME>H2913</code-ROME>
      </domaine-formation>
      <intitule-formation>Soudeur TIG – parcours complet</intitule-formation>
      <objectif-formation>Réaliser des soudures TIG sur acier et inox.</objectif-formation>
      <resultats-attendus>Titre professionnel Soudeur TIG électrode enrobée.</resultats-attendus>
      <contenu-formation>Lecture de plans, préparation des pièces, soudage en toutes positions.</contenu-formation>
      <certifiante>1</certifiante>
      <contact-formation>
        <coordonnees/>
      </contact-formation>
      <parcours-de-formation>1</parcours-de-formation>
      <code-niveau-entree>3</code-niveau-entree>
      <action numero="IDX-SOUDURE-27-A1">
        <rythme-formation>Temps plein</rythme-formation>
        <code-public-vise>80056</code-public-vise>
        <niveau-entree-obligatoire>0</niveau-entree-obligatoire>
        <modalites-alternance>Stage de quatre semaines en entreprise</modalites-alternance>
        <modalites-enseignement>0</modalites-enseignement>
        <conditions-specifiques>Aptitude médicale au poste</conditions-specifiques>
        <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>
        <modalites-entrees-sorties>0</modalites-entrees-sorties>
        <session numero="IDX-SOUDURE-27-S1">
          <periode>
            <debut>20270301</debut>
            <fin>20270630</fin>
          </periode>
          <adresse-inscription>
            <adresse>
              <ligne>2 rue de l’Arsenal</ligne>
              <codepostal>56100</codepostal>
              <ville>Lorient</ville>
              <code-INSEE-commune>56121</code-INSEE-commune>
            </adresse>
          </adresse-inscription>
          <etat-recrutement>1</etat-recrutement>
        </session>
      </action>
      <organisme-formation-responsable>
        <numero-activite>53560111156</numero-activite>
        <SIRET-organisme-formation>
          <SIRET>41902378500019</SIRET>
        </SIRET-organisme-formation>
        <nom-organisme>Atelier Soudure de Lorient</nom-organisme>
        <raison-sociale>Atelier Soudure de Lorient SAS</raison-sociale>
        <coordonnees-organisme>
          <coordonnees>
            <adresse>
              <ligne>2 rue de l’Arsenal</ligne>
              <codepostal>56100</codepostal>
              <ville>Lorient</ville>
            </adresse>
          </coordonnees>
        </coordonnees-organisme>
        <contact-organisme>
          <coordonnees>
            <telfixe><numtel>02 97 44 55 66</numtel></telfixe>
          </coordonnees>
        </contact-organisme>
      </organisme-formation-responsable>
    </formation>
  </offres>
</lheo>
"#
    .as_bytes()
    .to_vec()
}

/// The one row of the catalogue CSV about a training.
fn catalogue_row(csv: &str, numero: &str) -> String {
    let rows: Vec<&str> = csv
        .lines()
        .filter(|l| l.starts_with(&format!("{numero};")))
        .collect();
    assert_eq!(rows.len(), 1, "{csv}");
    rows[0].to_owned()
}

async fn found(visitor: &mut Client<'_>, q: &str) -> Value {
    let r = visitor
        .get(&format!("/api/v1/trainings/sessions?q={q}"))
        .await;
    r.assert_status(StatusCode::OK);
    r.json()
}

async fn an_index_summary_creates_an_entry_a_full_record_completes(app: TestApp) {
    let app = app.with_demo().await;
    set_clock(&app);
    let mut funder = app.login_as(FUNDER).await;
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let mut visitor = app.client();

    // The summary creates an entry: found by its words, marked, with the full record's link.
    let run = send(&mut api, &token, index("Soudeur TIG électrode enrobée", 1)).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(counts(&run), [1, 1, 0, 0], "{run}");
    let hits = found(&mut visitor, "soudeur").await;
    assert_eq!(hits["total"], 1, "{hits}");
    let hit = &hits["sessions"][0];
    assert_eq!(hit["title"], "Soudeur TIG électrode enrobée");
    assert_eq!(hit["organisation"], "Atelier Soudure de Lorient");
    assert_eq!(hit["commune"], "Lorient");
    assert_eq!(hit["start"], "01/03/2027");
    assert_eq!(hit["summary"], true);
    assert_eq!(hit["summary_notice"], NOTICE);
    assert_eq!(hit["summary_href"], HREF);
    let session_id = hit["session_id"].as_str().unwrap().to_owned();
    // Around Lorient too: the place of the summary is the session's.
    let around = visitor
        .get("/api/v1/trainings/sessions?q=soudeur&commune=Lorient&rayon=10")
        .await
        .json();
    assert_eq!(around["total"], 1, "{around}");

    // The pages say it is a summary.
    let page = visitor.get("/formations?q=soudeur").await;
    page.assert_status(StatusCode::OK);
    assert!(page.text.contains(NOTICE), "{}", page.text);
    assert!(
        page.text
            .contains("carif.example/offres/IDX-SOUDURE-27.xml")
    );
    let detail = visitor
        .get(&format!("/formations/sessions/{session_id}"))
        .await;
    detail.assert_status(StatusCode::OK);
    assert!(detail.text.contains(NOTICE), "{}", detail.text);
    assert!(
        detail
            .text
            .contains("La pré-inscription en ligne n’est pas possible")
    );
    assert!(detail.text.contains("560 heures"), "{}", detail.text);
    let api_detail = visitor
        .get(&format!("/api/v1/trainings/sessions/{session_id}"))
        .await
        .json();
    assert_eq!(api_detail["summary"], true, "{api_detail}");
    assert_eq!(api_detail["summary_href"], HREF);

    // Nobody is pre-registered on it: the adviser is told why, before and after sending.
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session_page = prescriber
        .get(&format!("/formations/sessions/{session_id}"))
        .await;
    assert!(!session_page.text.contains("Pré-inscrire une personne"));
    let path = format!("/formations/sessions/{session_id}/preinscription");
    let form = prescriber.get(&path).await;
    form.assert_status(StatusCode::OK);
    assert!(
        form.text.contains("n’est connue que par une fiche résumée"),
        "{}",
        form.text
    );
    let r = prescriber
        .post_form(
            &path,
            &[
                ("first_name", "Enora"),
                ("last_name", "Le Bras"),
                ("birth_date", "14/03/2001"),
                ("email", "enora.lebras@example.org"),
                ("phone", "06 12 34 56 78"),
                ("situation", "job_seeker"),
                ("level", "3"),
                ("job_seeker_id", "1234567A"),
                ("consent", "oui"),
                ("motive", "Projet de reconversion dans la chaudronnerie."),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("n’est connue que par une fiche résumée"));

    // The LHÉO export stays valid: the summary follows the offers, said to be one.
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    validate(&export);
    assert!(
        export.contains("<extras info=\"fiche-resumee\" numero=\"IDX-SOUDURE-27\">"),
        "{export}"
    );
    assert!(export.contains(NOTICE));
    assert!(export.contains(HREF));
    assert!(!export.contains("<formation numero=\"IDX-SOUDURE-27\">"));
    // So does the CSV export, one row per session.
    let csv = visitor.get("/formations/catalogue.csv").await;
    csv.assert_status(StatusCode::OK);
    let row = catalogue_row(&csv.text, "IDX-SOUDURE-27");
    assert_eq!(
        row,
        format!(
            "IDX-SOUDURE-27;Soudeur TIG électrode enrobée;Atelier Soudure de Lorient;41902378500019;56100 Lorient;resume-offre;IDX-SOUDURE-27-S1;01/03/2027;30/06/2027;Recrutement ouvert;résumée;{NOTICE};{HREF}"
        )
    );

    // The same summary again changes nothing; a new title replaces the summary's.
    let run = send(&mut api, &token, index("Soudeur TIG électrode enrobée", 1)).await;
    assert_eq!(counts(&run), [1, 0, 0, 1], "{run}");
    let run = send(
        &mut api,
        &token,
        index("Soudeur TIG (session de printemps)", 1),
    )
    .await;
    assert_eq!(counts(&run), [1, 0, 1, 0], "{run}");
    let hits = found(&mut visitor, "soudeur").await;
    assert_eq!(
        hits["sessions"][0]["title"],
        "Soudeur TIG (session de printemps)"
    );
    assert_eq!(hits["sessions"][0]["summary"], true);

    // The full record completes the same training: no more mark, its session replaces the
    // summary's.
    let run = send(&mut api, &token, full_record()).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(counts(&run), [1, 0, 1, 0], "{run}");
    let hits = found(&mut visitor, "soudeur").await;
    assert_eq!(hits["total"], 1, "{hits}");
    let hit = &hits["sessions"][0];
    assert_eq!(hit["title"], "Soudeur TIG – parcours complet");
    assert_eq!(hit["summary"], false);
    assert_eq!(hit["summary_notice"], Value::Null);
    assert_eq!(hit["summary_href"], Value::Null);
    let full_session = hit["session_id"].as_str().unwrap().to_owned();
    let detail = visitor
        .get(&format!("/formations/sessions/{full_session}"))
        .await;
    assert!(!detail.text.contains(NOTICE));
    assert!(detail.text.contains("Aptitude médicale au poste"));
    let form = prescriber
        .get(&format!(
            "/formations/sessions/{full_session}/preinscription"
        ))
        .await;
    assert!(!form.text.contains("fiche résumée"));
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    validate(&export);
    assert!(export.contains("<formation numero=\"IDX-SOUDURE-27\">"));
    assert!(!export.contains("fiche-resumee"));
    let csv = visitor.get("/formations/catalogue.csv").await.text;
    assert_eq!(
        catalogue_row(&csv, "IDX-SOUDURE-27"),
        "IDX-SOUDURE-27;Soudeur TIG – parcours complet;Atelier Soudure de Lorient;41902378500019;56100 Lorient;IDX-SOUDURE-27-A1;IDX-SOUDURE-27-S1;01/03/2027;30/06/2027;Recrutement ouvert;complète;;"
    );

    // A summary never overwrites a full record: it only updates the recruitment of the
    // sessions it lists.
    let run = send(&mut api, &token, index("Soudeur TIG électrode enrobée", 1)).await;
    assert_eq!(counts(&run), [1, 0, 0, 1], "{run}");
    let run = send(&mut api, &token, index("Soudeur TIG électrode enrobée", 2)).await;
    assert_eq!(counts(&run), [1, 0, 1, 0], "{run}");
    let hits = found(&mut visitor, "soudeur").await;
    let hit = &hits["sessions"][0];
    assert_eq!(hit["title"], "Soudeur TIG – parcours complet");
    assert_eq!(hit["summary"], false);
    assert_eq!(hit["recruitment"], "closed");

    // A summary listing no session is found too, its dates to be specified; one without a
    // title cannot be shown and is refused with its reason, in French.
    let more = r#"<?xml version="1.0" encoding="UTF-8"?>
<lheo-index xmlns="http://lheo.gouv.fr/2.3">
  <resumes-offres>
    <resume-offre numero="IDX-CHAUDRON">
      <domaine-formation><code-FORMACODE>31734</code-FORMACODE></domaine-formation>
      <intitule-formation>Chaudronnier en tôlerie fine</intitule-formation>
      <nom-organisme>Atelier Soudure de Lorient</nom-organisme>
      <SIRET>41902378500019</SIRET>
      <ville>Lorient</ville>
      <departement>56</departement>
      <certifiante>0</certifiante>
      <code-niveau-entree>0</code-niveau-entree>
      <prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>
      <code-public-vise>80056</code-public-vise>
    </resume-offre>
    <resume-offre numero="IDX-SANS-TITRE">
      <nom-organisme>Atelier Soudure de Lorient</nom-organisme>
    </resume-offre>
  </resumes-offres>
</lheo-index>
"#;
    let run = send(&mut api, &token, more.as_bytes().to_vec()).await;
    assert_eq!(counts(&run), [2, 1, 0, 0], "{run}");
    assert_eq!(run["rejected"], 1, "{run}");
    assert!(
        run.to_string()
            .contains("résumé sans intitulé (intitule-formation)"),
        "{run}"
    );
    let hits = found(&mut visitor, "chaudronnier").await;
    assert_eq!(hits["total"], 1, "{hits}");
    assert_eq!(hits["sessions"][0]["start"], "date à préciser");
    assert_eq!(hits["sessions"][0]["summary"], true);
    assert_eq!(hits["sessions"][0]["summary_href"], Value::Null);
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    validate(&export);
    assert!(
        export.contains("<extras info=\"fiche-resumee\" numero=\"IDX-CHAUDRON\">"),
        "{export}"
    );
    // The session the catalogue gave it says nothing, and is not exported.
    assert!(!export.contains("<extras info=\"session\""), "{export}");
}

async fn a_mon_compte_formation_catalogue_imports_with_its_extensions(app: TestApp) {
    let app = app.with_demo().await;
    set_clock(&app);
    let mut funder = app.login_as(FUNDER).await;
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let mut visitor = app.client();

    let run = send(&mut api, &token, MON_COMPTE_FORMATION.as_bytes().to_vec()).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(counts(&run), [1, 1, 0, 0], "{run}");
    let hits = found(&mut visitor, "toeic").await;
    assert_eq!(hits["total"], 1, "{hits}");
    let hit = &hits["sessions"][0];
    assert_eq!(hit["title"], "Anglais professionnel – préparation au TOEIC");
    assert_eq!(hit["commune"], "Vannes");
    assert_eq!(hit["summary"], false);
    assert_eq!(hit["places"], 10);

    // Its own elements are kept in the extras of the training, action and session.
    let session_id = hit["session_id"].as_str().unwrap();
    let detail = visitor
        .get(&format!("/api/v1/trainings/sessions/{session_id}"))
        .await
        .json();
    let training = &detail["training"];
    let mcf = |name: &str, text: &str| {
        format!("<{name} xmlns=\"https://www.of.moncompteformation.gouv.fr\">{text}</{name}>")
    };
    let extras = training["extras"].as_str().unwrap_or_default();
    assert!(
        extras.contains("<extras info=\"moncompteformation\">"),
        "{extras}"
    );
    assert!(extras.contains(&mcf("eligible-cpf", "1")), "{extras}");
    assert!(extras.contains(&mcf("qualiopi", "1")), "{extras}");
    let action = &training["actions"][0];
    let extras = action["extras"].as_str().unwrap_or_default();
    assert!(extras.contains(&mcf("frais-anpec", "0")), "{extras}");
    assert!(extras.contains("<modalites-handicap xmlns="), "{extras}");
    let session = &action["sessions"][0];
    let extras = session["extras"].as_str().unwrap_or_default();
    assert!(extras.contains(&mcf("places-cpf", "6")), "{extras}");

    // Exported as valid LHÉO 2.3 with them; the export read back changes nothing.
    let export = visitor.get("/api/v1/trainings/lheo").await.text;
    validate(&export);
    assert!(export.contains(&mcf("frais-anpec", "0")), "{export}");
    let run = send(&mut api, &token, export.into_bytes()).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(run["created"], 0, "{run}");
    assert_eq!(run["updated"], 0, "{run}");
}

async fn an_lheo_file_in_an_unknown_namespace_is_refused_in_french(app: TestApp) {
    let app = app.with_demo().await;
    set_clock(&app);
    let mut funder = app.login_as(FUNDER).await;
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let mut visitor = app.client();

    let unknown = MON_COMPTE_FORMATION.replace(
        "https://www.of.moncompteformation.gouv.fr",
        "https://catalogue.example.org/offres",
    );
    let run = send(&mut api, &token, unknown.into_bytes()).await;
    assert_eq!(run["status"], "failed", "{run}");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(
            "Espace de noms « https://catalogue.example.org/offres » non reconnu pour l’élément racine"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "« https://www.of.moncompteformation.gouv.fr » (catalogue Mon Compte Formation)"
        ),
        "{error}"
    );
    assert_eq!(found(&mut visitor, "toeic").await["total"], 0);
}
