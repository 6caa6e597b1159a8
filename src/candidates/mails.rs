//! The mails of candidates: contact requests and their answers, the validation of a
//! profile, the warning before an inactive account is erased.

use crate::mail::template;

template! {
    /// An organisation asks to contact a candidate.
    pub struct ContactRequested<'a> {
        pub first_name: &'a str,
        pub organisation: &'a str,
        pub message: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/candidates/contact_requested.txt",
    html = "mail/candidates/contact_requested.html",
    subject(&self) { format!("{} souhaite vous contacter", self.organisation) }
}

template! {
    /// The candidate accepts to be contacted: the requester gets their address.
    pub struct ContactAccepted<'a> {
        pub first_name: &'a str,
        pub email: &'a str,
        pub candidate_id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/candidates/contact_accepted.txt",
    html = "mail/candidates/contact_accepted.html",
    subject(&self) { "Réponse à votre demande de contact".to_owned() }
}

template! {
    /// The candidate declines to be contacted.
    pub struct ContactDeclined<'a> {
        pub first_name: &'a str,
    }
    text = "mail/candidates/contact_declined.txt",
    html = "mail/candidates/contact_declined.html",
    subject(&self) { "Réponse à votre demande de contact".to_owned() }
}

template! {
    /// An officer validated the profile.
    pub struct ProfileValidated<'a> {
        pub first_name: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/candidates/profile_validated.txt",
    html = "mail/candidates/profile_validated.html",
    subject(&self) { "Votre profil est validé".to_owned() }
}

template! {
    /// An officer sent the profile back, with the reason.
    pub struct ProfileToComplete<'a> {
        pub first_name: &'a str,
        pub reason: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/candidates/profile_to_complete.txt",
    html = "mail/candidates/profile_to_complete.html",
    subject(&self) { "Votre profil est à compléter".to_owned() }
}

template! {
    /// The account will be erased in a month unless its owner signs in.
    pub struct InactivityWarning<'a> {
        pub first_name: &'a str,
        pub base_url: &'a str,
        /// How long an inactive account is kept, as the region set it (« 2 ans »).
        pub kept: &'a str,
    }
    text = "mail/candidates/inactivity_warning.txt",
    html = "mail/candidates/inactivity_warning.html",
    subject(&self) { "Votre compte Passerelle sera supprimé dans un mois".to_owned() }
}

/// One profile of a CV alert's digest: the summary a CV search shows, nothing more.
pub struct DigestProfile {
    pub id: String,
    /// « Léa M. »
    pub name: String,
    /// Wished occupations, by name.
    pub occupations: String,
    /// Level reached, as a label; empty when not given.
    pub level: String,
    /// « Rennes (35000) »; empty when not given.
    pub place: String,
}

template! {
    /// The profiles validated since the last digest of a CV alert.
    pub struct CvDigest<'a> {
        /// The alert's criteria, in words.
        pub name: &'a str,
        pub profiles: Vec<DigestProfile>,
        pub base_url: &'a str,
    }
    text = "mail/candidates/cv_digest.txt",
    html = "mail/candidates/cv_digest.html",
    subject(&self) {
        format!(
            "{} pour « {} »",
            crate::web::french::plural(self.profiles.len(), "nouveau profil", "nouveaux profils"),
            self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BASE: &str = "https://passerelle.example";

    #[test]
    fn contact_requested() {
        let mail = ContactRequested {
            first_name: "Léa",
            organisation: "Boulangerie Dupont",
            message: "Bonjour,\nnous cherchons un·e apprenti·e <boulanger> à Orléans & environs.",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn contact_accepted() {
        let mail = ContactAccepted {
            first_name: "Léa",
            email: "lea.martin@example.org",
            candidate_id: "0190-candidate",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn contact_declined() {
        let mail = ContactDeclined { first_name: "Léa" };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn profile_validated() {
        let mail = ProfileValidated {
            first_name: "Léa",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn profile_to_complete() {
        let mail = ProfileToComplete {
            first_name: "Léa",
            reason: "Le CV est illisible.",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn inactivity_warning() {
        let mail = InactivityWarning {
            first_name: "Léa",
            base_url: BASE,
            kept: "2 ans",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn cv_digest() {
        let mail = CvDigest {
            name: "Boulanger / Boulangère · Rennes (35000), 30 km",
            profiles: vec![DigestProfile {
                id: "0190-a".into(),
                name: "Léa M.".into(),
                occupations: "Boulanger / Boulangère, Pâtissier <b>".into(),
                level: "Niveau 3 – CAP, BEP".into(),
                place: "Rennes (35000)".into(),
            }],
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
