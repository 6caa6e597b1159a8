DROP TABLE legal_texts;
DROP TABLE retention_settings;
