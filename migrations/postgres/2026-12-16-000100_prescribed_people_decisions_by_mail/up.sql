-- A person pre-registered by an adviser may agree to be told by mail of each decision of the
-- training centre (accepted, waiting list, not accepted): when they agreed, or NULL.
ALTER TABLE prescribed_people ADD COLUMN decisions_by_mail_at TIMESTAMP;
