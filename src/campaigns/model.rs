//! Audiences and states of campaigns and of their recipients.

use crate::string_enum;

string_enum! {
    /// Whom a campaign is for (always among those who agreed to the region's information).
    Audience {
        Candidates => "candidates", "Candidats";
        Companies => "companies", "Entreprises (recruteurs)";
        Partners => "partners", "Personnel des partenaires";
    }
}

string_enum! {
    /// Where a campaign stands.
    CampaignStatus {
        Draft => "draft", "Brouillon";
        Sending => "sending", "Envoi en cours";
        Sent => "sent", "Envoyée";
    }
}

string_enum! {
    /// Where one recipient of a campaign stands. `Pending` rows wait for their batch; a batch
    /// claims a row by moving it out of `Pending`, so that no two nodes mail it twice.
    RecipientStatus {
        Pending => "pending", "En attente";
        Queued => "queued", "Confié à la messagerie";
        Withdrawn => "withdrawn", "Accord retiré avant l’envoi";
        Bounced => "bounced", "Adresse refusée auparavant";
    }
}
