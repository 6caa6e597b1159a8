use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    an_organisation_cannot_read_another,
    staff_are_invited_by_their_organisation_admin,
    only_the_regional_admin_administers,
    delegations_are_the_companys_to_grant_and_revoke,
);

async fn an_organisation_cannot_read_another(app: TestApp) {
    let app = app.with_demo().await;
    let mut pending_recruiter = app.login_as("garage.kerherve@demo.passerelle.test").await;
    let garage = pending_recruiter.own_org_id().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let bakery = recruiter.own_org_id().await;

    // Own organisation: page and API.
    let page = recruiter.get(&format!("/organisations/{bakery}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Boulangerie Le Goff"));
    assert!(page.contains("recruiter@demo.passerelle.test"));
    let token = recruiter.new_api_token().await;
    let mut api = app.client();
    let own = api
        .api_get(&format!("/api/v1/organisations/{bakery}"), &token)
        .await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.json()["name"], "Boulangerie Le Goff");
    assert_eq!(own.json()["departments"][0], "35");

    // Another company: not by URL, not by API, and guessing ids teaches nothing (404 either way).
    let r = recruiter.get(&format!("/organisations/{garage}")).await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert!(!r.contains("Garage Kerhervé"));
    let r = api
        .api_get(&format!("/api/v1/organisations/{garage}"), &token)
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    api.api_get(
        "/api/v1/organisations/00000000-0000-7000-8000-000000000000",
        &token,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    // Its staff cannot be invited to by an outsider.
    recruiter.get("/tableau-de-bord").await;
    recruiter
        .post_form(
            &format!("/organisations/{garage}/invitations"),
            &[
                ("email", "x@y.fr"),
                ("first_name", "X"),
                ("last_name", "Y"),
                ("role", "recruiter"),
            ],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The chamber covering Finistère sees the pending company; a teacher does not.
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer
        .get(&format!("/organisations/{garage}"))
        .await
        .assert_status(StatusCode::OK);
    let mut teacher = app.login_as("teacher@demo.passerelle.test").await;
    teacher
        .get(&format!("/organisations/{garage}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn staff_are_invited_by_their_organisation_admin(app: TestApp) {
    let app = app.with_demo().await;
    let mut admin = app.login_as("training_staff@demo.passerelle.test").await;
    let centre = admin.own_org_id().await;
    let page = admin.get(&format!("/organisations/{centre}")).await;
    assert!(page.contains("Inviter une personne"));
    // A role that does not belong to a training centre is refused.
    let r = admin
        .post_form(
            &format!("/organisations/{centre}/invitations"),
            &[
                ("email", "nina@cfa.fr"),
                ("first_name", "Nina"),
                ("last_name", "Riou"),
                ("role", "prescriber"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Ce rôle n’existe pas pour ce type d’organisation."));
    admin
        .post_form(
            &format!("/organisations/{centre}/invitations"),
            &[
                ("email", "nina@cfa.fr"),
                ("first_name", "Nina"),
                ("last_name", "Riou"),
                ("role", "training_staff"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to("nina@cfa.fr").await;
    assert!(
        mail.subject.contains("CFA des métiers de Rennes"),
        "{}",
        mail.subject
    );
    let link = mail.link();
    let token = link.split('=').nth(1).unwrap().to_owned();
    let mut nina = app.client();
    nina.get(&link).await.assert_status(StatusCode::OK);
    nina.post_form(
        "/invitation",
        &[
            ("jeton", &token),
            ("password", "mon-mot-de-passe-cfa"),
            ("password_confirm", "mon-mot-de-passe-cfa"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    nina.get("/connexion").await;
    nina.post_form(
        "/connexion",
        &[
            ("email", "nina@cfa.fr"),
            ("password", "mon-mot-de-passe-cfa"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let dashboard = nina.get("/tableau-de-bord").await;
    assert!(dashboard.contains("Personnel d’organisme de formation"));
    assert!(dashboard.contains("CFA des métiers de Rennes"));
    // Nina is not an administrator of the centre: she cannot invite.
    let page = nina.get(&format!("/organisations/{centre}")).await;
    assert!(!page.contains("Inviter une personne"));
    nina.post_form(
        &format!("/organisations/{centre}/invitations"),
        &[
            ("email", "z@cfa.fr"),
            ("first_name", "Z"),
            ("last_name", "Z"),
            ("role", "training_staff"),
        ],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}

async fn only_the_regional_admin_administers(app: TestApp) {
    let app = app.with_demo().await;
    for role in [
        "candidate",
        "recruiter",
        "registration_officer",
        "editor",
        "info_officer",
    ] {
        let mut c = app.login_as(&format!("{role}@demo.passerelle.test")).await;
        for path in [
            "/admin/comptes",
            "/admin/organisations",
            "/admin/courriels",
            "/admin/journal",
        ] {
            let r = c.get(path).await;
            r.assert_status(StatusCode::FORBIDDEN);
            assert!(r.contains("Accès refusé"));
        }
    }
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    // Create a partner organisation with its territory.
    admin
        .get("/admin/organisations")
        .await
        .assert_status(StatusCode::OK);
    let r = admin
        .post_form(
            "/admin/organisations",
            &[
                ("kind", "employment_agency"),
                ("name", "Cap emploi 56"),
                ("network", "Cap emploi"),
                ("siret", ""),
                ("departments", "56, 99"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Le département « 99 » n’existe pas."));
    let r = admin
        .post_form(
            "/admin/organisations",
            &[
                ("kind", "employment_agency"),
                ("name", "Cap emploi 56"),
                ("network", "Cap emploi"),
                ("siret", ""),
                ("departments", "56"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = admin.get(&r.location()).await;
    assert!(page.contains("Cap emploi 56"));
    assert!(page.contains("56"));
    // A role change is audited and ends the person's sessions.
    let mut editor = app.login_as("editor@demo.passerelle.test").await;
    let accounts = admin.get("/admin/comptes?q=editor").await;
    let id = accounts
        .text
        .split("editor@demo.passerelle.test")
        .nth(1)
        .unwrap()
        .split("/admin/comptes/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let r = admin
        .post_form(
            &format!("/admin/comptes/{id}/role"),
            &[("role", "recruiter")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    admin.get("/admin/comptes").await;
    admin
        .post_form(
            &format!("/admin/comptes/{id}/role"),
            &[("role", "info_officer")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    editor
        .get("/tableau-de-bord")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let journal = admin.get("/admin/journal").await;
    assert!(journal.contains("role_changed"));
    assert!(journal.contains("info_officer"));
}

#[tokio::test]
async fn demo_data_loads_once() {
    let app = TestApp::new(crate::helpers::Backend::Sqlite)
        .await
        .with_demo()
        .await;
    let again = app.state.db.run(passerelle::demo::load).await.unwrap();
    assert!(!again, "a second load changes nothing");
    for role in passerelle::types::Role::ALL {
        let mut c = app.login_as(&passerelle::types::demo_email(*role)).await;
        c.get("/tableau-de-bord")
            .await
            .assert_status(StatusCode::OK);
    }
    // The other accounts `passerelle demo` lists exist too, with the same password.
    for (local, _) in passerelle::demo::OTHER_ACCOUNTS {
        let mut c = app
            .login_as(&format!("{local}@{}", passerelle::types::DEMO_DOMAIN))
            .await;
        c.get("/tableau-de-bord")
            .await
            .assert_status(StatusCode::OK);
    }
}

const CENTRE_STAFF: &str = "training_staff@demo.passerelle.test";
/// The demo training centre's SIRET (the CFA the demo bakery delegates to).
async fn centre_siret(app: &TestApp) -> String {
    app.state
        .db
        .run(|conn| {
            let user = passerelle::auth::store::by_email(conn, CENTRE_STAFF)?.expect("demo staff");
            let centre = passerelle::organisations::store::get(
                conn,
                user.organisation_id.as_deref().expect("centre staff"),
            )?;
            Ok(centre.siret.expect("a centre has a SIRET"))
        })
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &'static str) -> usize {
    app.state
        .db
        .run(move |conn| passerelle::auth::audit::recent(conn, None, 500))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .count()
}

async fn delegations_are_the_companys_to_grant_and_revoke(app: TestApp) {
    let app = app.with_demo().await;
    let siret = centre_siret(&app).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let bakery = recruiter.own_org_id().await;
    let mut centre = app.login_as(CENTRE_STAFF).await;
    let centre_id = centre.own_org_id().await;

    // The centre manages the bakery's pastry offer by delegation.
    let mut visitor = app.client();
    let found = visitor
        .get("/api/v1/offers/search?q=patissier")
        .await
        .json();
    let offer = found["items"][0]["id"].as_str().unwrap().to_owned();
    centre
        .get(&format!("/mes-offres/{offer}/modifier"))
        .await
        .assert_status(StatusCode::OK);

    // The centre cannot grant itself a delegation, nor revoke the company's.
    centre.get("/tableau-de-bord").await;
    let r = centre
        .post_form(
            &format!("/organisations/{bakery}/delegations"),
            &[("siret", &siret)],
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    centre
        .post_form(
            &format!("/organisations/{bakery}/delegations/{centre_id}/revoquer"),
            &[],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The company's page lists the centre with a button to end the delegation.
    let page = recruiter.get(&format!("/organisations/{bakery}")).await;
    assert!(page.contains("Retirer la délégation"), "{}", page.text);
    let r = recruiter
        .post_form(
            &format!("/organisations/{bakery}/delegations/{centre_id}/revoquer"),
            &[],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        recruiter
            .get(&format!("/organisations/{bakery}"))
            .await
            .contains("Aucun : vos offres sont gérées par votre entreprise.")
    );
    assert_eq!(audited(&app, "delegation_revoked").await, 1);

    // From now on the centre neither manages nor creates the company's offers, nor imports
    // for it.
    centre
        .get(&format!("/mes-offres/{offer}/modifier"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let token = centre.new_api_token().await;
    let mut api = app.client();
    let r = api
        .api_json(
            "PUT",
            &format!("/api/v1/offers/{offer}"),
            &token,
            serde_json::json!({"title": "Repris par le CFA"}),
        )
        .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status
    );
    let r = api
        .api_json(
            "POST",
            "/api/v1/offers",
            &token,
            serde_json::json!({
                "company_id": bakery,
                "title": "Apprenti·e boulanger·ère",
                "description": "Fabrication du pain et des viennoiseries au fournil, de nuit.",
                "rome": "D1102",
                "contract_type": "apprenticeship",
                "level": "3",
                "start_date": "01/09/2027",
                "duration_months": "24",
                "commune": "35238",
                "positions": "1"
            }),
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);

    // The company grants it again through the API, and revokes it there too.
    let company_token = recruiter.new_api_token().await;
    let granted = api
        .api_json(
            "POST",
            &format!("/api/v1/organisations/{bakery}/delegations"),
            &company_token,
            serde_json::json!({"siret": siret}),
        )
        .await;
    granted.assert_status(StatusCode::CREATED);
    assert_eq!(granted.json()["id"], centre_id.as_str());
    assert_eq!(audited(&app, "delegation_granted").await, 1);
    let listed = api
        .api_get(
            &format!("/api/v1/organisations/{bakery}/delegations"),
            &company_token,
        )
        .await;
    assert_eq!(listed.json()[0]["id"], centre_id.as_str());
    // The offer handed back at the revocation stays the bakery's; the centre posts for the
    // bakery again.
    centre
        .get(&format!("/mes-offres/{offer}/modifier"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    recruiter
        .get(&format!("/mes-offres/{offer}/modifier"))
        .await
        .assert_status(StatusCode::OK);
    let form = centre.get("/mes-offres/nouvelle").await;
    assert!(form.contains("Boulangerie Le Goff"), "{}", form.text);
    // The centre's own token cannot revoke it.
    api.api_json(
        "DELETE",
        &format!("/api/v1/organisations/{bakery}/delegations/{centre_id}"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    let revoked = api
        .api_json(
            "DELETE",
            &format!("/api/v1/organisations/{bakery}/delegations/{centre_id}"),
            &company_token,
            serde_json::json!({}),
        )
        .await;
    revoked.assert_status(StatusCode::OK);
    let listed = api
        .api_get(
            &format!("/api/v1/organisations/{bakery}/delegations"),
            &company_token,
        )
        .await;
    assert_eq!(listed.json(), serde_json::json!([]));

    // The chamber covering the company records a delegation on its behalf (audited), but
    // does not end one: that is the company's decision.
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let page = officer.get(&format!("/organisations/{bakery}")).await;
    assert!(page.contains("Déléguer"));
    officer
        .post_form(
            &format!("/organisations/{bakery}/delegations"),
            &[("siret", &siret)],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(audited(&app, "delegation_granted").await, 2);
    officer
        .post_form(
            &format!("/organisations/{bakery}/delegations/{centre_id}/revoquer"),
            &[],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
