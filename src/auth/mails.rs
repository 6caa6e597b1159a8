//! The mails of accounts: address verification, password reset, invitations, and the
//! chambers told that a company waits for them.

use crate::mail::template;

template! {
    /// Asks a new account to confirm its address.
    pub struct VerifyEmail<'a> {
        pub first_name: &'a str,
        pub secret: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/auth/verify_email.txt",
    html = "mail/auth/verify_email.html",
    subject(&self) { "Confirmez votre adresse e-mail".to_owned() }
}

template! {
    /// Tells a chamber's officer that a company signed up in their department.
    pub struct CompanyToValidate<'a> {
        pub company_name: &'a str,
        pub siret: &'a str,
        pub commune: &'a str,
        pub department: &'a str,
        /// The partner whose import proposed the company (none: the company signed up).
        pub proposed_by: Option<&'a str>,
        pub base_url: &'a str,
    }
    text = "mail/auth/company_to_validate.txt",
    html = "mail/auth/company_to_validate.html",
    subject(&self) {
        if self.proposed_by.is_some() {
            "Entreprise proposée à valider".to_owned()
        } else {
            "Nouvelle entreprise à valider".to_owned()
        }
    }
}

template! {
    /// The link to choose a new password.
    pub struct PasswordReset<'a> {
        pub first_name: &'a str,
        pub secret: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/auth/password_reset.txt",
    html = "mail/auth/password_reset.html",
    subject(&self) { "Réinitialisation de votre mot de passe".to_owned() }
}

template! {
    /// Invites a person to join an organisation's staff.
    pub struct Invitation<'a> {
        pub first_name: &'a str,
        /// Who invites, full name.
        pub inviter: String,
        pub organisation: &'a str,
        /// The role's French label.
        pub role: &'a str,
        pub secret: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/auth/invitation.txt",
    html = "mail/auth/invitation.html",
    subject(&self) { format!("Invitation à rejoindre {} sur Passerelle", self.organisation) }
}

template! {
    /// Tells a person their password changed (or was reset), and that their sessions ended
    /// and their API tokens were revoked.
    pub struct PasswordChanged<'a> {
        pub first_name: &'a str,
        /// How many API tokens were revoked.
        pub revoked_tokens: usize,
        pub base_url: &'a str,
    }
    text = "mail/auth/password_changed.txt",
    html = "mail/auth/password_changed.html",
    subject(&self) { "Votre mot de passe a été modifié".to_owned() }
}

template! {
    /// Answers a sign-up made with an address that already has an account: the page said
    /// the same as for a new account, the mail says what happened, with a reset link.
    pub struct AlreadyRegistered<'a> {
        pub first_name: &'a str,
        pub secret: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/auth/already_registered.txt",
    html = "mail/auth/already_registered.html",
    subject(&self) { "Vous avez déjà un compte sur Passerelle".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BASE: &str = "https://passerelle.example";

    #[test]
    fn verify_email() {
        let mail = VerifyEmail {
            first_name: "Léa",
            secret: "s3cr3t",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn company_to_validate() {
        let mail = CompanyToValidate {
            company_name: "Boulangerie <Dupont> & fils",
            siret: "12345678900011",
            commune: "Orléans",
            department: "45",
            proposed_by: None,
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn company_proposed_by_an_import() {
        let mail = CompanyToValidate {
            company_name: "Garage de l’Odet",
            siret: "12345678900011",
            commune: "Quimper",
            department: "29",
            proposed_by: Some("CFA des métiers <Bretagne>"),
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn password_reset() {
        let mail = PasswordReset {
            first_name: "Léa",
            secret: "s3cr3t",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn invitation() {
        let mail = Invitation {
            first_name: "Léa",
            inviter: "Marc Durand".to_owned(),
            organisation: "CFA du Loiret",
            role: "Organisme de formation",
            secret: "s3cr3t",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn password_changed() {
        let mail = PasswordChanged {
            first_name: "Léa",
            revoked_tokens: 2,
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn already_registered() {
        let mail = AlreadyRegistered {
            first_name: "Léa",
            secret: "s3cr3t",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
