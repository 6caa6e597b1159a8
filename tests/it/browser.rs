//! Browser suite: Debian's Chromium driven through chromedriver (WebDriver), with axe-core
//! checking WCAG 2.1 A/AA on every page visited. Screenshots of whole pages, at 1280 and 360 px, land in target/screenshots/.
//! Runs when PASSERELLE_TEST_BROWSER=1 (set by .ci/run, which installs what it needs).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{Backend, TestApp};

struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser(javascript: bool) -> Browser {
    let port = free_port();
    let driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed");
    let profile = tempfile::tempdir().unwrap();
    let mut prefs = serde_json::Map::new();
    if !javascript {
        prefs.insert(
            "profile.managed_default_content_settings.javascript".into(),
            json!(2),
        );
    }
    let caps = json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=fr-FR",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": prefs,
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let mut last_error = None;
    for _ in 0..50 {
        // chromedriver listens on plain HTTP on this machine: no TLS needed to reach it.
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    driver,
                    _profile: profile,
                };
            }
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("cannot start Chromium through chromedriver: {last_error:?}");
}

struct Server {
    base: String,
    stop: tokio::sync::watch::Sender<bool>,
    app: TestApp,
}

async fn server() -> Server {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let application = passerelle::Application::build(app.state.clone())
        .await
        .unwrap();
    let base = format!("http://localhost:{}", application.address().port());
    let (stop, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(application.run_until(rx));
    Server { base, stop, app }
}

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']')))
  .catch(e => done(['axe failed: ' + e]));
"#;

/// Runs axe-core on the current page; returns the violations.
async fn axe(client: &Client) -> Vec<String> {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/node_modules/axe-core/axe.min.js"
    ))
    .expect("axe-core installed by `npm ci` in tests/browser (done by .ci/run)");
    client.execute(&source, vec![]).await.expect("inject axe");
    let result = client
        .execute_async(AXE_RUN, vec![])
        .await
        .expect("axe runs");
    serde_json::from_value(result).expect("list of violations")
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Screenshot of the whole page at a width: the window grows to the page's height (at most
/// 6000 px) so that what lies below the fold is seen too, then gets its height back.
async fn full_screenshot(client: &Client, name: &str, width: u32, height: u32) {
    let page_height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(u64::from(height));
    let full = u32::try_from(page_height)
        .unwrap_or(height)
        .clamp(height, 6000);
    client.set_window_size(width, full).await.unwrap();
    screenshot(client, name).await;
    client.set_window_size(width, height).await.unwrap();
}

/// Visits a page at desktop and phone widths, checks it with axe, keeps screenshots.
async fn check_page(client: &Client, url: &str, name: &str) -> Vec<String> {
    client.goto(url).await.unwrap();
    let mut problems: Vec<String> = axe(client)
        .await
        .into_iter()
        .map(|v| format!("{name}: {v}"))
        .collect();
    full_screenshot(client, name, 1280, 900).await;
    client.set_window_size(360, 800).await.unwrap();
    client.goto(url).await.unwrap();
    problems.extend(
        axe(client)
            .await
            .into_iter()
            .map(|v| format!("{name} (360 px): {v}")),
    );
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    if overflow == json!(true) {
        // Which elements stick out, to say where to look.
        let wide = client
            .execute(
                "return [...document.querySelectorAll('body *')]\
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)\
                 .slice(-3).map(e => e.tagName + '.' + e.className).join(', ');",
                vec![],
            )
            .await
            .unwrap();
        problems.push(format!(
            "{name}: horizontal scrolling at 360 px ({})",
            wide.as_str().unwrap_or_default()
        ));
    }
    full_screenshot(client, &format!("{name}-phone"), 360, 800).await;
    client.set_window_size(1280, 900).await.unwrap();
    problems
}

/// Waits (up to 5 s) until the page's main content contains a text, after a navigation.
async fn wait_for_text(client: &Client, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(main) = client.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}; it showed:\n{last}");
}

async fn login(client: &Client, base: &str, email: &str) {
    client.goto(&format!("{base}/connexion")).await.unwrap();
    client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(passerelle::demo::PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(client, "Vous êtes connecté·e en tant").await;
}

async fn logout(client: &Client, base: &str) {
    client
        .goto(&format!("{base}/tableau-de-bord"))
        .await
        .unwrap();
    client
        .find(Locator::Css(".main-nav form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(client, "Vous êtes déconnecté·e").await;
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn pages_have_no_accessibility_violations() {
    let server = server().await;
    let b = browser(true).await;
    let mut problems = Vec::new();
    for (path, name) in [
        ("/", "home"),
        ("/recherche?q=boulanger&lieu=Rennes", "search-offers"),
        (
            "/recherche?q=boulanger&lieu=Rennes&type=formations",
            "search-trainings",
        ),
        (
            "/recherche?q=boulanger&lieu=Rennes&type=decouverte",
            "search-discovery",
        ),
        ("/recherche?q=portes+ouvertes&type=agenda", "search-agenda"),
        (
            "/recherche?q=boulanger&lieu=Saint-Martin",
            "search-which-commune",
        ),
        ("/inscription", "signup-choice"),
        ("/inscription/candidat", "signup-candidate"),
        ("/inscription/entreprise", "signup-company"),
        ("/connexion", "login"),
        ("/mot-de-passe-oublie", "forgot-password"),
        ("/accessibilite", "accessibility"),
        ("/api", "api"),
        ("/nulle-part", "not-found"),
    ] {
        problems.extend(check_page(&b.client, &format!("{}{path}", server.base), name).await);
    }
    // An offer's public page, reached from the list.
    b.client
        .goto(&format!("{}/offres", server.base))
        .await
        .unwrap();
    b.client
        .find(Locator::Css(".offer-card a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Le poste").await;
    let offer_url = b.client.current_url().await.unwrap().to_string();
    problems.extend(check_page(&b.client, &offer_url, "offer").await);
    problems.extend(check_page(&b.client, &format!("{}/offres", server.base), "offers").await);

    // A recruiter's pages.
    login(&b.client, &server.base, "recruiter@demo.passerelle.test").await;
    for (path, name) in [
        ("/mes-offres", "my-offers"),
        ("/candidats", "candidate-search"),
        (
            "/candidats?metier=D1102&commune=Rennes&rayon=30",
            "candidate-search-criteria",
        ),
        ("/candidats/alertes", "cv-alerts"),
        ("/mes-offres/nouvelle", "offer-form"),
        ("/organisation", "organisation"),
    ] {
        problems.extend(check_page(&b.client, &format!("{}{path}", server.base), name).await);
    }
    // The recruiter posts an offer through the form, with JavaScript on.
    b.client
        .goto(&format!("{}/mes-offres/nouvelle", server.base))
        .await
        .unwrap();
    let start = (passerelle::clock::today_paris() + chrono::Duration::days(30))
        .format("%d/%m/%Y")
        .to_string();
    for (id, value) in [
        ("title", "Apprenti·e boulanger·ère de nuit"),
        ("rome", "D1102"),
        (
            "description",
            "Fabrication du pain de la nuit, du dimanche au jeudi : pétrissage, façonnage, cuisson.",
        ),
        ("start_date", start.as_str()),
        ("commune", "Rennes (35000)"),
    ] {
        let field = b.client.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    b.client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "enregistrée comme brouillon").await;
    let draft_url = b.client.current_url().await.unwrap().to_string();
    problems.extend(check_page(&b.client, &draft_url, "offer-draft").await);
    logout(&b.client, &server.base).await;

    // A candidate fills a profile.
    login(&b.client, &server.base, "candidate@demo.passerelle.test").await;
    problems.extend(
        check_page(
            &b.client,
            &format!("{}/profil", server.base),
            "profile-empty",
        )
        .await,
    );
    b.client
        .goto(&format!("{}/profil", server.base))
        .await
        .unwrap();
    for (id, value) in [
        ("rome1", "D1102"),
        ("commune", "Rennes"),
        (
            "presentation",
            "Motivée, ponctuelle, j’aime le travail manuel.",
        ),
    ] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    b.client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Votre profil est enregistré").await;
    problems.extend(check_page(&b.client, &format!("{}/profil", server.base), "profile").await);
    problems.extend(
        check_page(
            &b.client,
            &format!("{}/profil/consultations", server.base),
            "profile-views",
        )
        .await,
    );
    // … searches around Rennes on the map, and applies to an offer found there.
    let around = format!("{}/offres?q=boulanger&commune=35000&rayon=30", server.base);
    problems.extend(check_page(&b.client, &around, "offers-map").await);
    b.client.goto(&around).await.unwrap();
    let marker = b
        .client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css("#carte .leaflet-marker-icon"))
        .await
        .expect("the results map shows a marker");
    let label = marker.attr("alt").await.unwrap().unwrap_or_default();
    assert!(label.contains("Rennes"), "marker label: {label:?}");
    marker.click().await.unwrap();
    b.client
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css("#carte .map-popup a"))
        .await
        .expect("the marker opens a popup listing its offers")
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Postuler").await;
    b.client
        .find(Locator::Id("apply-message"))
        .await
        .unwrap()
        .send_keys("Bonjour, votre offre correspond exactement à ce que je cherche.")
        .await
        .unwrap();
    b.client
        .find(Locator::Css(".apply-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Votre candidature est envoyée").await;
    let application_url = b.client.current_url().await.unwrap().to_string();
    problems.extend(check_page(&b.client, &application_url, "application-candidate").await);
    problems.extend(
        check_page(
            &b.client,
            &format!("{}/mes-candidatures", server.base),
            "my-applications",
        )
        .await,
    );
    logout(&b.client, &server.base).await;

    // The organisation managing that offer answers.
    let manager =
        if server.app.mails().await.iter().any(|m| {
            m.to.contains("training_staff@") && m.subject.starts_with("Nouvelle candidature")
        }) {
            "training_staff@demo.passerelle.test"
        } else {
            "recruiter@demo.passerelle.test"
        };
    login(&b.client, &server.base, manager).await;
    problems.extend(
        check_page(
            &b.client,
            &format!("{}/candidatures-recues", server.base),
            "applications-received",
        )
        .await,
    );
    b.client.goto(&application_url).await.unwrap();
    b.client
        .find(Locator::Id("message"))
        .await
        .unwrap()
        .send_keys("Merci, passez nous voir mardi à 10 h.")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("button[value=entretien]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Entretien proposé").await;
    problems.extend(check_page(&b.client, &application_url, "application-company").await);
    logout(&b.client, &server.base).await;
    login(&b.client, &server.base, "candidate@demo.passerelle.test").await;
    b.client.goto(&application_url).await.unwrap();
    wait_for_text(&b.client, "passez nous voir mardi").await;
    logout(&b.client, &server.base).await;

    // A training centre's import space: it sends a file from the page and reads the report.
    login(
        &b.client,
        &server.base,
        "training_staff@demo.passerelle.test",
    )
    .await;
    for (path, name) in [
        ("/imports", "imports"),
        ("/imports/profils/nouveau?preset=ymag", "import-profile-new"),
        ("/webhooks", "webhooks"),
    ] {
        problems.extend(check_page(&b.client, &format!("{}{path}", server.base), name).await);
    }
    let csv = std::env::temp_dir().join(format!("passerelle-{}.csv", std::process::id()));
    std::fs::write(
        &csv,
        format!(
            "reference;title;description;rome_code;contract_type;level;commune_insee;start_date;positions;siret;company_name\n\
             B-1;Apprenti·e crêpier·ère;Galettes et crêpes au billig, accueil des clients en salle et en terrasse.;G1602;apprentissage;3;29232;{};1;73282932000074;Crêperie de l’Odet\n\
             B-2;Sans métier;Une ligne dont le code ROME est inconnu du référentiel ROME.;Z0000;apprentissage;3;29232;{};1;73282932000074;Crêperie de l’Odet\n",
            start, start
        ),
    )
    .unwrap();
    b.client
        .goto(&format!("{}/imports", server.base))
        .await
        .unwrap();
    b.client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&csv.display().to_string())
        .await
        .unwrap();
    b.client
        .find(Locator::Css(
            "form[action^='/imports/envoyer'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Lignes refusées").await;
    let _ = std::fs::remove_file(&csv);
    let run_url = b.client.current_url().await.unwrap().to_string();
    problems.extend(check_page(&b.client, &run_url, "import-run").await);
    b.client
        .goto(&format!("{}/imports", server.base))
        .await
        .unwrap();
    b.client
        .find(Locator::Css(".card-title a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&b.client, "Correspondance des colonnes").await;
    let profile_url = b.client.current_url().await.unwrap().to_string();
    problems.extend(check_page(&b.client, &profile_url, "import-profile").await);
    logout(&b.client, &server.base).await;

    // France Travail's agent works the gateway queue.
    login(
        &b.client,
        &server.base,
        "gateway_agent@demo.passerelle.test",
    )
    .await;
    problems.extend(
        check_page(
            &b.client,
            &format!("{}/passerelle-france-travail", server.base),
            "gateway",
        )
        .await,
    );
    logout(&b.client, &server.base).await;

    // An adviser's follow-up of accompanied candidates; the editors' campaigns.
    login(&b.client, &server.base, "prescriber@demo.passerelle.test").await;
    problems.extend(check_page(&b.client, &format!("{}/suivis", server.base), "followed").await);
    logout(&b.client, &server.base).await;
    login(&b.client, &server.base, "editor@demo.passerelle.test").await;
    for (path, name) in [
        ("/campagnes", "campaigns"),
        ("/campagnes/nouvelle", "campaign-new"),
    ] {
        problems.extend(check_page(&b.client, &format!("{}{path}", server.base), name).await);
    }
    logout(&b.client, &server.base).await;

    // Pages of the regional administrator.
    login(
        &b.client,
        &server.base,
        "regional_admin@demo.passerelle.test",
    )
    .await;
    for (path, name) in [
        ("/moderation/offres", "offer-moderation"),
        ("/moderation/profils", "profile-moderation"),
        ("/tableau-de-bord", "dashboard-admin"),
        ("/compte", "account"),
        ("/validations", "validations"),
        ("/admin/comptes", "admin-accounts"),
        ("/admin/organisations", "admin-organisations"),
        ("/admin/courriels", "admin-outbox"),
        ("/imports", "imports-admin"),
    ] {
        problems.extend(check_page(&b.client, &format!("{}{path}", server.base), name).await);
    }
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn sign_up_works_without_javascript() {
    let server = server().await;
    let b = browser(false).await;
    let c = &b.client;
    c.goto(&format!("{}/inscription/candidat", server.base))
        .await
        .unwrap();
    for (id, value) in [
        ("first_name", "Maïwenn"),
        ("last_name", "Le Bras"),
        ("email", "maiwenn@exemple.fr"),
        ("birth_date", "14/03/2009"),
        ("password", "un-mot-de-passe-solide"),
        ("password_confirm", "un-mot-de-passe-solide"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    c.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Votre compte est créé").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/connexion");
    screenshot(c, "signup-done-nojs").await;
    let mail = server.app.last_mail_to("maiwenn@exemple.fr").await;
    assert_eq!(mail.subject, "Confirmez votre adresse e-mail");
    // Without JavaScript the search shows its list, and no empty map.
    c.goto(&format!("{}/offres?commune=35000&rayon=30", server.base))
        .await
        .unwrap();
    wait_for_text(c, "Apprenti·e pâtissier·ère").await;
    let map = c.find(Locator::Id("carte")).await.unwrap();
    assert!(!map.is_displayed().await.unwrap());
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
}

/// Fills a field found by its id.
async fn fill(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(value)
        .await
        .unwrap();
}

/// Clicks the button of the step form of a pre-registration page.
async fn click_step(c: &Client, step: &str) {
    c.find(Locator::Css(&format!(
        "form.form-step:has(input[name=step][value={step}]) button"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn pre_registration_journey_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    // The public catalogue.
    problems.extend(
        check_page(
            c,
            &format!("{base}/formations?q=boulanger"),
            "trainings-search",
        )
        .await,
    );

    // The prescriber finds a funded session and pre-registers a person.
    login(c, base, "prescriber@demo.passerelle.test").await;
    c.goto(&format!("{base}/formations?q=boulanger&financees=oui"))
        .await
        .unwrap();
    c.find(Locator::LinkText("CAP Boulanger en un an"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Pré-inscription obligatoire par un conseiller").await;
    let session_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &session_url, "training-session").await);
    c.goto(&format!("{session_url}/preinscription"))
        .await
        .unwrap();
    wait_for_text(c, "Pré-inscrire une personne").await;
    problems.extend(
        check_page(
            c,
            &format!("{session_url}/preinscription"),
            "prescription-form",
        )
        .await,
    );
    for (id, value) in [
        ("first_name", "Enora"),
        ("last_name", "Le Bras"),
        ("birth_date", "14/03/2001"),
        ("email", "enora.lebras@exemple.fr"),
        (
            "motive",
            "Projet validé après une immersion réussie en boulangerie.",
        ),
    ] {
        fill(c, id, value).await;
    }
    c.find(Locator::Css("#situation option[value=job_seeker]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#level option[value='3']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "La pré-inscription est envoyée").await;
    let prescription_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &prescription_url, "prescription-prescriber").await);
    logout(c, base).await;

    // The centre schedules an interview, accepts, records the entry.
    login(c, base, "training_staff@demo.passerelle.test").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/preinscriptions"),
            "prescriptions-centre",
        )
        .await,
    );
    c.goto(&prescription_url).await.unwrap();
    wait_for_text(c, "Enora Le Bras").await;
    problems.extend(check_page(c, &prescription_url, "prescription-centre").await);
    let soon = (passerelle::clock::today_paris() + chrono::Duration::days(3))
        .format("%d/%m/%Y")
        .to_string();
    fill(c, "date-schedule_interview", &soon).await;
    click_step(c, "schedule_interview").await;
    wait_for_text(c, "Statut de la pré-inscription : « Entretien prévu »").await;
    click_step(c, "accept").await;
    wait_for_text(c, "« Acceptée »").await;
    let today = passerelle::clock::today_paris()
        .format("%d/%m/%Y")
        .to_string();
    fill(c, "date-enter", &today).await;
    click_step(c, "enter").await;
    wait_for_text(c, "« Entrée en formation »").await;
    // The end (with its qualification) and the drop-out (with its coded reason) are offered.
    wait_for_text(c, "Motif de l’abandon").await;
    problems.extend(check_page(c, &prescription_url, "prescription-centre-entered").await);
    logout(c, base).await;

    // The prescriber sees the result and the time to entry; so does the funder.
    login(c, base, "prescriber@demo.passerelle.test").await;
    c.goto(&prescription_url).await.unwrap();
    wait_for_text(c, "après la pré-inscription").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/preinscriptions"),
            "prescriptions-prescriber",
        )
        .await,
    );
    problems.extend(check_page(c, &format!("{base}/enquete"), "survey").await);
    for (path, name) in [
        ("/tableau-de-bord", "dashboard-prescriber"),
        ("/rapports/annexe", "annex-prescriber"),
    ] {
        problems.extend(check_page(c, &format!("{base}{path}"), name).await);
    }
    logout(c, base).await;
    login(c, base, "funder@demo.passerelle.test").await;
    c.goto(&format!("{base}/preinscriptions")).await.unwrap();
    // Funders follow figures and anonymised rows: never the person's name.
    let funder_list = wait_for_text(c, "Personne anonymisée").await;
    assert!(!funder_list.contains("Enora"), "{funder_list}");
    problems.extend(
        check_page(
            c,
            &format!("{base}/preinscriptions"),
            "prescriptions-funder",
        )
        .await,
    );
    for (path, name) in [
        ("/tableau-de-bord", "dashboard-funder"),
        ("/financeur/delais", "funder-settings"),
    ] {
        problems.extend(check_page(c, &format!("{base}{path}"), name).await);
    }
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn programme_and_agenda_journey_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    // Public pages: agenda, news, documentation.
    problems.extend(check_page(c, &format!("{base}/agenda?territoire=35"), "agenda").await);
    problems.extend(check_page(c, &format!("{base}/actualites"), "news").await);
    problems.extend(
        check_page(
            c,
            &format!("{base}/documentation/page-pour-les-parents"),
            "documentation-parents",
        )
        .await,
    );
    problems.extend(
        check_page(
            c,
            &format!("{base}/documentation/contrats-apprentissage-professionnalisation"),
            "documentation-contracts",
        )
        .await,
    );

    // A practitioner joins the waiting list of the full session.
    login(c, base, "prescriber@demo.passerelle.test").await;
    problems.extend(check_page(c, &format!("{base}/programme"), "programme-catalogue").await);
    c.find(Locator::XPath(
        "//button[starts-with(normalize-space(.), 'S’inscrire en liste d’attente')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "vous êtes sur la liste d’attente, en position 2").await;
    let session_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &session_url, "programme-session").await);
    logout(c, base).await;

    // Two confirmed people cancel: the practitioner is promoted.
    for who in [
        "training_staff@demo.passerelle.test",
        "site_coordinator@demo.passerelle.test",
    ] {
        login(c, base, who).await;
        c.goto(&session_url).await.unwrap();
        c.find(Locator::XPath(
            "//button[normalize-space(.)='Annuler mon inscription']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        wait_for_text(c, "L’inscription est annulée").await;
        logout(c, base).await;
    }
    login(c, base, "prescriber@demo.passerelle.test").await;
    c.goto(&session_url).await.unwrap();
    wait_for_text(c, "Inscription confirmée").await;
    logout(c, base).await;

    // The regional team: registrations, the attendance sheet, publishing.
    login(c, base, "editor@demo.passerelle.test").await;
    c.goto(&session_url).await.unwrap();
    wait_for_text(c, "Inscrits et liste d’attente").await;
    problems.extend(check_page(c, &session_url, "programme-session-team").await);
    let sheet = c
        .find(Locator::XPath(
            "//a[starts-with(normalize-space(.), 'Feuille d’émargement')]",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let sheet_url = format!("{base}{sheet}");
    problems.extend(check_page(c, &sheet_url, "programme-attendance-sheet").await);
    c.goto(&sheet_url).await.unwrap();
    c.find(Locator::Css(".attendance-sheet input[type=checkbox]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::XPath(
        "//button[normalize-space(.)='Enregistrer les présences']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "1 personne présente").await;
    problems.extend(check_page(c, &format!("{base}/redaction"), "editor-home").await);
    problems.extend(check_page(c, &format!("{base}/redaction/agenda"), "editor-event-form").await);
    problems.extend(
        check_page(
            c,
            &format!("{base}/programme/cours/nouveau"),
            "programme-new-course",
        )
        .await,
    );
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn partner_content_resources_and_help_are_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    for (path, name) in [
        ("/aide", "help-index"),
        ("/aide/preinscrire-une-personne", "help-prescription"),
    ] {
        problems.extend(check_page(c, &format!("{base}{path}"), name).await);
    }
    // A training centre proposes an open day.
    login(c, base, "training_staff@demo.passerelle.test").await;
    problems.extend(check_page(c, &format!("{base}/mes-propositions"), "proposals-own").await);
    problems.extend(
        check_page(
            c,
            &format!("{base}/mes-propositions/nouvelle"),
            "proposal-form",
        )
        .await,
    );
    c.goto(&format!("{base}/mes-propositions")).await.unwrap();
    let own = c
        .find(Locator::Css("td a[href^='/mes-propositions/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    problems.extend(check_page(c, &format!("{base}{own}"), "proposal-own").await);
    problems.extend(check_page(c, &format!("{base}/ressources-pro"), "pro-resources").await);
    problems.extend(
        check_page(
            c,
            &format!("{base}/ressources-pro/qui-finance-quoi"),
            "pro-resource",
        )
        .await,
    );
    logout(c, base).await;
    // The editors' queue and the review of a proposal.
    login(c, base, "editor@demo.passerelle.test").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/redaction/propositions"),
            "proposals-queue",
        )
        .await,
    );
    c.goto(&format!("{base}/redaction/propositions"))
        .await
        .unwrap();
    let review = c
        .find(Locator::Css("td a[href^='/redaction/propositions/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    problems.extend(check_page(c, &format!("{base}{review}"), "proposal-review").await);
    problems.extend(
        check_page(
            c,
            &format!("{base}/redaction/pages?ressource=pro"),
            "pro-resource-form",
        )
        .await,
    );
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn sites_and_discovery_journey_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    problems.extend(check_page(c, &format!("{base}/espaces-metiers"), "sites-list").await);

    // The coordinator logs a visit on the tablet form, then books an exhibition.
    login(c, base, "site_coordinator@demo.passerelle.test").await;
    c.goto(&format!("{base}/espaces-metiers")).await.unwrap();
    c.find(Locator::LinkText("Journal des visites de ce site"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Anonyme").await;
    let visits_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &visits_url, "site-visit-log").await);
    for label in ["age-16_25", "situation-pupil", "topic-alternance"] {
        c.find(Locator::Css(&format!("label[for='{label}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    c.find(Locator::Css("form.visit-log button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Visite enregistrée").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/espaces-metiers/chiffres"),
            "site-figures",
        )
        .await,
    );
    // The site's yearly action plan (the demo plan, submitted).
    c.goto(&format!("{base}/espaces-metiers")).await.unwrap();
    c.find(Locator::LinkText("Espace Métiers de Saint-Brieuc"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let plan_url = c
        .find(Locator::Css("a[href*='/plan?annee=']"))
        .await
        .unwrap()
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    problems.extend(check_page(c, &plan_url, "site-plan").await);
    problems.extend(check_page(c, &format!("{base}/expositions"), "exhibitions").await);
    c.find(Locator::LinkText("Industrie : les métiers de demain"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Réserver pour mon site").await;
    let exhibition_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &exhibition_url, "exhibition-booking").await);
    let day = |offset| {
        (passerelle::clock::today_paris() + chrono::Duration::days(offset))
            .format("%d/%m/%Y")
            .to_string()
    };
    fill(c, "starts_on", &day(40)).await;
    fill(c, "ends_on", &day(50)).await;
    c.find(Locator::Css(
        "#reserver + form button[type=submit], form[action$=reservations] button[type=submit]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "La réservation est enregistrée").await;
    // The calendar now offers to cancel the site's booking.
    problems.extend(check_page(c, &exhibition_url, "exhibition-booked").await);
    logout(c, base).await;

    // Someone registers for the workshop, then cancels from the link of the mail.
    c.goto(&format!("{base}/espaces-metiers")).await.unwrap();
    c.find(Locator::LinkText("Espace Métiers de Saint-Brieuc"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::LinkText(
        "Atelier : réussir sa recherche de contrat d’alternance",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "S’inscrire").await;
    fill(c, "name", "Nolwenn Le Bihan").await;
    fill(c, "email", "nolwenn@exemple.fr").await;
    c.find(Locator::Css(
        "form[action$=inscription] button[type=submit]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "Votre inscription est enregistrée").await;
    let mail = server.app.last_mail_to("nolwenn@exemple.fr").await;
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/evenements/annulation/"))
        .unwrap()
        .to_owned();
    let path = &link[link.find("/evenements/").unwrap()..];
    problems.extend(check_page(c, &format!("{base}{path}"), "event-cancellation").await);
    c.find(Locator::Css("form[action*=annulation] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Votre inscription est annulée").await;

    // The teacher finds the bakery's visit near first and requests it.
    login(c, base, "teacher@demo.passerelle.test").await;
    problems.extend(check_page(c, &format!("{base}/decouverte-metiers"), "discovery-search").await);
    c.find(Locator::LinkText(
        "Visite du fournil de la Boulangerie Le Goff",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "Demander cette action pour un groupe").await;
    let action_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &action_url, "discovery-action").await);
    fill(c, "group_size", "12").await;
    fill(c, "wished_dates", "Un jeudi matin de mars").await;
    fill(c, "message", "Classe de seconde bac pro.").await;
    c.find(Locator::Css("form[action$=demande] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Votre demande est envoyée").await;
    let request_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &request_url, "discovery-request-teacher").await);
    logout(c, base).await;

    // The company accepts.
    login(c, base, "recruiter@demo.passerelle.test").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/decouverte-metiers/mes-actions"),
            "discovery-mine",
        )
        .await,
    );
    c.goto(&request_url).await.unwrap();
    wait_for_text(c, "Un jeudi matin de mars").await;
    problems.extend(check_page(c, &request_url, "discovery-request-company").await);
    fill(c, "date-accept", &day(20)).await;
    click_step(c, "accept").await;
    wait_for_text(c, "La demande est « Acceptée »").await;
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn information_line_journey_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    // A visitor asks a question without an account.
    problems.extend(check_page(c, &format!("{base}/question"), "helpline-public-form").await);
    fill(
        c,
        "question",
        "Comment financer un CAP Pâtissier en reconversion ?",
    )
    .await;
    c.find(Locator::Css("#topic option[value=career_change]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(c, "email", "soizic@exemple.fr").await;
    c.find(Locator::Css("main form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Votre question est bien envoyée").await;

    // The officer logs a call with the keyboard-friendly form, then routes it.
    login(c, base, "info_officer@demo.passerelle.test").await;
    problems.extend(check_page(c, &format!("{base}/cap-info"), "helpline-queue").await);
    problems.extend(check_page(c, &format!("{base}/cap-info/appel"), "helpline-call-form").await);
    c.find(Locator::Css("#age_band option[value='26_44']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#topic option[value=funding]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(
        c,
        "question",
        "Salarié, puis-je financer une formation de cariste avec mon CPF ?",
    )
    .await;
    c.find(Locator::Css("main form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "L’appel est enregistré sous la référence").await;
    let request_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &request_url, "helpline-request-officer").await);
    c.find(Locator::XPath(
        "//select[@id='partner_id']/option[text()='Transitions Pro Bretagne']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("form[action$='/orientation'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "La demande est transmise au partenaire").await;
    problems.extend(check_page(c, &format!("{base}/cap-info/reglages"), "helpline-settings").await);
    logout(c, base).await;

    // The partner answers through the e-mailed link, without logging in.
    let link = server
        .app
        .last_mail_to("partner_responder@demo.passerelle.test")
        .await
        .link();
    problems.extend(check_page(c, &format!("{base}{link}"), "helpline-magic-link").await);
    fill(
        c,
        "body",
        "Oui, le CPF finance le CACES ; voyez aussi un projet de transition professionnelle.",
    )
    .await;
    c.find(Locator::Css("main form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "votre réponse est envoyée au demandeur").await;

    // The partner's space and the figures.
    login(c, base, "partner_responder@demo.passerelle.test").await;
    problems.extend(
        check_page(
            c,
            &format!("{base}/cap-info/partenaire"),
            "helpline-partner-space",
        )
        .await,
    );
    logout(c, base).await;
    login(c, base, "info_officer@demo.passerelle.test").await;
    c.goto(&request_url).await.unwrap();
    wait_for_text(c, "Répondue par le partenaire").await;
    problems.extend(check_page(c, &format!("{base}/cap-info/chiffres"), "helpline-figures").await);
    let figures = wait_for_text(c, "Transitions Pro Bretagne").await;
    assert!(figures.contains("Respect du délai de 2 jours ouvrés par partenaire"));
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn partners_journey_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    // A visitor browses the directory and opens a partner's card.
    problems.extend(check_page(c, &format!("{base}/partenaires"), "partners-directory").await);
    c.goto(&format!("{base}/partenaires")).await.unwrap();
    c.find(Locator::LinkText("CFA des métiers de Rennes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(c, "Rôle dans la plateforme").await;
    assert!(text.contains("Gaëlle Le Meur") && !text.contains("Hervé Coat"));
    let card_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &card_url, "partner-card-public").await);

    // The regional administrator: the list, a governance page, the charter versions.
    login(c, base, "regional_admin@demo.passerelle.test").await;
    problems.extend(check_page(c, &format!("{base}/admin/partenaires"), "partners-admin").await);
    c.goto(&format!("{base}/admin/partenaires")).await.unwrap();
    c.find(Locator::LinkText("Transitions Pro Bretagne"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Parcours d’adhésion").await;
    let governance_url = c.current_url().await.unwrap().to_string();
    c.find(Locator::Css("#step option[value=accounts_created]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(c, "note", "Comptes des répondants ouverts").await;
    c.find(Locator::Css("form[action$='/etapes'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Étape « Comptes créés » enregistrée.").await;
    problems.extend(check_page(c, &governance_url, "partner-governance").await);
    problems.extend(check_page(c, &format!("{base}/admin/charte"), "partners-charter").await);
    problems.extend(check_page(c, &card_url, "partner-card-admin").await);
    logout(c, base).await;

    // France Travail's administrator signs the new charter version on "Ma convention".
    login(c, base, "prescriber@demo.passerelle.test").await;
    c.goto(&format!("{base}/ma-convention")).await.unwrap();
    wait_for_text(c, "Charte à signer de nouveau").await;
    problems.extend(check_page(c, &format!("{base}/ma-convention"), "my-convention").await);
    c.find(Locator::Css(
        "form[action='/ma-convention/signature'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_text(c, "la version 2 de la charte est signée").await;
    problems.extend(check_page(c, &format!("{base}/ma-convention"), "my-convention-signed").await);
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

/// Clicks a submit button found by CSS.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn trust_pages_are_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();

    // A candidate fills a profile and applies to the bakery's offer.
    login(c, base, "candidate@demo.passerelle.test").await;
    c.goto(&format!("{base}/profil")).await.unwrap();
    for (id, value) in [
        ("rome1", "D1102"),
        ("commune", "Rennes"),
        (
            "presentation",
            "Motivée, ponctuelle, j’aime le travail manuel.",
        ),
    ] {
        fill(c, id, value).await;
    }
    click(c, "form.form button[type=submit]").await;
    wait_for_text(c, "Votre profil est enregistré").await;
    c.goto(&format!("{base}/offres")).await.unwrap();
    c.find(Locator::LinkText("Apprenti·e boulanger·ère"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Postuler").await;
    fill(
        c,
        "apply-message",
        "Bonjour, je prépare mon CAP et votre fournil me plairait beaucoup.",
    )
    .await;
    click(c, ".apply-form button[type=submit]").await;
    wait_for_text(c, "Votre candidature est envoyée").await;
    let application_url = c.current_url().await.unwrap().to_string();
    logout(c, base).await;

    // The funder asks for a second LHÉO code on its settings page.
    login(c, base, "funder@demo.passerelle.test").await;
    c.goto(&format!("{base}/financeur/delais")).await.unwrap();
    let codes = c.find(Locator::Id("lheo_codes")).await.unwrap();
    codes.clear().await.unwrap();
    codes.send_keys("2 12").await.unwrap();
    click(c, "form[action='/financeur/delais'] button[type=submit]").await;
    let settings = wait_for_text(c, "C’est enregistré").await;
    assert!(
        settings.contains("Code 12 (Union européenne) : en attente d’approbation"),
        "{settings}"
    );
    problems.extend(
        check_page(
            c,
            &format!("{base}/financeur/delais"),
            "funder-codes-requested",
        )
        .await,
    );
    logout(c, base).await;

    // The regional administrator approves the code and validates the candidate's profile.
    login(c, base, "regional_admin@demo.passerelle.test").await;
    let codes_url = format!("{base}/admin/codes-financeurs");
    problems.extend(check_page(c, &codes_url, "funder-codes-pending").await);
    c.goto(&codes_url).await.unwrap();
    let pending = wait_for_text(c, "Union européenne").await;
    assert!(
        pending.contains("Région Bretagne – direction de la formation"),
        "{pending}"
    );
    click(c, "button[value=approuver]").await;
    wait_for_text(c, "est approuvé").await;
    problems.extend(check_page(c, &codes_url, "funder-codes-decided").await);
    c.goto(&format!("{base}/moderation/profils")).await.unwrap();
    click(c, "button[value=valider]").await;
    wait_for_text(c, "Le profil est validé").await;
    logout(c, base).await;

    // The bakery's administrator lets the Brest centre manage its offers, then withdraws it.
    login(c, base, "recruiter@demo.passerelle.test").await;
    c.goto(&format!("{base}/organisation")).await.unwrap();
    wait_for_text(c, "Organismes de formation qui gèrent vos offres").await;
    let organisation_url = c.current_url().await.unwrap().to_string();
    let brest = (0..10)
        .map(|d| format!("1929000450001{d}"))
        .find(|s| passerelle::types::luhn_valid(s))
        .unwrap();
    fill(c, "deleg-siret", &brest).await;
    click(c, "form[action$='/delegations'] button[type=submit]").await;
    wait_for_text(c, "peut désormais publier et gérer les offres").await;
    problems.extend(check_page(c, &organisation_url, "organisation-delegations").await);
    c.goto(&organisation_url).await.unwrap();
    c.find(Locator::XPath(
        "//form[contains(@action, '/revoquer')][contains(., 'Brest')]//button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let after = wait_for_text(c, "ne gère plus vos offres").await;
    assert!(after.contains("CFA des métiers de Rennes"), "{after}");

    // … searches CVs: summaries only; opening one is a logged view.
    c.goto(&format!("{base}/candidats")).await.unwrap();
    fill(c, "metier", "D1102").await;
    fill(c, "commune", "35000").await;
    click(c, "form[role=search] button[type=submit]").await;
    let results = wait_for_text(c, "1 profil").await;
    assert!(
        results.contains("Boulanger") && !results.contains("Motivée, ponctuelle"),
        "{results}"
    );
    let search_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &search_url, "candidate-search-results").await);
    c.goto(&search_url).await.unwrap();
    click(c, ".card-title a").await;
    wait_for_text(c, "Motivée, ponctuelle").await;
    let profile_url = c.current_url().await.unwrap().to_string();
    problems.extend(check_page(c, &profile_url, "candidate-full-profile").await);

    // … and marks the application as read, explicitly.
    c.goto(&application_url).await.unwrap();
    wait_for_text(c, "Statut").await;
    problems.extend(check_page(c, &application_url, "application-unread").await);
    click(c, "button[value=lue]").await;
    wait_for_text(c, "Statut de la candidature : « Lue »").await;
    problems.extend(check_page(c, &application_url, "application-read").await);
    logout(c, base).await;

    // The candidate sees who opened the profile.
    login(c, base, "candidate@demo.passerelle.test").await;
    let views = format!("{base}/profil/consultations");
    c.goto(&views).await.unwrap();
    wait_for_text(c, "Boulangerie Le Goff").await;
    problems.extend(check_page(c, &views, "profile-views-recruiter").await);
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

/// Each role's space as its person meets it: the dashboard and every page of « Mon espace »,
/// checked with axe at 1280 and 360 px, screenshots named after the role
/// (`target/screenshots/space-<role>-…`).
#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn every_role_space_is_accessible() {
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    let mut problems = Vec::new();
    for role in passerelle::types::Role::ALL {
        let name = role.as_str();
        login(c, base, &passerelle::types::demo_email(*role)).await;
        c.goto(&format!("{base}/tableau-de-bord")).await.unwrap();
        let mut pages = vec!["/tableau-de-bord".to_owned()];
        for link in c.find_all(Locator::Css(".space-nav a")).await.unwrap() {
            if let Some(href) = link.attr("href").await.unwrap()
                && href.starts_with('/')
                && !pages.contains(&href)
            {
                pages.push(href);
            }
        }
        assert!(pages.len() > 1, "{name} has no « Mon espace » menu");
        for page in &pages {
            let shot = format!("space-{name}-{}", page.trim_matches('/').replace('/', "-"));
            problems.extend(check_page(c, &format!("{base}{page}"), &shot).await);
        }
        logout(c, base).await;
    }
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every page a visitor or any of the 13 roles reaches from `/` by following links (the crawl
/// of `crawl.rs`) is checked with axe at 1280 px, one address per page shape (ids and slugs
/// aside), in the role that reached it first; no table of those pages scrolls sideways at that
/// width.
#[tokio::test]
#[cfg_attr(
    not(browser_tests),
    ignore = "browser suite NOT RUN: set PASSERELLE_TEST_BROWSER=1 (needs chromium, chromium-driver, axe-core)"
)]
async fn every_crawled_page_is_accessible() {
    use passerelle::types::{Role, demo_email};
    let server = server().await;
    let b = browser(true).await;
    let c = &b.client;
    let base = &server.base;
    c.set_window_size(1280, 900).await.unwrap();
    let mut people: Vec<Option<Role>> = vec![None];
    people.extend(Role::ALL.iter().copied().map(Some));
    let mut shapes = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    for role in people {
        let who = role.map_or("visiteur", |r| r.as_str());
        let mut client = match role {
            None => server.app.client(),
            Some(r) => server.app.login_as(&demo_email(r)).await,
        };
        let found = crate::crawl::crawl(&mut client, 600).await;
        let new: Vec<String> = found
            .pages
            .into_iter()
            .filter(|url| shapes.insert(crate::crawl::shape(url.split('?').next().unwrap())))
            .collect();
        if let Some(r) = role {
            login(c, base, &demo_email(r)).await;
        }
        for url in &new {
            c.goto(&format!("{base}{url}")).await.unwrap();
            problems.extend(
                axe(c)
                    .await
                    .into_iter()
                    .map(|v| format!("{who} {url}: {v}")),
            );
            let wide = c
                .execute(
                    "return [...document.querySelectorAll('.table-scroll')]\
                     .filter(e => e.scrollWidth > e.clientWidth + 1)\
                     .map(e => e.getAttribute('aria-label') || e.className);",
                    vec![],
                )
                .await
                .unwrap();
            if wide.as_array().is_some_and(|tables| !tables.is_empty()) {
                problems.push(format!(
                    "{who} {url}: table wider than the page at 1280 px: {wide}"
                ));
            }
            checked += 1;
        }
        if role.is_some() {
            logout(c, base).await;
        }
    }
    b.client.clone().close().await.unwrap();
    let _ = server.stop.send(true);
    assert!(
        problems.is_empty(),
        "{} problems on {checked} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // 93 kinds of page when this test was written: fewer means the crawl lost its way.
    assert!(checked >= 80, "only {checked} pages checked");
}
