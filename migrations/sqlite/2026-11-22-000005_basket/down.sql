DROP TABLE digest_sent;
DROP TABLE saved_searches;
DROP TABLE saved_profiles;
DROP TABLE saved_offers;
