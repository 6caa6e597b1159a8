//! Partner imports over HTTP and from the pages: per-row reports, idempotence, snapshots,
//! encodings and vendor formats, whole-file refusals, a failure in the middle of a file, and
//! isolation between partners.

use axum::http::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    a_partner_file_over_http_is_applied_once_with_a_report,
    profiles_presets_encodings_and_snapshots,
    unreadable_files_change_nothing,
    a_failure_in_the_middle_of_a_file_keeps_nothing,
    partners_never_see_each_others_imports,
    gil_and_sigma_exports_are_read,
    an_import_never_acts_for_a_company_that_did_not_delegate,
    unknown_companies_wait_for_the_chamber_when_the_profile_proposes_them,
    an_organisation_not_validated_cannot_import,
    a_million_columns_are_refused_in_a_few_lines,
    a_mark_starting_a_line_stays_out_of_the_reference,
    a_large_file_is_written_in_batches,
);

const CENTRE: &str = "training_staff@demo.passerelle.test";
const GENERIC_HEADER: &str = "reference;title;description;rome_code;naf_division;contract_type;level;commune_insee;lat;lon;start_date;positions;siret;company_name;published_at";

fn start() -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string()
}

/// A valid generic row; `n` varies the reference, the title and the SIRET's company.
pub fn generic_row(reference: &str, title: &str, commune: &str) -> String {
    format!(
        "{reference};{title};Au sein de notre atelier, vous apprendrez le métier aux côtés d’un maître d’apprentissage.;D1102;10;apprentissage;3;{commune};;;{};1;81234567800013;Boulangerie des Lices;2026-11-01T08:00:00Z",
        start()
    )
}

pub fn generic_file(rows: &[String]) -> Vec<u8> {
    let mut text = String::from(GENERIC_HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    text.into_bytes()
}

/// A file of `count` offers of the demo bakery, referenced `PREFIX-00000`, `PREFIX-00001`…
pub fn numbered_file(prefix: &str, count: usize) -> Vec<u8> {
    let rows: Vec<String> = (0..count)
        .map(|i| {
            generic_row(
                &format!("{prefix}-{i:05}"),
                &format!("Apprenti·e pâtissier·ère n° {i}"),
                "35238",
            )
        })
        .collect();
    generic_file(&rows)
}

/// A file for the demo training centre's generic profile, as a channel hands it to the
/// import service (`user_id`: who sent it, told of the outcome by mail).
pub async fn demo_upload(
    app: &TestApp,
    file_name: &str,
    bytes: Vec<u8>,
    user_id: Option<String>,
) -> passerelle::imports::service::Upload {
    use passerelle::imports::service;
    let profile = app
        .state
        .db
        .run(|conn| service::profile_by_identifier(conn, "demo-generic"))
        .await
        .unwrap()
        .expect("demo profile");
    service::Upload {
        run_id: passerelle::db::new_id(),
        profile,
        user_id,
        channel: service::Channel::Http,
        file_name: file_name.to_owned(),
        bytes,
    }
}

/// Sends a file over HTTP and waits for its run to finish; returns the run.
async fn send(api: &mut Client<'_>, token: &str, profile: &str, body: Vec<u8>) -> Value {
    send_within(api, token, profile, body, 200).await
}

/// [`send`], waiting up to `polls` × 25 ms for the run to finish.
async fn send_within(
    api: &mut Client<'_>,
    token: &str,
    profile: &str,
    body: Vec<u8>,
    polls: usize,
) -> Value {
    let r = api
        .api_send(
            &format!("/api/v1/imports?profile={profile}&name=offres.csv"),
            token,
            "text/csv",
            body,
        )
        .await;
    r.assert_status(StatusCode::ACCEPTED);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..polls {
        let run = api.api_get(&format!("/api/v1/imports/{id}"), token).await;
        run.assert_status(StatusCode::OK);
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

fn counts(run: &Value) -> [i64; 6] {
    [
        "received",
        "created",
        "updated",
        "unchanged",
        "withdrawn",
        "rejected",
    ]
    .map(|k| run[k].as_i64().unwrap())
}

async fn a_partner_file_over_http_is_applied_once_with_a_report(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let file = generic_file(&[
        generic_row(
            "CFA-001",
            "Apprenti·e boulanger·ère au fournil des Lices",
            "35238",
        ),
        generic_row("CFA-002", "Apprenti·e tourier·ère", "35360"),
        generic_row(
            "CFA-003",
            "Apprenti·e boulanger·ère de campagne",
            "Brest (29200)",
        )
        .replace(";D1102;", ";Z9999;"),
        generic_row("CFA-004", "Apprenti·e boulanger·ère à Quimper", "29232"),
    ]);
    let run = send(&mut api, &token, "demo-generic", file.clone()).await;
    assert_eq!(run["status"], "done");
    assert_eq!(counts(&run), [4, 3, 0, 0, 0, 1]);
    let rejected = &run["rejections"][0];
    assert_eq!(rejected["line"], 4);
    assert_eq!(rejected["reference"], "CFA-003");
    assert_eq!(rejected["column"], "rome_code");
    assert!(
        rejected["reason"]
            .as_str()
            .unwrap()
            .contains("Code ROME inconnu")
    );

    // Published at once (the chamber trusts demo-generic), found by words and place, and
    // applications go to the training centre.
    let found = api
        .get("/api/v1/offers/search?q=lices&commune=35238&radius_km=10")
        .await
        .json();
    assert_eq!(found["total"], 1);
    let offer = &found["items"][0];
    assert_eq!(offer["partner_reference"], "CFA-001");
    assert_ne!(offer["company_id"], offer["managed_by_id"]);
    let mail = app.last_mail_to(CENTRE).await;
    assert!(mail.subject.contains("offres.csv"), "{}", mail.subject);
    assert!(mail.body.contains("3 offres créées"), "{}", mail.body);

    // The report, as a partner's staff opens it in a spreadsheet.
    let id = run["id"].as_str().unwrap();
    let report = staff.get(&format!("/imports/{id}/rapport.csv")).await;
    report.assert_status(StatusCode::OK);
    assert!(
        report
            .text
            .contains("4;CFA-003;rome_code;Z9999;Code ROME inconnu")
    );
    let page = staff.get(&format!("/imports/{id}")).await;
    assert!(page.contains("Lignes refusées") && page.contains("CFA-003"));
    assert!(staff.get("/imports").await.contains("offres.csv"));

    // The same file again changes nothing.
    let again = send(&mut api, &token, "demo-generic", file).await;
    assert_eq!(counts(&again), [4, 0, 0, 3, 0, 1]);
    let before = api.get("/api/v1/offers/search?q=boulanger").await.json()["total"].clone();

    // A corrected row and a changed one: one created, one updated, the others unchanged.
    let fixed = generic_file(&[
        generic_row(
            "CFA-001",
            "Apprenti·e boulanger·ère au fournil des Lices",
            "35238",
        ),
        generic_row("CFA-002", "Apprenti·e tourier·ère en feuilletage", "35360"),
        generic_row(
            "CFA-003",
            "Apprenti·e boulanger·ère de campagne",
            "Brest (29200)",
        ),
    ]);
    let third = send(&mut api, &token, "demo-generic", fixed).await;
    assert_eq!(counts(&third), [3, 1, 1, 1, 0, 0]);
    assert!(api.get("/api/v1/offers/search?q=feuilletage").await.json()["total"] == 1);
    assert_eq!(
        api.get("/api/v1/offers/search?q=boulanger").await.json()["total"],
        before.as_i64().unwrap() + 1
    );
}

async fn profiles_presets_encodings_and_snapshots(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();

    // A profile for Ymag's export, complete files, made on the page.
    let form = staff.get("/imports/profils/nouveau?preset=ymag").await;
    assert!(form.contains("Référence offre"));
    let mut fields: Vec<(String, String)> = vec![
        ("identifier".into(), "cfa-ymag".into()),
        ("name".into(), "Export Ymag".into()),
        ("preset".into(), "ymag".into()),
        ("mode".into(), "snapshot".into()),
    ];
    for (key, header) in passerelle::imports::profile::preset("ymag")
        .unwrap()
        .columns
    {
        fields.push((format!("col_{key}"), (*header).to_owned()));
    }
    fields.push(("def_duration_months".into(), "24".into()));
    fields.push(("def_positions".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = staff.post_form("/imports/profils", &pairs).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let profile_page = r.location();
    // The identifier is taken now.
    staff.get("/imports/profils/nouveau").await;
    let r = staff.post_form("/imports/profils", &pairs).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("déjà pris"));

    // Windows-1252, tab-separated, French dates, old level names, quoted newlines.
    let date = (passerelle::clock::today_paris() + chrono::Duration::days(50))
        .format("%d/%m/%Y")
        .to_string();
    let header = "Référence offre\tIntitulé du poste\tDescriptif\tCode ROME\tType de contrat\tNiveau visé\tCode INSEE lieu\tDate de début\tDurée (mois)\tNombre de postes\tSIRET entreprise\tRaison sociale\tFormation\tDiffusion France Travail\t\t";
    let rows = [
        format!(
            "Y-1\tÉlectricien·ne en bâtiment\t\"Chantiers neufs et rénovation.\nPermis B apprécié ; déplacements en Ille-et-Vilaine.\"\tF1602\tApprentissage\tV\t35238\t{date}\t24\t2\t81234567800013\tÉlec Rennes\tCAP Électricien\toui\t\t"
        ),
        format!(
            "Y-2\tPlombier·ère chauffagiste\tInstallation et dépannage de chaudières chez les particuliers.\tF1603\tContrat de professionnalisation\tIV\t35047\t{date}\t12\t1\t81234567800013\tÉlec Rennes\t\tnon\t\t"
        ),
    ];
    let text = format!("{header}\r\n{}\r\n{}\r\n", rows[0], rows[1]);
    let (bytes, _, unmappable) = encoding_1252(&text);
    assert!(!unmappable);
    // Not trusted: the offers wait for the chamber.
    let run = send(&mut api, &token, "cfa-ymag", bytes).await;
    assert_eq!(counts(&run), [2, 2, 0, 0, 0, 0], "{run}");
    let mine = staff.get("/mes-offres").await;
    assert!(mine.contains("Électricien·ne en bâtiment") && mine.contains("En attente"));
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    assert!(
        officer
            .get("/moderation/offres")
            .await
            .contains("Plombier·ère chauffagiste")
    );

    // The chamber trusts the profile; the next file publishes at once.
    let trust_page = officer.get(&profile_page).await;
    assert!(trust_page.contains("Publier ses offres sans validation"));
    officer
        .post_form(&format!("{profile_page}/confiance"), &[("trusted", "oui")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // The training centre cannot trust itself.
    staff.get(&profile_page).await;
    staff
        .post_form(&format!("{profile_page}/confiance"), &[("trusted", "oui")])
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // A complete file without Y-2: Y-1 publishes, Y-2 is withdrawn.
    let text = format!("{header}\r\n{}\r\n", rows[0]);
    let (bytes, _, _) = encoding_1252(&text);
    let run = send(&mut api, &token, "cfa-ymag", bytes).await;
    assert_eq!(counts(&run), [1, 0, 1, 0, 1, 0], "{run}");
    let found = api.get("/api/v1/offers/search?q=electricien").await.json();
    assert_eq!(found["total"], 1);
    assert!(
        found["items"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Permis B apprécié ;")
    );
    assert!(staff.get("/mes-offres").await.contains("Retirée"));
}

/// Windows-1252 bytes of a text (French letters and typographic signs only).
fn encoding_1252(text: &str) -> (Vec<u8>, (), bool) {
    let mut out = Vec::new();
    let mut unmappable = false;
    for c in text.chars() {
        let b = match c {
            '\u{20ac}' => 0x80,
            '\u{2019}' => 0x92,
            '\u{0153}' => 0x9c,
            '\u{00b7}' => 0xb7,
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => {
                unmappable = true;
                b'?'
            }
        };
        out.push(b);
    }
    (out, (), unmappable)
}

async fn unreadable_files_change_nothing(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let mut binary = b"PK\x03\x04".to_vec();
    binary.extend([0u8; 64]);
    for (body, expected) in [
        (binary, "pas un fichier texte"),
        (
            b"ref;intitule\nA;B\n".to_vec(),
            "Colonnes attendues absentes",
        ),
        (GENERIC_HEADER.as_bytes().to_vec(), "aucune ligne"),
    ] {
        let run = send(&mut api, &token, "demo-generic", body).await;
        assert_eq!(run["status"], "failed");
        let error = run["error"].as_str().unwrap();
        assert!(error.contains(expected), "{error}");
    }
    let r = api
        .api_send(
            "/api/v1/imports?profile=demo-generic",
            &token,
            "text/csv",
            Vec::new(),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // Far too big (a 200 MB export): refused at once, with what to do.
    let mut huge = generic_file(&[generic_row("H-1", "Apprenti·e géant·e", "35238")]);
    huge.resize(200 * 1024 * 1024, b'\n');
    let r = api
        .api_send(
            "/api/v1/imports?profile=demo-generic",
            &token,
            "text/csv",
            huge,
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"].as_str().unwrap().contains("50 Mo"));
    // Multipart works too, as a browser or curl -F sends it.
    let boundary = "----passerelle";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"nuit.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(generic_file(&[generic_row(
        "M-1",
        "Apprenti·e fournier·ère",
        "35238",
    )]));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let r = api
        .api_send(
            "/api/v1/imports?profile=demo-generic",
            &token,
            &format!("multipart/form-data; boundary={boundary}"),
            body,
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
        if !["queued", "running", "indexing"].contains(&run["status"].as_str().unwrap_or("")) {
            break;
        }
        // The file waits in the queue for the job runner.
        api.app().run_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(run["file_name"], "nuit.csv");
    assert_eq!(run["created"], 1);
    // Nothing but that one offer came from the refused files.
    assert_eq!(
        api.get("/api/v1/offers/search?q=fournier").await.json()["total"],
        1
    );
}

async fn a_failure_in_the_middle_of_a_file_keeps_nothing(app: TestApp) {
    use passerelle::imports::service;
    let app = app.with_demo().await;
    let rows: Vec<String> = (0..450)
        .map(|i| {
            generic_row(
                &format!("K-{i:04}"),
                &format!("Apprenti·e boulanger·ère n° {i}"),
                "35238",
            )
        })
        .collect();
    let file = generic_file(&rows);
    let upload = async |bytes: Vec<u8>| demo_upload(&app, "nuit.csv", bytes, None).await;
    // The process fails after 300 rows (as a crash would): nothing of the file is kept.
    let failed = service::run(&app.state, upload(file.clone()).await, |done| {
        if done >= 300 {
            Err(passerelle::error::AppError::internal(anyhow::anyhow!(
                "injected failure"
            )))
        } else {
            Ok(())
        }
    })
    .await;
    assert!(failed.is_err());
    let mut api = app.client();
    assert_eq!(
        api.get("/api/v1/offers/search?q=boulanger&commune=35238&radius_km=1")
            .await
            .json()["total"],
        1,
        "only the demo offer"
    );
    // Sent again: the same final state as one clean run.
    let run = service::run(&app.state, upload(file.clone()).await, |_| Ok(()))
        .await
        .unwrap();
    assert_eq!((run.created, run.rejected), (450, 0));
    let again = service::run(&app.state, upload(file).await, |_| Ok(()))
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 450));
    assert_eq!(
        api.get("/api/v1/offers/search?q=boulanger&commune=35238&radius_km=1")
            .await
            .json()["total"],
        451
    );
    // The failed run says so.
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let runs = api.api_get("/api/v1/imports", &token).await.json();
    let mut statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["done", "done", "failed"]);
}

async fn partners_never_see_each_others_imports(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let run = send(
        &mut api,
        &token,
        "demo-generic",
        generic_file(&[generic_row(
            "S-1",
            "Apprenti·e boulanger·ère secret",
            "35238",
        )]),
    )
    .await;
    let id = run["id"].as_str().unwrap().to_owned();

    // Another partner (the chamber) and a company: not by API, page, report or profile.
    for email in [
        "registration_officer@demo.passerelle.test",
        "recruiter@demo.passerelle.test",
    ] {
        let mut other = app.login_as(email).await;
        let other_token = other.new_api_token().await;
        api.api_get(&format!("/api/v1/imports/{id}"), &other_token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        other
            .get(&format!("/imports/{id}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        other
            .get(&format!("/imports/{id}/rapport.csv"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = api.api_get("/api/v1/imports", &other_token).await;
        assert!(!list.text.contains(&id));
        let r = api
            .api_send(
                "/api/v1/imports?profile=demo-generic",
                &other_token,
                "text/csv",
                generic_file(&[generic_row("S-2", "Intrus", "35238")]),
            )
            .await;
        r.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(r.json()["code"], "not_found");
    }
    // A candidate has no import space at all.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    candidate
        .get("/imports")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // The regional administrator sees every run.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    assert!(admin.get("/imports").await.contains("offres.csv"));
    admin
        .get(&format!("/imports/{id}"))
        .await
        .assert_status(StatusCode::OK);
}

/// Creates an import profile from the page, as the centre's administrator does.
async fn profile_from_preset(staff: &mut Client<'_>, identifier: &str, preset: &str) {
    staff
        .get(&format!("/imports/profils/nouveau?preset={preset}"))
        .await
        .assert_status(StatusCode::OK);
    let p = passerelle::imports::profile::preset(preset).unwrap();
    let mut fields: Vec<(String, String)> = vec![
        ("identifier".into(), identifier.into()),
        ("name".into(), format!("Export {preset}")),
        ("preset".into(), preset.into()),
        ("mode".into(), "delta".into()),
    ];
    for (key, header) in p.columns {
        fields.push((format!("col_{key}"), (*header).to_owned()));
    }
    for (key, value) in p.defaults {
        fields.push((format!("def_{key}"), (*value).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    staff
        .post_form("/imports/profils", &pairs)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

async fn gil_and_sigma_exports_are_read(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let date = (passerelle::clock::today_paris() + chrono::Duration::days(45))
        .format("%d/%m/%Y")
        .to_string();

    // GIL: UTF-8 with BOM, commas, quoted commas, upper-case headers, old level names.
    profile_from_preset(&mut staff, "cfa-gil", "gil").await;
    let bom = '\u{feff}';
    let gil = format!(
        "{bom}REF_OFFRE,LIBELLE_POSTE,DESCRIPTIF_POSTE,CODE_ROME,TYPE_CONTRAT,NIVEAU_DIPLOME,INSEE_LIEU,DATE_DEBUT,DUREE_MOIS,NB_POSTES,SIRET_EMPLOYEUR,NOM_EMPLOYEUR,DIPLOME_PREPARE,ACCORD_FT\n\
         G-1,Apprenti·e mécanicien·ne auto,\"Entretien, diagnostic et réparation des véhicules légers.\",I1604,APP,V,29019,{date},24,1,81234567800013,Garage de l’Iroise,CAP Maintenance des véhicules,O\n\
         G-2,Assistant·e comptable,\"Saisie, rapprochements bancaires et déclarations de TVA.\",M1203,PRO,III,56260,{date},12,1,81234567800013,Garage de l’Iroise,,N\n"
    );
    let run = send(&mut api, &token, "cfa-gil", gil.into_bytes()).await;
    assert_eq!(counts(&run), [2, 2, 0, 0, 0, 0], "{run}");

    // Sigma: semicolons, commune names with postal codes, a SIRET with spaces.
    profile_from_preset(&mut staff, "cfa-sigma", "sigma").await;
    let sigma = format!(
        "id_offre;titre;texte;rome;contrat;niveau;commune;debut;duree;postes;siret_entreprise;nom_entreprise;formation;diffusion_ft\n\
         S-1;Apprenti·e fleuriste;Compositions florales, conseil en boutique et livraisons.;D1209;apprentissage;3;Vitré (35500);{date};24;1;812 345 678 00013;Fleurs de Vitré;CAP Fleuriste;non\n\
         S-2;Apprenti·e coiffeur·se;Shampooings, coupes et couleurs, accueil de la clientèle.;D1202;apprentissage;3;Saint-Martin;{date};24;1;81234567800013;Salon Martin;;non\n"
    );
    let run = send(&mut api, &token, "cfa-sigma", sigma.into_bytes()).await;
    assert_eq!(counts(&run), [2, 1, 0, 0, 0, 1], "{run}");
    let rejected = &run["rejections"][0];
    assert_eq!(rejected["reference"], "S-2");
    assert_eq!(rejected["column"], "commune");
    assert!(
        rejected["reason"]
            .as_str()
            .unwrap()
            .contains("Plusieurs communes")
    );
    let mine = staff.get("/mes-offres").await;
    assert!(
        mine.contains("Apprenti·e mécanicien·ne auto")
            && mine.contains("Assistant·e comptable")
            && mine.contains("Apprenti·e fleuriste")
    );
}

/// The demo company waiting for its chamber (Garage Kerhervé), which delegates to nobody.
const GARAGE_SIRET: &str = "82345678900010";
/// A company unknown to Passerelle.
const UNKNOWN_SIRET: &str = "73282932000074";

/// A generic row for another company than the demo bakery.
fn row_for(reference: &str, title: &str, siret: &str, name: &str) -> String {
    generic_row(reference, title, "35238").replace(
        ";81234567800013;Boulangerie des Lices;",
        &format!(";{siret};{name};"),
    )
}

async fn organisation_by_siret(
    app: &TestApp,
    siret: &'static str,
) -> Option<passerelle::organisations::Organisation> {
    app.state
        .db
        .run(move |conn| passerelle::organisations::store::find_by_siret(conn, siret))
        .await
        .unwrap()
}

/// How many offers a company has, whatever their status.
async fn offers_of(app: &TestApp, company_id: &str) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use passerelle::db::schema::offers;
    let company_id = company_id.to_owned();
    app.state
        .db
        .run(move |conn| {
            Ok(offers::table
                .filter(offers::company_id.eq(&company_id))
                .select((offers::id, offers::status))
                .load::<(String, String)>(conn)?)
        })
        .await
        .unwrap()
}

async fn an_import_never_acts_for_a_company_that_did_not_delegate(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let file = generic_file(&[
        generic_row("OWN-1", "Apprenti·e boulanger·ère au fournil", "35238"),
        row_for(
            "FOREIGN-1",
            "Mécanicien·ne auto",
            GARAGE_SIRET,
            "Garage usurpé",
        ),
        row_for(
            "FOREIGN-2",
            "Apprenti·e boulanger·ère",
            UNKNOWN_SIRET,
            "Boulangerie des Lices",
        ),
    ]);
    let run = send(&mut api, &token, "demo-generic", file.clone()).await;
    assert_eq!(counts(&run), [3, 1, 0, 0, 0, 2], "{run}");
    for (i, reference) in [(0, "FOREIGN-1"), (1, "FOREIGN-2")] {
        let rejected = &run["rejections"][i];
        assert_eq!(rejected["reference"], reference);
        assert_eq!(rejected["column"], "siret");
        assert!(
            rejected["reason"]
                .as_str()
                .unwrap()
                .contains("Entreprise sans délégation à votre organisme"),
            "{rejected}"
        );
    }
    // Idempotent: the same file reports the same refusals and changes nothing.
    let again = send(&mut api, &token, "demo-generic", file).await;
    assert_eq!(counts(&again), [3, 0, 0, 1, 0, 2]);

    // The foreign company gained neither a delegation nor an offer; the unknown one was not
    // created.
    let garage = organisation_by_siret(&app, GARAGE_SIRET).await.unwrap();
    assert!(offers_of(&app, &garage.id).await.is_empty());
    let mut garage_staff = app.login_as("garage.kerherve@demo.passerelle.test").await;
    let garage_token = garage_staff.new_api_token().await;
    let delegates = api
        .api_get(
            &format!("/api/v1/organisations/{}/delegations", garage.id),
            &garage_token,
        )
        .await;
    delegates.assert_status(StatusCode::OK);
    assert_eq!(delegates.json(), serde_json::json!([]));
    assert!(organisation_by_siret(&app, UNKNOWN_SIRET).await.is_none());
    // No offer of the garage reaches the centre, so neither do its applicants: the centre's
    // list of applications names no garage offer.
    let applications = staff.get("/candidatures-recues").await;
    assert!(
        !applications.contains("Mécanicien"),
        "{}",
        applications.text
    );

    // The real company still signs up with its SIRET.
    real_company_signs_up(&app).await;
    let lices = organisation_by_siret(&app, UNKNOWN_SIRET).await.unwrap();
    assert!(lices.is_pending());
}

async fn unknown_companies_wait_for_the_chamber_when_the_profile_proposes_them(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let file = generic_file(&[row_for(
        "NEW-1",
        "Apprenti·e fournier·ère aux Lices",
        UNKNOWN_SIRET,
        "Nom inventé par le CFA",
    )]);
    // Off by default: the row is refused and nothing is created.
    let run = send(&mut api, &token, "demo-generic", file.clone()).await;
    assert_eq!(counts(&run), [1, 0, 0, 0, 0, 1]);
    assert!(organisation_by_siret(&app, UNKNOWN_SIRET).await.is_none());

    // The centre's administrator lets the profile propose unknown companies.
    let runs = staff.get("/imports").await;
    let profile_path = runs
        .text
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/imports/profils/") && !href.ends_with("nouveau"))
        .expect("the profile's link")
        .to_owned();
    let form = staff.get(&profile_path).await;
    assert!(form.contains("Entreprises inconnues de Passerelle"));
    assert!(!form.contains("name=\"allow_pending_companies\" value=\"oui\" checked"));
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), "Offres du logiciel de gestion du CFA".into()),
        ("preset".into(), "generic".into()),
        ("mode".into(), "delta".into()),
        ("allow_pending_companies".into(), "oui".into()),
    ];
    let generic = passerelle::imports::profile::preset("generic").unwrap();
    for (key, header) in generic.columns {
        fields.push((format!("col_{key}"), (*header).to_owned()));
    }
    fields.push(("def_france_travail".into(), "oui".into()));
    for (key, value) in generic.defaults {
        fields.push((format!("def_{key}"), (*value).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    staff
        .post_form(&profile_path, &pairs)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        staff
            .get(&profile_path)
            .await
            .contains("name=\"allow_pending_companies\" value=\"oui\" checked")
    );

    // Now the company is proposed, pending, and its offer waits although the profile is
    // trusted; the same file again changes nothing.
    let run = send(&mut api, &token, "demo-generic", file.clone()).await;
    assert_eq!(counts(&run), [1, 1, 0, 0, 0, 0], "{run}");
    let again = send(&mut api, &token, "demo-generic", file.clone()).await;
    assert_eq!(counts(&again), [1, 0, 0, 1, 0, 0]);
    let company = organisation_by_siret(&app, UNKNOWN_SIRET).await.unwrap();
    assert!(company.is_pending());
    let offers = offers_of(&app, &company.id).await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].1, "pending");
    assert_eq!(
        api.get("/api/v1/offers/search?q=fournier").await.json()["total"],
        0
    );
    // The import added no delegation.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let admin_token = admin.new_api_token().await;
    let delegates = api
        .api_get(
            &format!("/api/v1/organisations/{}/delegations", company.id),
            &admin_token,
        )
        .await;
    assert_eq!(delegates.json(), serde_json::json!([]));

    // The chamber is told (once: the second file proposed nothing new), sees it in its queue
    // and cannot publish the offer before validating it.
    let told: Vec<_> = app
        .mails()
        .await
        .into_iter()
        .filter(|m| {
            m.to == "registration_officer@demo.passerelle.test"
                && m.subject == "Entreprise proposée à valider"
        })
        .collect();
    assert_eq!(told.len(), 1);
    assert!(
        told[0].body.contains("« Nom inventé par le CFA »"),
        "{}",
        told[0].body
    );
    assert!(told[0].body.contains("proposée par"), "{}", told[0].body);
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    assert!(
        officer
            .get("/validations")
            .await
            .contains("Nom inventé par le CFA")
    );
    officer.get("/moderation/offres").await;
    let r = officer
        .post_form(
            &format!("/moderation/offres/{}", offers[0].0),
            &[("decision", "valider")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.contains("attend encore la validation"), "{}", r.text);
    assert_eq!(offers_of(&app, &company.id).await[0].1, "pending");

    // The real company signs up with its SIRET: it claims the proposed company (its own name
    // replaces the centre's), which still waits for the chamber.
    real_company_signs_up(&app).await;
    let claimed = organisation_by_siret(&app, UNKNOWN_SIRET).await.unwrap();
    assert_eq!(claimed.id, company.id);
    assert_eq!(claimed.name, "Boulangerie des Lices");
    assert!(claimed.is_pending());
    let account = app
        .state
        .db
        .run(|conn| passerelle::auth::store::by_email(conn, "anne@boulangerie-des-lices.fr"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.organisation_id.as_deref(),
        Some(company.id.as_str())
    );
    assert!(account.is_org_admin);
    // Claimed, the company is its own: the centre's rows for it need its delegation now.
    let after = send(&mut api, &token, "demo-generic", file).await;
    assert_eq!(counts(&after), [1, 0, 0, 0, 0, 1]);
    assert!(
        after["rejections"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("Entreprise sans délégation à votre organisme")
    );
}

async fn an_organisation_not_validated_cannot_import(app: TestApp) {
    let app = app.with_demo().await;
    // The pending garage's administrator: no profile page, no profile created.
    let mut garage = app.login_as("garage.kerherve@demo.passerelle.test").await;
    let r = garage.get("/imports/profils/nouveau").await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("doit être validée"), "{}", r.text);
    garage.get("/tableau-de-bord").await;
    let r = garage
        .post_form(
            "/imports/profils",
            &[
                ("identifier", "garage-import"),
                ("name", "Nos offres"),
                ("preset", "generic"),
                ("mode", "delta"),
                ("col_reference", "reference"),
            ],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    // A profile it holds from before (or made by an operator) is refused over HTTP too.
    pending_company_profile(&app).await;
    let token = garage.new_api_token().await;
    let mut api = app.client();
    let r = api
        .api_send(
            "/api/v1/imports?profile=garage-import&name=offres.csv",
            &token,
            "text/csv",
            generic_file(&[row_for("G-1", "Mécanicien·ne", GARAGE_SIRET, "Garage")]),
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("doit être validée")
    );
    // Nothing was recorded, and the imports pages stay closed to it.
    garage
        .get("/imports")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    assert!(!admin.get("/imports").await.contains("offres.csv"));
}

/// The real company with the unknown SIRET signs up on the public form.
async fn real_company_signs_up(app: &TestApp) {
    let mut real = app.client();
    real.get("/inscription/entreprise").await;
    real.post_form(
        "/inscription/entreprise",
        &[
            ("first_name", "Anne"),
            ("last_name", "Le Bihan"),
            ("email", "anne@boulangerie-des-lices.fr"),
            ("company_name", "Boulangerie des Lices"),
            ("siret", UNKNOWN_SIRET),
            ("commune", "35238"),
            ("password", "un-mot-de-passe-solide"),
            ("password_confirm", "un-mot-de-passe-solide"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

/// A generic import profile of an organisation (setup, as its administrator would create it
/// on the imports page, or as made before the organisation lost its validation).
pub async fn generic_profile(
    app: &TestApp,
    organisation_id: String,
    identifier: &'static str,
    name: &'static str,
) {
    app.state
        .db
        .run(move |conn| {
            let generic = passerelle::imports::profile::preset("generic").expect("preset");
            passerelle::imports::service::create_profile(
                conn,
                &organisation_id,
                &passerelle::imports::service::ProfileInput {
                    identifier: identifier.to_owned(),
                    name: name.to_owned(),
                    preset: generic.name.to_owned(),
                    mapping: generic.mapping(),
                    mode: passerelle::imports::profile::Mode::Delta,
                    defaults: generic.default_values(),
                    allow_pending_companies: false,
                },
                false,
            )
        })
        .await
        .expect("import profile");
}

/// An import profile `garage-import` of the demo company that waits for its chamber, for the
/// tests of every channel.
pub async fn pending_company_profile(app: &TestApp) {
    let garage = organisation_by_siret(app, GARAGE_SIRET)
        .await
        .expect("demo garage");
    generic_profile(app, garage.id, "garage-import", "Offres du garage").await;
}

async fn a_million_columns_are_refused_in_a_few_lines(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let header: Vec<String> = (0..1_000_000).map(|i| format!("colonne{i}")).collect();
    let file = format!("{}\nA;B\n", header.join(";")).into_bytes();
    assert!(file.len() > 12_000_000);
    // A minute at most: reading a million columns takes a few seconds in a debug build.
    let run = send_within(&mut api, &token, "demo-generic", file, 2_400).await;
    assert_eq!(run["status"], "failed", "{run}");
    let error = run["error"].as_str().unwrap();
    // It used to list every column: 12.9 MB.
    assert!(error.len() < 4_096, "{} bytes: {error}", error.len());
    assert!(
        error.starts_with("Colonnes attendues absentes du fichier : « reference »"),
        "{error}"
    );
    assert!(
        error.contains("« colonne19 » … et 999\u{202f}980 autres colonnes. Vérifiez"),
        "{error}"
    );
    assert!(!error.contains("« colonne20 »"), "{error}");

    // The mail telling the sender is as short (it was 23.8 MB).
    let mails: Vec<_> = app
        .mails()
        .await
        .into_iter()
        .filter(|m| m.to == CENTRE && m.subject.starts_with("Import « offres.csv »"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].body.contains("autres colonnes"),
        "{}",
        mails[0].body
    );
    assert!(
        mails[0].body.len() + mails[0].html.len() < 12_000,
        "{} + {} bytes",
        mails[0].body.len(),
        mails[0].html.len()
    );
    let outbox = app.state.config.data_dir.join("outbox");
    for entry in std::fs::read_dir(outbox).unwrap() {
        let size = entry.unwrap().metadata().unwrap().len();
        assert!(size < 32_000, "a mail of {size} bytes");
    }
}

async fn a_mark_starting_a_line_stays_out_of_the_reference(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    // Two exports pasted together: the second one's byte order mark begins line 3.
    let first = generic_row("BOM-1", "Apprenti·e chocolatier·ère", "35238");
    let second = generic_row("BOM-2", "Apprenti·e confiseur·euse", "35238");
    let pasted = generic_file(&[first.clone(), format!("\u{FEFF}{second}")]);
    let run = send(&mut api, &token, "demo-generic", pasted).await;
    assert_eq!(counts(&run), [2, 2, 0, 0, 0, 0], "{run}");
    // Stored as "BOM-2": the clean file finds both offers unchanged, creates nothing.
    let clean = generic_file(&[first, second]);
    let run = send(&mut api, &token, "demo-generic", clean).await;
    assert_eq!(counts(&run), [2, 0, 0, 2, 0, 0], "{run}");
    let stored: Vec<String> = {
        use diesel::prelude::*;
        use passerelle::db::schema::offers;
        let mut conn = app.state.db.conn().unwrap();
        offers::table
            .filter(offers::partner_reference.like("BOM-%"))
            .select(offers::partner_reference.assume_not_null())
            .order(offers::partner_reference)
            .load(&mut conn)
            .unwrap()
    };
    assert_eq!(stored, ["BOM-1", "BOM-2"]);
}

/// More rows than one statement writes (offers are inserted and updated in multi-row
/// statements): every row counted once, and an offer updated from a row reads as one created
/// from it.
async fn a_large_file_is_written_in_batches(app: TestApp) {
    const ROWS: usize = 3_000;
    let app = app.with_demo().await;
    let mut staff = app.login_as(CENTRE).await;
    let token = staff.new_api_token().await;
    let mut api = app.client();
    let reference = |i: usize| format!("R{i:05}");
    let row = |i: usize| {
        generic_row(
            &reference(i),
            &format!("Apprenti·e boulanger·ère n°{i}"),
            "35238",
        )
    };
    // Another title, place, contract and level.
    let changed = |reference: &str, i: usize| {
        generic_row(
            reference,
            &format!("Apprenti·e pâtissier·ère n°{i}"),
            "29232",
        )
        .replace(";apprentissage;3;", ";professionnalisation;5;")
    };
    let first: Vec<String> = (0..ROWS).map(row).collect();
    let run = send_within(
        &mut api,
        &token,
        "demo-generic",
        generic_file(&first),
        4_000,
    )
    .await;
    assert_eq!(counts(&run), [3_000, 3_000, 0, 0, 0, 0], "{run}");
    let run = send_within(
        &mut api,
        &token,
        "demo-generic",
        generic_file(&first),
        4_000,
    )
    .await;
    assert_eq!(counts(&run), [3_000, 0, 0, 3_000, 0, 0], "{run}");
    let total = |found: Value| found["total"].as_i64().unwrap();
    let bakers = total(api.get("/api/v1/offers/search?q=boulanger").await.json());
    let pastry_cooks = total(api.get("/api/v1/offers/search?q=patissier").await.json());

    // Every odd row changes, and a new row says what row 1 now says.
    let mut second: Vec<String> = (0..ROWS)
        .map(|i| {
            if i % 2 == 1 {
                changed(&reference(i), i)
            } else {
                row(i)
            }
        })
        .collect();
    second.push(changed("NEW-1", 1));
    let run = send_within(
        &mut api,
        &token,
        "demo-generic",
        generic_file(&second),
        4_000,
    )
    .await;
    assert_eq!(counts(&run), [3_001, 1, 1_500, 1_500, 0, 0], "{run}");
    assert_eq!(
        total(api.get("/api/v1/offers/search?q=patissier").await.json()),
        pastry_cooks + 1_501
    );
    assert_eq!(
        total(api.get("/api/v1/offers/search?q=boulanger").await.json()),
        bakers - 1_500
    );

    let mine = api.api_get("/api/v1/my/offers", &token).await.json();
    let by_reference = |r: &str| {
        mine.as_array()
            .unwrap()
            .iter()
            .find(|o| o["partner_reference"] == r)
            .unwrap_or_else(|| panic!("{r} missing"))
            .as_object()
            .unwrap()
            .clone()
    };
    let (mut updated, mut created) = (by_reference("R00001"), by_reference("NEW-1"));
    assert_eq!(updated["title"], "Apprenti·e pâtissier·ère n°1");
    assert_eq!(updated["commune_insee"], "29232");
    assert_eq!(updated["department"], "29");
    assert_eq!(updated["contract_type"], "professionnalisation");
    assert_eq!(updated["level"], 5);
    assert_eq!(updated["status"], "published");
    assert_ne!(updated["published_at"], Value::Null);
    // Apart from what makes each offer itself, the same columns.
    for key in [
        "id",
        "partner_reference",
        "created_at",
        "published_at",
        "moderated_at",
    ] {
        updated.remove(key);
        created.remove(key);
    }
    assert_eq!(updated, created);
    assert_eq!(
        by_reference("R00002")["title"],
        "Apprenti·e boulanger·ère n°2"
    );
}
