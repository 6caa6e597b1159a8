//! Partners and governance: the public directory shows public fields only, each partner
//! sees its own restricted fields, checklist and contributions and nobody else's (page and
//! API); onboarding steps, charter versions and signatures, renewals and the reminder digest.

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    visitors_see_public_fields_and_partners_only_their_own,
    partner_admins_keep_contacts_and_choose_the_public_one,
    onboarding_steps_are_recorded_with_who_and_when,
    a_new_charter_version_flags_partners_until_they_sign,
    renewals_and_reminders_reach_the_regional_team_once_a_day,
);

const ADMIN: &str = "regional_admin@demo.passerelle.test";
const CFA: &str = "training_staff@demo.passerelle.test";
const FT: &str = "prescriber@demo.passerelle.test";
const TP: &str = "partner_responder@demo.passerelle.test";

const CFA_NAME: &str = "CFA des métiers de Rennes";
const FT_NAME: &str = "France Travail Rennes Est";
const TP_NAME: &str = "Transitions Pro Bretagne";
const CHAMBER_NAME: &str = "Chambre de métiers et de l’artisanat de Bretagne";

fn day(offset: i64) -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(offset))
        .format("%d/%m/%Y")
        .to_string()
}

/// A partner's id, from the public directory API.
async fn partner_id(client: &mut Client<'_>, name: &str) -> String {
    let r = client.get("/api/v1/partners").await;
    r.assert_status(StatusCode::OK);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the directory: {}", r.text))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn visitors_see_public_fields_and_partners_only_their_own(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let directory = visitor.get("/partenaires").await;
    directory.assert_status(StatusCode::OK);
    for name in [
        CFA_NAME,
        FT_NAME,
        TP_NAME,
        "Chambre de métiers et de l’artisanat de Bretagne",
    ] {
        assert!(
            directory.contains(&name.replace('’', "&#8217;")) || directory.contains(name),
            "{name}"
        );
    }
    // Filters by kind and department.
    let chambers = visitor.get("/partenaires?type=chamber").await;
    assert!(chambers.text.contains("Chambre de m"));
    assert!(!chambers.contains(CFA_NAME));
    let finistere = visitor.get("/api/v1/partners?departement=29").await.json();
    let names: Vec<&str> = finistere
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&TP_NAME) && !names.contains(&CFA_NAME),
        "{names:?}"
    );

    let cfa = partner_id(&mut visitor, CFA_NAME).await;
    let card = visitor.get(&format!("/partenaires/{cfa}")).await;
    card.assert_status(StatusCode::OK);
    assert!(
        card.contains("relations.entreprises@cfa-rennes.example.fr"),
        "public contact"
    );
    assert!(
        !card.contains("Hervé Coat"),
        "restricted contact shown to a visitor"
    );
    assert!(!card.contains("SIRET"));
    let api = visitor.get(&format!("/api/v1/partners/{cfa}")).await.json();
    assert_eq!(api["public_contact"]["name"], "Gaëlle Le Meur");
    assert!(api["restricted"].is_null(), "{api}");
    assert!(!api.to_string().contains("Hervé Coat"));
    // Governance needs an account; the admin pages too.
    visitor
        .get(&format!("/api/v1/partners/{cfa}/governance"))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // The CFA's own staff see the restricted fields.
    let mut own = app.login_as(CFA).await;
    let card = own.get(&format!("/partenaires/{cfa}")).await;
    assert!(card.contains("Hervé Coat") && card.contains("SIRET"));
    let token = own.new_api_token().await;
    let api = own
        .api_get(&format!("/api/v1/partners/{cfa}"), &token)
        .await
        .json();
    assert_eq!(api["restricted"]["contacts"].as_array().unwrap().len(), 2);
    let gov = own
        .api_get(&format!("/api/v1/partners/{cfa}/governance"), &token)
        .await;
    gov.assert_status(StatusCode::OK);
    assert_eq!(gov.json()["renewals"][0]["requested_cents"], 150_000);
    let mine = own.get("/ma-convention").await;
    assert!(mine.contains("1 500,00 €"), "own contribution");

    // Another partner (France Travail) sees only the CFA's public fields, never its
    // checklist or contributions.
    let mut other = app.login_as(FT).await;
    let card = other.get(&format!("/partenaires/{cfa}")).await;
    card.assert_status(StatusCode::OK);
    assert!(!card.contains("Hervé Coat") && !card.contains("SIRET"));
    assert!(
        !card.contains("action=\"/partenaires/"),
        "no contact forms for another partner"
    );
    let token = other.new_api_token().await;
    let api = other
        .api_get(&format!("/api/v1/partners/{cfa}"), &token)
        .await
        .json();
    assert!(api["restricted"].is_null());
    other
        .api_get(&format!("/api/v1/partners/{cfa}/governance"), &token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other
        .get(&format!("/admin/partenaires/{cfa}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other
        .api_get("/api/v1/partners/governance", &token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    other
        .get("/admin/partenaires")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mine = other.get("/ma-convention").await;
    mine.assert_status(StatusCode::OK);
    assert!(
        mine.contains(FT_NAME) && !mine.contains("1 500,00 €"),
        "another partner's contribution"
    );
    // Nor can it change the CFA's contacts (404, ids teach nothing).
    other.get("/ma-convention").await;
    other
        .post_form(
            &format!("/partenaires/{cfa}/contacts"),
            &[
                ("name", "Intrus"),
                ("function", "x"),
                ("email", "intrus@example.org"),
            ],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The regional administrator sees everything.
    let mut admin = app.login_as(ADMIN).await;
    let card = admin.get(&format!("/partenaires/{cfa}")).await;
    assert!(card.contains("Hervé Coat") && card.contains("Gouvernance de ce partenaire"));

    // A partner taken out of the directory disappears for visitors, not for its staff.
    admin.get(&format!("/partenaires/{cfa}")).await;
    admin
        .post_form(
            &format!("/partenaires/{cfa}/fiche"),
            &[
                ("platform_role", "Publie des offres"),
                ("website", ""),
                ("description", ""),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    visitor
        .get(&format!("/partenaires/{cfa}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!visitor.get("/partenaires").await.contains(CFA_NAME));
    own.get(&format!("/partenaires/{cfa}"))
        .await
        .assert_status(StatusCode::OK);
}

async fn partner_admins_keep_contacts_and_choose_the_public_one(app: TestApp) {
    let app = app.with_demo().await;
    let mut own = app.login_as(CFA).await;
    let cfa = partner_id(&mut own, CFA_NAME).await;
    own.get(&format!("/partenaires/{cfa}")).await;
    // A wrong e-mail is refused with a French message, the form keeping what was typed.
    let page = own
        .post_form(
            &format!("/partenaires/{cfa}/contacts"),
            &[
                ("name", "Anne Riou"),
                ("function", "Chargée de mission"),
                ("email", "anne"),
            ],
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Le formulaire contient une erreur")
            && page.contains("@")
            && page.contains("value=\"Anne Riou\"")
            && page.contains("value=\"Chargée de mission\""),
        "{}",
        page.text
    );
    // A card with a wrong address is refused the same way, and the stored card stays.
    let page = own
        .post_form(
            &format!("/partenaires/{cfa}/fiche"),
            &[
                ("website", "pas une adresse"),
                ("description", "Texte tapé"),
            ],
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("value=\"pas une adresse\"") && page.contains(">Texte tapé</textarea>"),
        "{}",
        page.text
    );
    let stored = app.client().get(&format!("/partenaires/{cfa}")).await;
    assert!(!stored.contains("Texte tapé") && !stored.contains("pas une adresse"));
    let r = own
        .post_form(
            &format!("/partenaires/{cfa}/contacts"),
            &[
                ("name", "Anne Riou"),
                ("function", "Chargée de mission alternance"),
                ("email", "anne.riou@cfa-rennes.example.fr"),
                ("phone", "02 99 00 11 23"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let token = own.new_api_token().await;
    let api = own
        .api_get(&format!("/api/v1/partners/{cfa}"), &token)
        .await
        .json();
    let contacts = api["restricted"]["contacts"].as_array().unwrap().clone();
    let anne = contacts.iter().find(|c| c["name"] == "Anne Riou").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    own.get(&format!("/partenaires/{cfa}")).await;
    own.post_form(&format!("/partenaires/{cfa}/contacts/{anne}/public"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // The directory now shows Anne, and only her.
    let mut visitor = app.client();
    let card = visitor.get(&format!("/partenaires/{cfa}")).await;
    assert!(card.contains("anne.riou@cfa-rennes.example.fr"));
    assert!(!card.contains("Gaëlle Le Meur") && !card.contains("relations.entreprises@"));
    let api = visitor.get(&format!("/api/v1/partners/{cfa}")).await.json();
    assert_eq!(api["public_contact"]["name"], "Anne Riou");

    // The partner edits its presentation; the text is escaped.
    own.get(&format!("/partenaires/{cfa}")).await;
    own.post_form(
        &format!("/partenaires/{cfa}/fiche"),
        &[
            ("website", "https://cfa.example.fr"),
            ("description", "Nouveau <b>CFA</b> rénové"),
            // Ignored: only the regional team decides the role and the listing.
            ("platform_role", "Tout"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let card = visitor.get(&format!("/partenaires/{cfa}")).await;
    assert!(
        card.contains("Nouveau &#60;b&#62;CFA&#60;/b&#62; rénové")
            || card.contains("Nouveau &lt;b&gt;CFA&lt;/b&gt; rénové"),
        "{}",
        card.text
    );
    assert!(
        card.contains("Publie les offres d’alternance")
            || card.contains("Publie les offres d&#8217;alternance")
    );
    assert!(!card.contains("<dd>Tout</dd>"));

    // Another partner's contact cannot be made public or removed through this partner.
    let mut other = app.login_as(FT).await;
    other.get("/ma-convention").await;
    other
        .post_form(
            &format!("/partenaires/{cfa}/contacts/{anne}/suppression"),
            &[],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let ft = partner_id(&mut visitor, FT_NAME).await;
    other.get(&format!("/partenaires/{ft}")).await;
    other
        .post_form(&format!("/partenaires/{ft}/contacts/{anne}/public"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    own.get(&format!("/partenaires/{cfa}")).await;
    own.post_form(
        &format!("/partenaires/{cfa}/contacts/{anne}/suppression"),
        &[],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert!(
        !visitor
            .get(&format!("/partenaires/{cfa}"))
            .await
            .contains("Anne Riou")
    );
}

async fn onboarding_steps_are_recorded_with_who_and_when(app: TestApp) {
    let app = app.with_demo().await;
    let mut admin = app.login_as(ADMIN).await;
    let tp = partner_id(&mut admin, TP_NAME).await;
    let cfa = partner_id(&mut admin, CFA_NAME).await;

    // Transitions Pro started 100 days ago: the charter (90 days) is late; the CFA is done.
    let late = admin.get("/admin/partenaires?retard=oui").await;
    late.assert_status(StatusCode::OK);
    assert!(
        late.contains(TP_NAME) && !late.contains(CFA_NAME),
        "{}",
        late.text
    );
    let list = admin.get("/admin/partenaires").await;
    assert!(
        list.contains("2/8") && list.contains("8/8"),
        "{}",
        list.text
    );

    let page = admin.get(&format!("/admin/partenaires/{tp}")).await;
    page.assert_status(StatusCode::OK);
    let done_on = day(-2);
    admin
        .post_form(
            &format!("/admin/partenaires/{tp}/etapes"),
            &[
                ("step", "accounts_created"),
                ("done_on", done_on.as_str()),
                ("done_by", "Erwan Le Bihan"),
                ("note", "Trois comptes de répondants"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = admin.get(&format!("/admin/partenaires/{tp}")).await;
    assert!(page.contains("Étape « Comptes créés » enregistrée."));
    assert!(
        page.contains(&done_on)
            && page.contains("Erwan Le Bihan")
            && page.contains("Trois comptes")
    );

    // A date in the future, an unknown step, another partner's import profile are refused;
    // the form comes back as typed (422), not reset to today.
    let future = day(3);
    let r = admin
        .post_form(
            &format!("/admin/partenaires/{tp}/etapes"),
            &[
                ("step", "data_spaces"),
                ("done_on", future.as_str()),
                ("note", "Espaces ouverts"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("ne peut pas être dans le futur"));
    assert!(r.contains(&format!(
        "id=\"done_on\" name=\"done_on\" inputmode=\"numeric\" value=\"{future}\""
    )));
    assert!(r.contains("<option value=\"data_spaces\" selected>"));
    assert!(r.contains("id=\"note\" name=\"note\" value=\"Espaces ouverts\""));
    let r = admin
        .post_form(
            &format!("/admin/partenaires/{tp}/etapes"),
            &[("step", "data_spaces"), ("done_on", "29/02/2026")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Cette date n’existe pas (29/02/2026) : février 2026 compte 28 jours."),
        "{}",
        r.text
    );
    assert!(r.contains("value=\"29/02/2026\""));
    let token = admin.new_api_token().await;
    let r = admin
        .api_json(
            "POST",
            &format!("/api/v1/partners/{tp}/steps"),
            &token,
            json!({"step": "lunch", "done_on": day(0)}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Étape inconnue"));
    let cfa_gov = admin
        .api_get(&format!("/api/v1/partners/{cfa}/governance"), &token)
        .await
        .json();
    let cfa_profile = cfa_gov["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["step"] == "gateway_spec")
        .unwrap()["done"]["import_profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = admin
        .api_json(
            "POST",
            &format!("/api/v1/partners/{tp}/steps"),
            &token,
            json!({"step": "gateway_spec", "done_on": day(0), "import_profile_id": cfa_profile}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // The CFA's gateway step links its import profile.
    let page = admin.get(&format!("/admin/partenaires/{cfa}")).await;
    assert!(
        page.contains("Profil d’import : demo-generic")
            || page.contains("Profil d&#8217;import : demo-generic"),
        "{}",
        page.text
    );

    // Through the API, the recorder is who did it by default.
    let r = admin
        .api_json(
            "POST",
            &format!("/api/v1/partners/{tp}/steps"),
            &token,
            json!({"step": "data_spaces", "done_on": day(0)}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let gov = admin
        .api_get(&format!("/api/v1/partners/{tp}/governance"), &token)
        .await
        .json();
    let item = gov["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["step"] == "data_spaces")
        .unwrap()
        .clone();
    assert_eq!(
        item["done"]["done_by"], "Élodie Cadiou",
        "the demo regional admin's name"
    );
    assert_eq!(gov["steps_done"], 4);

    // The partner sees its checklist read-only, and cannot record a step.
    let mut partner = app.login_as(TP).await;
    let mine = partner.get("/ma-convention").await;
    assert!(mine.contains("Trois comptes de répondants") && mine.contains("Erwan Le Bihan"));
    assert!(!mine.contains("/etapes"));
    let token = partner.new_api_token().await;
    partner
        .api_json(
            "POST",
            &format!("/api/v1/partners/{tp}/steps"),
            &token,
            json!({"step": "training_given", "done_on": day(0)}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    partner
        .api_json(
            "POST",
            &format!("/api/v1/partners/{cfa}/steps"),
            &token,
            json!({"step": "training_given", "done_on": day(0)}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // A new partner is added from the list and starts its checklist.
    let page = admin.get("/admin/partenaires").await;
    assert!(page.contains("Mission Locale du Pays de Brest"));
    let start = page.text.find("Mission Locale du Pays de Brest").unwrap();
    let option = &page.text[..start];
    let value_at = option.rfind("value=\"").unwrap() + 7;
    let ml = option[value_at..].split('"').next().unwrap().to_owned();
    // Without its role in the platform, it is refused with the form as typed.
    let page = admin
        .post_form(
            "/admin/partenaires",
            &[
                ("organisation_id", ml.as_str()),
                ("website", "https://ml-brest.example.fr"),
            ],
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Indiquez le rôle du partenaire")
            && page.contains("value=\"https://ml-brest.example.fr\"")
            && page.contains(&format!("value=\"{ml}\" selected")),
        "{}",
        page.text
    );
    let r = admin
        .post_form(
            "/admin/partenaires",
            &[
                ("organisation_id", ml.as_str()),
                ("platform_role", "Prescrit des formations"),
                ("listed", "oui"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/admin/partenaires/{ml}"));
    assert!(admin.get(&r.location()).await.contains("0 étape sur 8"));
    assert!(
        app.client()
            .get("/partenaires")
            .await
            .contains("Mission Locale du Pays de Brest")
    );
}

async fn a_new_charter_version_flags_partners_until_they_sign(app: TestApp) {
    let app = app.with_demo().await;
    let mut admin = app.login_as(ADMIN).await;
    let ft = partner_id(&mut admin, FT_NAME).await;
    let cfa = partner_id(&mut admin, CFA_NAME).await;
    let token = admin.new_api_token().await;
    let status = |rows: &serde_json::Value, name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["charter_status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // France Travail signed version 1 only: flagged.
    let rows = admin
        .api_get("/api/v1/partners/governance", &token)
        .await
        .json();
    assert_eq!(status(&rows, FT_NAME), "resign");
    assert_eq!(status(&rows, CFA_NAME), "signed");
    assert_eq!(status(&rows, TP_NAME), "unsigned");
    assert!(
        admin
            .get("/admin/partenaires")
            .await
            .contains("charte à signer de nouveau")
    );

    // Its administrator signs version 2 from "Ma convention"; the flag clears.
    let mut partner = app.login_as(FT).await;
    let page = partner.get("/ma-convention").await;
    assert!(page.contains("Charte à signer de nouveau") && page.contains("Signer la version 2"));
    partner
        .post_form("/ma-convention/signature", &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = partner.get("/ma-convention").await;
    assert!(
        page.contains("la version 2 de la charte est signée"),
        "{}",
        page.text
    );
    assert!(!page.contains("Signer la version 2"));
    let rows = admin
        .api_get("/api/v1/partners/governance", &token)
        .await
        .json();
    assert_eq!(status(&rows, FT_NAME), "signed");
    // Signing twice changes nothing.
    partner.post_form("/ma-convention/signature", &[]).await;
    assert!(
        partner
            .get("/ma-convention")
            .await
            .contains("a déjà signé la version 2")
    );
    let gov = admin
        .api_get(&format!("/api/v1/partners/{ft}/governance"), &token)
        .await
        .json();
    let signatures = gov["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{gov}");
    assert_eq!(signatures[0]["version_number"], 2);
    assert_eq!(signatures[0]["signed_by"], "Maëlle Guével");

    // The regional team never signs in a partner's place.
    admin
        .api_json(
            "POST",
            &format!("/api/v1/partners/{cfa}/charter-signatures"),
            &token,
            json!({}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // A third version (escaped, kept with the others) flags everyone who signed before.
    admin
        .get("/admin/charte")
        .await
        .assert_status(StatusCode::OK);
    let r = admin
        .post_form("/admin/charte", &[("title", ""), ("body", "")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Indiquez le titre"));
    admin
        .post_form(
            "/admin/charte",
            &[
                ("title", "Charte 2027"),
                (
                    "body",
                    "Article 1 : <script>alert(1)</script>\n\nArticle 2 : **respect** des délais.",
                ),
                ("effective_on", day(0).as_str()),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = admin.get("/admin/charte").await;
    assert!(page.contains("La version 3 de la charte est publiée"));
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "{}",
        page.text
    );
    let current = app.client().get("/api/v1/partners/charter").await.json();
    assert_eq!(current["number"], 3);
    let rows = admin
        .api_get("/api/v1/partners/governance", &token)
        .await
        .json();
    for name in [FT_NAME, CFA_NAME, CHAMBER_NAME] {
        assert_eq!(status(&rows, name), "resign", "{name}");
    }
    // The CFA signs through the API; its flag clears, the others stay.
    let mut cfa_staff = app.login_as(CFA).await;
    let cfa_token = cfa_staff.new_api_token().await;
    let r = cfa_staff
        .api_json(
            "POST",
            &format!("/api/v1/partners/{cfa}/charter-signatures"),
            &cfa_token,
            json!({}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    assert_eq!(r.json()["version"], 3);
    // …but not for another partner.
    cfa_staff
        .api_json(
            "POST",
            &format!("/api/v1/partners/{ft}/charter-signatures"),
            &cfa_token,
            json!({}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let rows = admin
        .api_get("/api/v1/partners/governance", &token)
        .await
        .json();
    assert_eq!(status(&rows, CFA_NAME), "signed");
    assert_eq!(status(&rows, FT_NAME), "resign");

    // A version effective later does not yet ask for signatures.
    admin.get("/admin/charte").await;
    admin
        .post_form(
            "/admin/charte",
            &[
                ("title", "Charte 2028"),
                ("body", "Texte"),
                ("effective_on", day(30).as_str()),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let rows = admin
        .api_get("/api/v1/partners/governance", &token)
        .await
        .json();
    assert_eq!(status(&rows, CFA_NAME), "signed");
}

/// Digests sent to the regional administrator so far.
async fn digests(app: &TestApp) -> Vec<String> {
    app.mails()
        .await
        .into_iter()
        .filter(|m| m.to.contains(ADMIN) && m.subject.starts_with("Partenaires :"))
        .map(|m| m.body)
        .collect()
}

async fn run_reminders(app: &TestApp) {
    app.state
        .db
        .run(|conn| passerelle::jobs::enqueue(conn, "partners.remind", "", passerelle::db::now()))
        .await
        .unwrap();
    app.run_jobs().await;
}

async fn renewals_and_reminders_reach_the_regional_team_once_a_day(app: TestApp) {
    let app = app.with_demo().await;
    // The daily job: the CFA renews within 30 days, the chamber's contribution is overdue,
    // France Travail must sign the charter again.
    let first = digests(&app).await;
    assert_eq!(first.len(), 1, "{first:?}");
    let body = &first[0];
    assert!(
        body.contains("Renouvellement tacite de la convention de CFA des métiers de Rennes"),
        "{body}"
    );
    assert!(body.contains("1 500,00 €"));
    assert!(
        body.contains("Cotisation") && body.contains("impayée : 2 500,00 €"),
        "{body}"
    );
    assert!(body.contains("France Travail Rennes Est doit signer de nouveau la charte"));
    assert!(!body.contains(TP_NAME), "nothing due for Transitions Pro");

    // Once per item per day: running it again the same day sends nothing.
    run_reminders(&app).await;
    assert_eq!(digests(&app).await.len(), 1);

    // The team records Transitions Pro's renewal, with its contribution already overdue,
    // and the chamber's payment.
    let mut admin = app.login_as(ADMIN).await;
    let tp = partner_id(&mut admin, TP_NAME).await;
    admin.get(&format!("/admin/partenaires/{tp}")).await;
    let r = admin
        .post_form(
            &format!("/admin/partenaires/{tp}/renouvellements"),
            &[
                ("renewal_on", day(90).as_str()),
                ("amount", "abc"),
                ("due_on", "31/04/2027"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Le montant s’écrit en euros"));
    assert!(r.contains("Cette date n’existe pas (31/04/2027) : avril 2027 compte 30 jours."));
    assert!(r.contains(&format!(
        "id=\"renewal_on\" name=\"renewal_on\" inputmode=\"numeric\" value=\"{}\"",
        day(90)
    )));
    assert!(r.contains("id=\"amount\" name=\"amount\" inputmode=\"decimal\" value=\"abc\""));
    admin
        .post_form(
            &format!("/admin/partenaires/{tp}/renouvellements"),
            &[
                ("renewal_on", day(90).as_str()),
                ("amount", "1 250,50"),
                ("requested_on", day(-40).as_str()),
                ("due_on", day(-1).as_str()),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = admin.get(&format!("/admin/partenaires/{tp}")).await;
    assert!(
        page.contains("1 250,50 €") && page.contains("impayée après l’échéance"),
        "{}",
        page.text
    );
    let chamber = partner_id(&mut admin, CHAMBER_NAME).await;
    let token = admin.new_api_token().await;
    let gov = admin
        .api_get(&format!("/api/v1/partners/{chamber}/governance"), &token)
        .await
        .json();
    let renewal = gov["renewals"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(gov["renewals"][0]["unpaid_late"], true);
    admin.get(&format!("/admin/partenaires/{chamber}")).await;
    // A payment dated tomorrow is refused on the governance page, as typed.
    let page = admin
        .post_form(
            &format!("/admin/renouvellements/{renewal}/paiement"),
            &[("amount", "2 500"), ("paid_on", day(1).as_str())],
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("ne peut pas être dans le futur")
            && page.contains("value=\"2 500\"")
            && page.contains(&format!("value=\"{}\"", day(1))),
        "{}",
        page.text
    );
    admin
        .post_form(
            &format!("/admin/renouvellements/{renewal}/paiement"),
            &[("amount", "2 500"), ("paid_on", day(0).as_str())],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let gov = admin
        .api_get(&format!("/api/v1/partners/{chamber}/governance"), &token)
        .await
        .json();
    assert_eq!(gov["renewals"][0]["paid_cents"], 250_000);
    assert_eq!(gov["renewals"][0]["unpaid_late"], false);

    // Only the new item goes out today.
    run_reminders(&app).await;
    let all = digests(&app).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all[1].contains("Transitions Pro Bretagne impayée : 1 250,50 €"),
        "{}",
        all[1]
    );
    assert!(!all[1].contains("CFA des métiers de Rennes") && !all[1].contains("doit signer"));

    // The next day, what is still due comes back; what was settled does not.
    let tomorrow = passerelle::clock::today_paris() + chrono::Duration::days(1);
    let items = app
        .state
        .db
        .tx(move |conn| {
            passerelle::partners::service::send_reminders(conn, tomorrow, "http://passerelle.test")
        })
        .await
        .unwrap();
    assert_eq!(
        items, 3,
        "CFA renewal, Transitions Pro unpaid, France Travail charter"
    );
    let all = digests(&app).await;
    assert!(!all[2].contains("2 500,00 €"));

    // Partners never reach these pages or endpoints.
    let mut partner = app.login_as(TP).await;
    partner.get("/ma-convention").await;
    partner
        .post_form(
            &format!("/admin/partenaires/{tp}/renouvellements"),
            &[
                ("renewal_on", day(90).as_str()),
                ("amount", "1"),
                ("due_on", day(9).as_str()),
            ],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let token = partner.new_api_token().await;
    partner
        .api_json(
            "POST",
            &format!("/api/v1/partners/renewals/{renewal}/payment"),
            &token,
            json!({"amount": "1", "paid_on": day(0)}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mine = partner.get("/ma-convention").await;
    assert!(mine.contains("1 250,50 €") && !mine.contains("2 500,00 €"));
}
