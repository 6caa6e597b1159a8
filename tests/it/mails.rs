//! Mails leave as multipart/alternative: the text any mail program shows, and an HTML part
//! (French, accessible layout) in which what a person typed stays text.

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(mails_carry_a_text_part_and_an_escaped_html_part);

async fn mails_carry_a_text_part_and_an_escaped_html_part(app: TestApp) {
    let mut c = app.client();
    c.get("/inscription/candidat").await;
    c.post_form(
        "/inscription/candidat",
        &[
            ("first_name", "Léna <b>&</b>"),
            ("last_name", "Le Gall"),
            ("email", "lena.legall@exemple.fr"),
            ("birth_date", "2009-05-02"),
            ("password", "un-mot-de-passe-solide"),
            ("password_confirm", "un-mot-de-passe-solide"),
            ("consent", "oui"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    let mail = app.last_mail_to("lena.legall@exemple.fr").await;
    assert_eq!(mail.subject, "Confirmez votre adresse e-mail");
    // The text part, word for word.
    assert!(
        mail.body
            .starts_with("Bonjour Léna <b>&</b>,\n\nVous venez de créer un compte"),
        "{}",
        mail.body
    );
    assert!(
        mail.body.ends_with("\n\nL’équipe Passerelle"),
        "{}",
        mail.body
    );
    let link = mail.link();
    assert!(link.starts_with("/verification?jeton="));

    // The HTML part: the same mail, the name escaped, the same link.
    assert!(mail.html.contains("<html lang=\"fr\">"), "{}", mail.html);
    assert!(
        mail.html
            .contains("<title>Confirmez votre adresse e-mail</title>")
    );
    assert!(
        mail.html
            .contains("Bonjour Léna &#60;b&#62;&#38;&#60;/b&#62;,"),
        "{}",
        mail.html
    );
    assert!(!mail.html.contains("<b>"));
    assert!(
        mail.html
            .contains(&format!("href=\"http://passerelle.test{link}\"")),
        "{}",
        mail.html
    );
}
