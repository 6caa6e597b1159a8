use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(saved_searches_alert_once_and_feed_atom);

fn atom(text: &str) -> atom_syndication::Feed {
    text.parse::<atom_syndication::Feed>()
        .unwrap_or_else(|e| panic!("invalid Atom ({e}):\n{text}"))
}

async fn saved_searches_alert_once_and_feed_atom(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    // Save an offer, then remove it.
    let list = candidate.get("/offres?q=patissier").await;
    let id = list
        .text
        .split("/offres/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    candidate.get(&format!("/offres/{id}")).await;
    candidate
        .post_form(&format!("/offres/{id}/panier"), &[("action", "ajouter")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/panier")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );
    candidate.get(&format!("/offres/{id}")).await;
    candidate
        .post_form(&format!("/offres/{id}/panier"), &[("action", "retirer")])
        .await;
    assert!(
        !candidate
            .get("/panier")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );

    // Save a search with alerts.
    let page = candidate
        .get("/offres?q=charpentier&commune=35000&rayon=50")
        .await;
    assert!(page.contains("Enregistrer cette recherche"));
    candidate
        .post_form(
            "/recherches",
            &[
                ("name", "Charpente autour de Rennes"),
                ("query", "q=charpentier&commune=35000&rayon=50"),
                ("alerts", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let basket = candidate.get("/panier").await;
    assert!(basket.contains("Charpente autour de Rennes"));
    let token = basket
        .text
        .split("/flux/recherche/")
        .nth(1)
        .unwrap()
        .split(".atom")
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        0,
        "nothing new yet"
    );

    // A matching offer is published: one mail, never twice.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    let start = (chrono::Utc::now().date_naive() + chrono::Duration::days(40))
        .format("%d/%m/%Y")
        .to_string();
    let r = recruiter
        .post_form(
            "/mes-offres",
            &[
                ("title", "Apprenti·e charpentier·ère"),
                ("rome", "F1503"),
                (
                    "description",
                    "Charpentes traditionnelles en chêne et ossatures bois, atelier et chantiers.",
                ),
                ("contract_type", "apprentissage"),
                ("level", "3"),
                ("start_date", &start),
                ("duration_months", "24"),
                ("commune", "35238"),
                ("positions", "1"),
            ],
        )
        .await;
    let offer = r.location().rsplit('/').next().unwrap().to_owned();
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{offer}/soumettre"), &[])
        .await;
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{offer}"),
            &[("decision", "valider")],
        )
        .await;
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        1
    );
    let mail = app.last_mail_to("candidate@demo.passerelle.test").await;
    assert!(mail.subject.contains("Charpente autour de Rennes"));
    assert!(
        mail.body.contains("Apprenti·e charpentier·ère")
            && mail.body.contains(&format!("/offres/{offer}"))
    );
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        0,
        "never the same offer twice"
    );

    // The private feed, at a revocable address.
    let mut reader = app.client();
    let feed = reader.get(&format!("/flux/recherche/{token}.atom")).await;
    feed.assert_status(StatusCode::OK);
    assert!(
        feed.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let parsed = atom(&feed.text);
    assert_eq!(parsed.entries().len(), 1);
    assert_eq!(
        parsed.entries()[0].title().as_str(),
        "Apprenti·e charpentier·ère"
    );
    let id = basket
        .text
        .split("/recherches/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    candidate.get("/panier").await;
    candidate
        .post_form(&format!("/recherches/{id}/nouveau-lien"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    reader
        .get(&format!("/flux/recherche/{token}.atom"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Another person cannot delete it.
    let mut other = app.login_as("prescriber@demo.passerelle.test").await;
    other.get("/tableau-de-bord").await;
    other
        .post_form(&format!("/recherches/{id}/supprimer"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Public feeds per department and per occupation, valid Atom, newest first.
    let dept = atom(&reader.get("/flux/offres/departement/35.atom").await.text);
    assert_eq!(dept.entries().len(), 4);
    assert_eq!(
        dept.entries()[0].title().as_str(),
        "Apprenti·e charpentier·ère"
    );
    assert!(dept.title().as_str().contains("Ille-et-Vilaine"));
    let rome = atom(&reader.get("/flux/offres/metier/D1102.atom").await.text);
    assert_eq!(rome.entries().len(), 1);
    assert_eq!(
        atom(&reader.get("/flux/offres/departement/29.atom").await.text)
            .entries()
            .len(),
        0
    );
    reader
        .get("/flux/offres/departement/XX.atom")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
