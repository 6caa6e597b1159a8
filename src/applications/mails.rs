//! The mail of applications: tells one side what the other did.

use crate::mail::template;

template! {
    /// A step of an application, told to the company or the candidate.
    pub struct Notice<'a> {
        /// What happened, put before the offer's title.
        pub what: &'a str,
        /// The paragraph that tells it.
        pub text: &'a str,
        pub title: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/applications/notice.txt",
    html = "mail/applications/notice.html",
    subject(&self) { format!("{} – « {} »", self.what, self.title) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn notice() {
        let mail = Notice {
            what: "Nouvelle candidature",
            text: "Léa Martin a postulé à votre offre.",
            title: "Boulanger·ère <apprenti>",
            id: "0190-application",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
