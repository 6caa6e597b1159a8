//! The mail of a campaign: its subject, its Markdown body (rendered to HTML with the
//! project's renderer, which lets no raw HTML through) and the unsubscription link.

use crate::mail::template;

template! {
    /// One campaign message to one person (or its test to the author).
    pub struct CampaignMail<'a> {
        pub subject: &'a str,
        /// The Markdown as written: the text part.
        pub body: &'a str,
        /// The same rendered by `content::markdown::render` (no raw HTML, safe links only).
        pub body_html: &'a str,
        /// The one-click unsubscription page (`/desabonnement?jeton=…`); none in a test send.
        pub unsubscribe: Option<&'a str>,
        pub region: &'a str,
        /// Shown at the top of a test send.
        pub test: bool,
    }
    text = "mail/campaigns/campaign.txt",
    html = "mail/campaigns/campaign.html",
    subject(&self) {
        if self.test {
            format!("[Essai] {}", self.subject)
        } else {
            self.subject.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BODY: &str = "## Les rencontres de l’alternance\n\nRendez-vous le **22/11/2026** à Rennes <script>x</script>.\n\n- [Les offres](https://passerelle.example/offres)\n";

    #[test]
    fn campaign() {
        let html = crate::content::markdown::render(BODY);
        let mail = CampaignMail {
            subject: "L’alternance en Ille-et-Vilaine",
            body: BODY,
            body_html: &html,
            unsubscribe: Some("https://passerelle.example/desabonnement?jeton=abc"),
            region: "Bretagne",
            test: false,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn campaign_test_send() {
        let html = crate::content::markdown::render(BODY);
        let mail = CampaignMail {
            subject: "L’alternance en Ille-et-Vilaine",
            body: BODY,
            body_html: &html,
            unsubscribe: None,
            region: "Bretagne",
            test: true,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
