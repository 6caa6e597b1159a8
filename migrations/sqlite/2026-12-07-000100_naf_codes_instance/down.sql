DROP TABLE naf_codes;
DROP TABLE instance_settings;
