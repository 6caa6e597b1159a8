//! Names, never codes: people read occupation labels, « Rennes (35000) », department names
//! and accented NAF labels; a commune is chosen, never guessed, the region's first; territory
//! menus list the instance's departments only.

use axum::http::StatusCode;
use diesel::prelude::*;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    an_ambiguous_commune_is_chosen_with_the_region_first,
    a_candidate_reads_names_where_codes_were,
    occupations_are_searched_by_their_words,
    territory_menus_list_the_instance_departments_by_name,
    naf_labels_are_accented_and_the_whole_tree_is_served,
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";

/// What a person reads: the text between tags, without attributes, scripts or styles.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag = &rest[start..];
        let skip_to = if tag.starts_with("<script") {
            tag.find("</script>").map(|i| i + "</script>".len())
        } else if tag.starts_with("<style") {
            tag.find("</style>").map(|i| i + "</style>".len())
        } else {
            tag.find('>').map(|i| i + 1)
        };
        rest = &tag[skip_to.unwrap_or(tag.len())..];
    }
    out.push_str(rest);
    out
}

fn start_date() -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(60))
        .format("%d/%m/%Y")
        .to_string()
}

async fn post_offer(c: &mut Client<'_>, commune: &[&str]) -> crate::helpers::TestResponse {
    let start = start_date();
    let mut fields = vec![
        ("title", "Apprenti boulanger"),
        ("rome", "boulanger"),
        (
            "description",
            "Vous apprendrez à pétrir, façonner et cuire le pain au levain, du lundi au vendredi.",
        ),
        ("contract_type", "apprentissage"),
        ("level", "3"),
        ("training", "CAP Boulanger"),
        ("duration_months", "24"),
        ("positions", "1"),
        ("start_date", start.as_str()),
    ];
    for c in commune {
        fields.push(("commune", c));
    }
    c.post_form("/mes-offres", &fields).await
}

async fn an_ambiguous_commune_is_chosen_with_the_region_first(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as(RECRUITER).await;
    recruiter
        .get("/mes-offres/nouvelle")
        .await
        .assert_status(StatusCode::OK);

    // « Cesson » is exactly a commune of Seine-et-Marne, but Brittany's Cesson-Sévigné starts
    // with it: the recruiter is asked, Brittany first, and nothing is stored.
    let before = offers_count(&app).await;
    let r = post_offer(&mut recruiter, &["Cesson"]).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible_text(&r.text);
    let here = text
        .find("Cesson-Sévigné (35510), Ille-et-Vilaine")
        .unwrap_or_else(|| panic!("no Brittany choice in:\n{text}"));
    let there = text
        .find("Cesson (77240), Seine-et-Marne")
        .expect("the commune of Seine-et-Marne is offered too");
    assert!(here < there, "the region's commune comes first");
    assert!(r.contains(r#"type="radio" id="commune-35051" name="commune" value="35051""#));
    assert!(r.contains(r#"value="Cesson""#), "what was typed is kept");
    assert_eq!(offers_count(&app).await, before);

    // Choosing the radio button (sent after the typed text) places the offer there.
    let r = post_offer(&mut recruiter, &["Cesson", "35051"]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let communes = offer_communes(&app).await;
    assert!(communes.contains(&"35051".to_owned()), "{communes:?}");
    assert!(!communes.contains(&"77067".to_owned()));

    // A name that is one commune of the region is taken as it is.
    post_offer(&mut recruiter, &["Saint-Malo"])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(offer_communes(&app).await.contains(&"35288".to_owned()));
}

async fn offers_count(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|conn| {
            use passerelle::db::schema::offers;
            Ok(offers::table.count().get_result(conn)?)
        })
        .await
        .unwrap()
}

async fn offer_communes(app: &TestApp) -> Vec<String> {
    app.state
        .db
        .run(|conn| {
            use passerelle::db::schema::offers;
            Ok(offers::table
                .filter(offers::title.eq("Apprenti boulanger"))
                .select(offers::commune_insee)
                .load(conn)?)
        })
        .await
        .unwrap()
}

async fn a_candidate_reads_names_where_codes_were(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    candidate.get("/profil").await.assert_status(StatusCode::OK);
    candidate
        .post_form(
            "/profil",
            &[
                ("rome1", "D1102"),
                ("rome2", "pâtissier"),
                ("commune", "35238"),
                ("mobility_km", "20"),
                ("level_reached", "3"),
                ("presentation", "J’aime travailler de mes mains."),
                ("visible", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);

    let profile = candidate.get("/profil").await;
    profile.assert_status(StatusCode::OK);
    assert!(
        profile.contains(r#"value="Boulanger / Boulangère""#),
        "{}",
        profile.text
    );
    assert!(profile.contains(r#"value="Rennes (35000)""#));

    // Every page of the candidate's space, as read: no ROME or INSEE code of theirs.
    let space = candidate.get("/tableau-de-bord").await;
    space.assert_status(StatusCode::OK);
    let mut pages = vec!["/profil".to_owned(), "/tableau-de-bord".to_owned()];
    let nav = &space.text[space.text.find("space-nav").expect("Mon espace menu")..];
    let nav = &nav[..nav.find("</nav>").unwrap_or(nav.len())];
    for part in nav.split("href=\"").skip(1) {
        let href = &part[..part.find('"').unwrap()];
        if href.starts_with('/') && !pages.iter().any(|p| p == href) {
            pages.push(href.to_owned());
        }
    }
    for theirs in ["/mes-candidatures", "/panier"] {
        assert!(
            pages.iter().any(|p| p == theirs),
            "the space links the candidate's things: {pages:?}"
        );
    }
    for path in &pages {
        let r = candidate.get(path).await;
        if r.status != StatusCode::OK {
            continue;
        }
        let text = visible_text(&r.text);
        for code in ["D1102", "35238"] {
            assert!(
                !text.contains(code),
                "{path} shows the code {code}:\n{text}"
            );
        }
    }
}

async fn occupations_are_searched_by_their_words(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    for path in [
        "/offres?metier=boulanger",
        "/formations?metier=boulanger",
        "/decouverte-metiers?metier=boulanger",
    ] {
        let r = visitor.get(path).await;
        r.assert_status(StatusCode::OK);
        assert!(
            r.contains("Métier : Boulanger / Boulangère (D1102)"),
            "{path}:\n{}",
            r.text
        );
    }
    // The code still works, and is shown by its name.
    let r = visitor.get("/offres?metier=D1102").await;
    r.assert_status(StatusCode::OK);
    assert!(r.contains("Métier : Boulanger / Boulangère (D1102)"));
    // Words naming nothing are said so, in French.
    let r = visitor.get("/offres?metier=xqzw").await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Aucun métier ne correspond à « xqzw »"));
    let r = visitor.get("/formations?metier=xqzw").await;
    assert!(
        r.contains("Aucun métier ne correspond à « xqzw »"),
        "{}",
        r.text
    );
}

async fn territory_menus_list_the_instance_departments_by_name(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    for path in ["/offres", "/formations", "/actualites", "/agenda"] {
        let r = visitor.get(path).await;
        r.assert_status(StatusCode::OK);
        assert!(r.contains("Ille-et-Vilaine (35)"), "{path}:\n{}", r.text);
        assert!(r.contains("Finistère (29)"), "{path}");
        assert!(
            !r.contains("Paris (75)"),
            "{path} lists departments outside Brittany"
        );
        assert!(!r.contains(">Département 35<"), "{path}");
    }
    let r = visitor.get("/offres?departement=35").await;
    assert!(r.contains("Département : Ille-et-Vilaine (35)"));
}

async fn naf_labels_are_accented_and_the_whole_tree_is_served(app: TestApp) {
    let mut visitor = app.client();
    let divisions = visitor.get("/api/v1/referential/naf").await.json();
    let forestry = divisions
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "02")
        .expect("division 02");
    assert_eq!(forestry["label"], "Sylviculture et exploitation forestière");

    let codes = visitor
        .get("/api/v1/referential/naf/codes?q=1071C")
        .await
        .json();
    assert_eq!(codes[0]["code"], "10.71C");
    assert_eq!(codes[0]["level"], "subclass");
    assert_eq!(codes[0]["label"], "Boulangerie et boulangerie-pâtisserie");
    let words = visitor
        .get("/api/v1/referential/naf/codes?q=boulangerie%20patisserie&limit=50")
        .await
        .json();
    assert!(
        words
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "10.71C"),
        "{words}"
    );
    let tree = visitor
        .get("/api/v1/referential/naf/codes?q=47&limit=50")
        .await
        .json();
    assert_eq!(tree[0]["code"], "47");
    assert_eq!(tree[0]["level"], "division");
    assert_eq!(tree[1]["level"], "group");

    // A database loaded by an earlier version (labels without accents, no tree) is brought
    // up to date at start.
    app.state
        .db
        .run(|conn| {
            use passerelle::db::schema::{naf_codes, naf_divisions};
            diesel::update(naf_divisions::table.find("02"))
                .set(naf_divisions::label.eq("Sylviculture et exploitation forestiere"))
                .execute(conn)?;
            diesel::delete(naf_codes::table).execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    app.state.ensure_reference_data().unwrap();
    let divisions = visitor.get("/api/v1/referential/naf").await.json();
    assert!(
        divisions
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["label"] == "Sylviculture et exploitation forestière")
    );
    let again = visitor
        .get("/api/v1/referential/naf/codes?q=1071C")
        .await
        .json();
    assert_eq!(again[0]["code"], "10.71C");
}
