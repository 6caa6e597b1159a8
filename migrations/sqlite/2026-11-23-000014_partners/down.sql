DROP TABLE partner_reminders;
DROP TABLE partner_renewals;
DROP TABLE charter_signatures;
DROP TABLE charter_versions;
DROP TABLE partner_steps;
DROP TABLE partner_contacts;
DROP TABLE partner_profiles;
