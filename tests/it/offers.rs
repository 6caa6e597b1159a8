use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    offer_lifecycle_with_moderation,
    offers_by_api_with_structured_errors,
    a_training_centre_manages_offers_by_delegation,
    offers_expire_after_a_warning,
    offers_export_for_national_aggregators,
);

fn start_date() -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string()
}

fn offer_fields(title: &str, commune: &str) -> Vec<(String, String)> {
    [
        ("title", title),
        ("rome", "D1102"),
        ("description", "Vous apprendrez à pétrir, façonner et cuire le pain au levain, du lundi au vendredi, de 5 h à 12 h."),
        ("contract_type", "apprentissage"),
        ("level", "3"),
        ("training", "CAP Boulanger"),
        ("duration_months", "24"),
        ("commune", commune),
        ("positions", "2"),
        ("share_with_france_travail", "oui"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("start_date".to_owned(), start_date())])
    .collect()
}

async fn post_offer(
    c: &mut Client<'_>,
    path: &str,
    fields: &[(String, String)],
) -> crate::helpers::TestResponse {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(path, &pairs).await
}

fn id_from_location(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_owned()
}

async fn offer_lifecycle_with_moderation(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get("/mes-offres/nouvelle")
        .await
        .assert_status(StatusCode::OK);
    // Everything wrong at once, explained in French; nothing stored.
    let r = recruiter
        .post_form(
            "/mes-offres",
            &[
                ("title", ""),
                ("rome", "ZZZ"),
                ("description", "court"),
                ("start_date", "hier"),
                ("commune", "Nulle-Part-sur-Mer"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Indiquez l’intitulé",
        "n’a pas été reconnu",
        "30 caractères au moins",
        "date de début",
        "Aucune commune ne correspond",
        "type de contrat",
    ] {
        assert!(r.contains(message), "missing {message:?}");
    }
    assert!(!recruiter.get("/mes-offres").await.contains("court"));

    let r = post_offer(
        &mut recruiter,
        "/mes-offres",
        &offer_fields("Apprenti·e boulanger·ère", "Rennes"),
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = id_from_location(&r.location());
    let page = recruiter.get(&format!("/offres/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Brouillon"));
    assert!(page.contains("Boulanger / Boulangère"));
    assert!(page.contains("Rennes (35000)"));

    // A draft is nobody else's business.
    let mut visitor = app.client();
    visitor
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut other = app.login_as("garage.kerherve@demo.passerelle.test").await;
    other
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other.get("/mes-offres").await;
    other
        .post_form(&format!("/mes-offres/{id}/retirer"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // A company not yet validated cannot post.
    let r = other.get("/mes-offres/nouvelle").await;
    r.assert_status(StatusCode::FORBIDDEN);
    let r = post_offer(
        &mut other,
        "/mes-offres",
        &offer_fields("Mécanicien", "Brest"),
    )
    .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("doit être validée par la chambre consulaire"));

    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    visitor
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Submitting twice is refused.
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await
        .assert_status(StatusCode::CONFLICT);

    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    assert!(
        officer
            .get("/tableau-de-bord")
            .await
            .contains("2 offres attendent votre validation."),
        "the demo's pending offer in Vitré, and this one"
    );
    let queue = officer.get("/moderation/offres").await;
    assert!(queue.contains("Apprenti·e boulanger·ère"));
    officer
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::OK);
    // Only the chamber: the teacher cannot moderate.
    let mut teacher = app.login_as("teacher@demo.passerelle.test").await;
    teacher
        .get("/moderation/offres")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    teacher
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Refused with a reason: back to draft, the recruiter reads why.
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "refuser"), ("reason", "")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        officer
            .get("/moderation/offres")
            .await
            .contains("indiquez le motif")
    );
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[
                ("decision", "refuser"),
                ("reason", "Précisez les horaires du samedi."),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to("recruiter@demo.passerelle.test").await;
    assert!(mail.subject.contains("est à revoir"));
    assert!(mail.body.contains("Précisez les horaires du samedi."));
    let mine = recruiter.get("/mes-offres").await;
    assert!(mine.contains("Refusée : Précisez les horaires du samedi."));

    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.last_mail_to("recruiter@demo.passerelle.test")
            .await
            .subject
            .contains("est publiée")
    );
    let public = visitor.get(&format!("/offres/{id}")).await;
    public.assert_status(StatusCode::OK);
    assert!(public.contains("Boulangerie Le Goff"));
    assert!(
        visitor
            .get("/offres")
            .await
            .contains("Apprenti·e boulanger·ère")
    );
    assert!(
        visitor
            .get("/offres?departement=35")
            .await
            .contains("Apprenti·e boulanger·ère")
    );
    assert!(
        !visitor
            .get("/offres?departement=29")
            .await
            .contains("Apprenti·e boulanger·ère")
    );

    // Editing a published offer sends it back to the chamber. The form shows names, not
    // codes: the occupation's label (its code in brackets) and « Rennes (35000) ».
    let form = recruiter.get(&format!("/mes-offres/{id}/modifier")).await;
    form.assert_status(StatusCode::OK);
    assert!(
        form.contains("(D1102)\"")
            && form.contains("value=\"Rennes (35000)\"")
            && !form.contains("value=\"D1102\"")
            && !form.contains("value=\"35238\""),
        "{}",
        form.text
    );
    let r = post_offer(
        &mut recruiter,
        &format!("/mes-offres/{id}/modifier"),
        &offer_fields("Apprenti·e boulanger·ère – pâtisserie", "35000"),
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    visitor
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/pourvue"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(recruiter.get("/mes-offres").await.contains("Pourvue"));
    assert!(
        !visitor
            .get("/offres")
            .await
            .contains("boulanger·ère – pâtisserie")
    );
    // The decisions are audited.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let journal = admin.get("/admin/journal").await;
    assert!(journal.contains("offer_approved") && journal.contains("offer_rejected"));
}

async fn offers_by_api_with_structured_errors(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let recruiter_token = recruiter.new_api_token().await;
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let officer_token = officer.new_api_token().await;
    let mut api = app.client();

    let bad = api
        .api_json(
            "POST",
            "/api/v1/offers",
            &recruiter_token,
            serde_json::json!({"title": "", "level": "9"}),
        )
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.json();
    assert_eq!(body["code"], "invalid");
    assert!(body["details"].as_array().unwrap().len() >= 5);
    assert!(
        body["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains("niveau de diplôme"))
    );

    let fields: serde_json::Map<String, serde_json::Value> =
        offer_fields("Vendeur·se en boulangerie", "Saint-Malo")
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
    let created = api
        .api_json(
            "POST",
            "/api/v1/offers",
            &recruiter_token,
            serde_json::Value::Object(fields),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    api.get(&format!("/api/v1/offers/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mine = api
        .api_get("/api/v1/my/offers", &recruiter_token)
        .await
        .json();
    assert_eq!(mine[0]["status"], "draft");
    assert_eq!(mine[0]["commune_name"], "Saint-Malo");

    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            &recruiter_token,
            serde_json::json!({"action": "approve"}),
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    api.api_json(
        "POST",
        &format!("/api/v1/offers/{id}/transitions"),
        &recruiter_token,
        serde_json::json!({"action": "submit"}),
    )
    .await
    .assert_status(StatusCode::OK);
    let queue = api
        .api_get("/api/v1/moderation/offers", &officer_token)
        .await
        .json();
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.as_str())
    );
    api.api_get("/api/v1/moderation/offers", &recruiter_token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            &officer_token,
            serde_json::json!({"action": "reject"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            &officer_token,
            serde_json::json!({"action": "approve"}),
        )
        .await;
    assert_eq!(r.json()["status"], "published");
    let public = api.get(&format!("/api/v1/offers/{id}")).await;
    public.assert_status(StatusCode::OK);
    assert_eq!(public.json()["company_name"], "Boulangerie Le Goff");
    assert_eq!(public.json()["rome_label"], "Boulanger / Boulangère");
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            &recruiter_token,
            serde_json::json!({"action": "fill"}),
        )
        .await;
    assert_eq!(r.json()["status"], "filled");
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            &recruiter_token,
            serde_json::json!({"action": "withdraw"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("« Pourvue »")
    );
}

async fn a_training_centre_manages_offers_by_delegation(app: TestApp) {
    let app = app.with_demo().await;
    let mut centre = app.login_as("training_staff@demo.passerelle.test").await;
    // The demo bakery delegates to the centre; the garage does not.
    let form = centre.get("/mes-offres/nouvelle").await;
    assert!(form.contains("Boulangerie Le Goff"));
    assert!(!form.contains("Garage Kerhervé"));
    let centre_location = centre.get("/organisation").await.location();
    let centre_page = centre.get(&centre_location).await;
    let siret = centre_page
        .text
        .split("<dt>SIRET</dt><dd>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();

    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let bakery = recruiter.get("/organisation").await.location();
    let bakery_id = bakery.rsplit('/').next().unwrap().to_owned();
    recruiter.get(&bakery).await;
    let r = recruiter
        .post_form(
            &format!("{bakery}/delegations"),
            &[("siret", "73282932000074")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Aucun organisme de formation"));
    recruiter
        .post_form(&format!("{bakery}/delegations"), &[("siret", &siret)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        recruiter
            .get(&bakery)
            .await
            .contains("CFA des métiers de Rennes")
    );

    let form = centre.get("/mes-offres/nouvelle").await;
    assert!(form.contains("Boulangerie Le Goff"));
    let mut fields = offer_fields("Apprenti·e pâtissier·ère", "Rennes");
    fields.push(("company_id".into(), bakery_id.clone()));
    let r = post_offer(&mut centre, "/mes-offres", &fields).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = id_from_location(&r.location());
    // Both the centre and the company see it; the centre manages it.
    assert!(
        centre
            .get("/mes-offres")
            .await
            .contains("pour Boulangerie Le Goff")
    );
    assert!(
        recruiter
            .get("/mes-offres")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );
    centre.get("/mes-offres").await;
    centre
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // The centre's staff are told (they receive the applications).
    assert!(
        app.last_mail_to("training_staff@demo.passerelle.test")
            .await
            .subject
            .contains("est publiée")
    );
    // A centre cannot post for a company that did not delegate.
    let mut fields = offer_fields("Mécanicien", "Brest");
    let garage = {
        let mut g = app.login_as("garage.kerherve@demo.passerelle.test").await;
        g.get("/organisation")
            .await
            .location()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    fields.push(("company_id".into(), garage));
    centre.get("/mes-offres/nouvelle").await;
    post_offer(&mut centre, "/mes-offres", &fields)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

async fn offers_expire_after_a_warning(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    let today = passerelle::clock::today_paris();
    let end = today + chrono::Duration::days(5);
    let mut fields = offer_fields("Apprenti·e vendeur·se", "Rennes");
    fields.push(("expires_on".into(), end.format("%d/%m/%Y").to_string()));
    let id = id_from_location(
        &post_offer(&mut recruiter, "/mes-offres", &fields)
            .await
            .location(),
    );
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await;
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);

    let run = |day: chrono::NaiveDate| {
        app.state.db.tx(move |conn| {
            passerelle::offers::service::expire_and_warn(conn, "http://passerelle.test", day)
        })
    };
    // Five days before the end: one warning, never twice.
    let (expired, warned) = run(today).await.unwrap();
    assert_eq!((expired.len(), warned), (0, 1));
    let mail = app.last_mail_to("recruiter@demo.passerelle.test").await;
    assert!(mail.subject.contains("expire bientôt"));
    assert!(mail.body.contains(&end.format("%d/%m/%Y").to_string()));
    assert_eq!(run(today).await.unwrap(), (vec![], 0));
    // Extending pushes the end by 60 days and re-arms the warning.
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/prolonger"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(run(today).await.unwrap(), (vec![], 0));
    // After the (new) end, the offer expires and leaves the public list.
    let later = end + chrono::Duration::days(61);
    let (expired, _) = run(later).await.unwrap();
    assert_eq!(expired, vec![id.clone()]);
    assert!(recruiter.get("/mes-offres").await.contains("Expirée"));
    app.client()
        .get(&format!("/offres/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        app.last_mail_to("recruiter@demo.passerelle.test")
            .await
            .subject
            .contains("a expiré")
    );
}

async fn offers_export_for_national_aggregators(app: TestApp) {
    let app = app.with_demo().await;
    let mut api = app.client();
    let published: Vec<String> =
        api.get("/api/v1/offers/search?per_page=100").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(published.len(), 3, "the demo publishes three offers");

    // JSON Lines (the default): exactly the published offers, oldest update first.
    let r = api.get("/api/v1/offers/export").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/x-ndjson");
    let lines: Vec<serde_json::Value> = r
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let mut ids: Vec<String> = lines
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let titles: Vec<&str> = lines.iter().map(|o| o["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Apprenti·e boulanger·ère",
            "Vendeur·se en boulangerie-pâtisserie",
            "Apprenti·e pâtissier·ère"
        ]
    );
    ids.sort();
    let mut expected = published.clone();
    expected.sort();
    assert_eq!(ids, expected);
    let first = &lines[0];
    for field in [
        "id",
        "partner_reference",
        "title",
        "description",
        "rome_code",
        "rome_label",
        "contract_type",
        "level",
        "training",
        "start_date",
        "duration_months",
        "positions",
        "commune_insee",
        "commune_name",
        "postal_code",
        "department",
        "lat",
        "lon",
        "company_name",
        "company_siret",
        "share_with_france_travail",
        "published_at",
        "updated_at",
        "url",
    ] {
        assert!(first.get(field).is_some(), "{field} missing: {first}");
    }
    assert_eq!(first.as_object().unwrap().len(), 24, "{first}");
    assert_eq!(first["rome_label"], "Boulanger / Boulangère");
    assert_eq!(first["commune_name"], "Rennes");
    assert_eq!(first["postal_code"], "35000");
    assert_eq!(first["company_name"], "Boulangerie Le Goff");
    assert_eq!(
        first["url"],
        format!(
            "http://passerelle.test/offres/{}",
            first["id"].as_str().unwrap()
        )
    );
    let updated: Vec<&str> = lines
        .iter()
        .map(|o| o["updated_at"].as_str().unwrap())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] <= w[1]), "{updated:?}");
    assert!(updated[0].ends_with('Z'));

    // An offer whose title a spreadsheet would run as a formula, published by the chamber.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let recruiter_token = recruiter.new_api_token().await;
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let officer_token = officer.new_api_token().await;
    let fields: serde_json::Map<String, serde_json::Value> =
        offer_fields("=1+2 Vendeur·se en boulangerie", "Saint-Malo")
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
    let created = api
        .api_json(
            "POST",
            "/api/v1/offers",
            &recruiter_token,
            serde_json::Value::Object(fields),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    for (token, action) in [(&recruiter_token, "submit"), (&officer_token, "approve")] {
        api.api_json(
            "POST",
            &format!("/api/v1/offers/{id}/transitions"),
            token,
            serde_json::json!({ "action": action }),
        )
        .await
        .assert_status(StatusCode::OK);
    }

    // CSV: byte order mark, header, `;`, the formula neutralised.
    let r = api.get("/api/v1/offers/export?format=csv").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        r.text.starts_with(
            "\u{feff}id;partner_reference;title;description;rome_code;rome_label;contract_type;level;\
             training;start_date;duration_months;positions;commune_insee;commune_name;\
             postal_code;department;lat;lon;company_name;company_siret;\
             share_with_france_travail;published_at;updated_at;url\n"
        ),
        "{}",
        r.text
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(r.text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let last = rows.last().unwrap();
    assert_eq!(&last[0], id.as_str(), "the newest update comes last");
    assert_eq!(&last[2], "'=1+2 Vendeur·se en boulangerie");
    assert!(!r.text.contains(";=1+2"));
    assert!(
        last[17].starts_with('-'),
        "a longitude stays a number: {last:?}"
    );

    // Since a moment: RFC 3339 (with an offset) or a date.
    let all = api
        .get("/api/v1/offers/export?updated_since=2000-01-01T00:00:00%2B01:00")
        .await;
    all.assert_status(StatusCode::OK);
    assert_eq!(all.text.lines().count(), 4);
    let future = api
        .get("/api/v1/offers/export?updated_since=2999-01-01")
        .await;
    future.assert_status(StatusCode::OK);
    assert_eq!(future.text, "");
    let future = api
        .get("/api/v1/offers/export?updated_since=2999-01-01T00:00:00Z&format=csv")
        .await;
    future.assert_status(StatusCode::OK);
    assert_eq!(future.text.lines().count(), 1, "header only");

    // Bad parameters: structured French errors.
    for query in [
        "updated_since=31/12/2026",
        "updated_since=hier",
        "format=xml",
    ] {
        let r = api.get(&format!("/api/v1/offers/export?{query}")).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.json();
        assert!(
            ["invalid", "unprocessable"].contains(&body["code"].as_str().unwrap()),
            "{body}"
        );
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("n’est pas une date lisible") || message.contains("format d’export"),
            "{message}"
        );
    }

    // Nothing personal: neither e-mail addresses nor account ids.
    let mut user_ids = Vec::new();
    for token in [&recruiter_token, &officer_token] {
        user_ids.push(
            api.api_get("/api/v1/me", token).await.json()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for format in ["jsonl", "csv"] {
        let body = api
            .get(&format!("/api/v1/offers/export?format={format}"))
            .await
            .text;
        assert!(!body.contains('@'), "{body}");
        for user in &user_ids {
            assert!(!body.contains(user.as_str()), "{format}: account id {user}");
        }
        for word in ["created_by", "moderated_by", "email"] {
            assert!(!body.contains(word), "{format}: {word}");
        }
    }

    // The export is in the OpenAPI document.
    let doc = api.get("/api/openapi.json").await.json();
    assert_eq!(
        doc["paths"]["/api/v1/offers/export"]["get"]["tags"][0],
        "offers"
    );
}
