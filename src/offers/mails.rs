//! The mails of offers: to the company, about the validation and the end of its offers.

use crate::mail::template;

template! {
    /// The chamber published the offer.
    pub struct Approved<'a> {
        pub title: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/offers/approved.txt",
    html = "mail/offers/approved.html",
    subject(&self) { format!("Votre offre « {} » est publiée", self.title) }
}

template! {
    /// The chamber sent the offer back, with its reason.
    pub struct Rejected<'a> {
        pub title: &'a str,
        pub reason: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/offers/rejected.txt",
    html = "mail/offers/rejected.html",
    subject(&self) { format!("Votre offre « {} » est à revoir", self.title) }
}

template! {
    /// The offer is no longer published.
    pub struct Expired<'a> {
        pub title: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/offers/expired.txt",
    html = "mail/offers/expired.html",
    subject(&self) { format!("Votre offre « {} » a expiré", self.title) }
}

template! {
    /// The offer stops being published in a week.
    pub struct Expiring<'a> {
        pub title: &'a str,
        /// The last day, `22/11/2026`.
        pub end: String,
        pub base_url: &'a str,
    }
    text = "mail/offers/expiring.txt",
    html = "mail/offers/expiring.html",
    subject(&self) { format!("Votre offre « {} » expire bientôt", self.title) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BASE: &str = "https://passerelle.example";

    #[test]
    fn approved() {
        let mail = Approved {
            title: "Boulanger·ère <apprenti>",
            id: "0190-offer",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn rejected() {
        let mail = Rejected {
            title: "Boulanger·ère",
            reason: "Le salaire manque.\nPrécisez les horaires & le lieu.",
            id: "0190-offer",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn expired() {
        let mail = Expired {
            title: "Boulanger·ère",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn expiring() {
        let mail = Expiring {
            title: "Boulanger·ère",
            end: "22/11/2026".to_owned(),
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
