DROP TABLE application_messages;
DROP TABLE applications;
