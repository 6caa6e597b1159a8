DROP TABLE cv_alert_sent;
DROP TABLE cv_alerts;
