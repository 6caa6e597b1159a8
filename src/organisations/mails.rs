//! The mails of organisations: a chamber's decision on a company's sign-up.

use crate::mail::template;

template! {
    /// The chamber validated the company: it may publish offers.
    pub struct Validated<'a> {
        pub name: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/organisations/validated.txt",
    html = "mail/organisations/validated.html",
    subject(&self) { "Votre entreprise est validée".to_owned() }
}

template! {
    /// The chamber did not validate the company, for a reason.
    pub struct Rejected<'a> {
        pub name: &'a str,
        pub reason: &'a str,
    }
    text = "mail/organisations/rejected.txt",
    html = "mail/organisations/rejected.html",
    subject(&self) { "Votre inscription n’a pas été validée".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn validated() {
        let mail = Validated {
            name: "Boulangerie Dupont & fils",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn rejected() {
        let mail = Rejected {
            name: "Boulangerie Dupont & fils",
            reason: "Le SIRET ne correspond pas.\n<Vérifiez> l’établissement.",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
