DROP TABLE webhook_offer_states;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
