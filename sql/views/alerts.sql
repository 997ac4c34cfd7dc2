-- The alert outbox. channel shows the channel's name and a redacted URL, never the secret.
CREATE OR REPLACE VIEW alerts AS
SELECT
    theme_id AS theme,
    article_id,
    channel || ' <' || channel_redacted || '>' AS channel,
    status,
    attempts,
    created_at,
    sent_at,
    kind,
    sources,
    title,
    last_error,
    alert_key,
    run_id,
    body
FROM alert;
